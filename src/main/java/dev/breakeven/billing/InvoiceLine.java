package dev.breakeven.billing;

import java.util.Locale;

/**
 * One line of an {@link Invoice}. Build lines with the factories ({@link #subscription}, {@link
 * #usage}, {@link #credit}, {@link #adjustment}); every constructor call is validated, so a line
 * cannot say two things at once.
 *
 * <p>Signs: subscription and usage lines charge (amount ≥ 0); credit lines reduce what is due
 * (amount ≤ 0: a credit of $5 is a line of −5,000,000 micros); adjustments may go either way.
 *
 * @param kind what the line is for
 * @param description what the customer reads; never blank, may hold any text (renderers escape it)
 * @param model for usage lines the public model id the tokens were used with; null on other lines
 * @param quantity usage lines: tokens, input plus output; other lines: a count of units (1 for a
 *     month of a plan), at least 1
 * @param unitPriceMicros the price of one unit, such that {@code quantity × unitPriceMicros ==
 *     amountMicros}; null when the line shows no unit price (always null on usage lines, whose
 *     prices are per million tokens and whose amounts are rated request by request)
 * @param amountMicros what the line adds to the invoice, in micros
 * @param inputTokens usage lines: prompt tokens; 0 on other lines
 * @param outputTokens usage lines: completion tokens; 0 on other lines
 * @param inputPricePerMillionMicros usage lines: the price of a million input tokens, or null when
 *     the line groups usage at more than one price; null on other lines
 * @param outputPricePerMillionMicros likewise for output tokens
 */
public record InvoiceLine(
        Kind kind,
        String description,
        String model,
        long quantity,
        Long unitPriceMicros,
        long amountMicros,
        long inputTokens,
        long outputTokens,
        Long inputPricePerMillionMicros,
        Long outputPricePerMillionMicros) {

    /** What a line is for. */
    public enum Kind {
        SUBSCRIPTION,
        USAGE,
        CREDIT,
        ADJUSTMENT;

        /** {@code subscription}, {@code usage}, {@code credit}, {@code adjustment}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** @throws BillingException {@code invalid_invoice} when the fields disagree (see the class comment) */
    public InvoiceLine {
        if (kind == null) throw invalid("a line has no kind");
        if (description == null || description.isBlank())
            throw invalid("a " + kind.wireName() + " line has no description");
        if (kind == Kind.USAGE) {
            if (model == null || model.isBlank()) throw invalid(what(kind, description) + " names no model");
            if (inputTokens < 0 || outputTokens < 0) throw invalid(what(kind, description) + " has negative tokens");
            if (!plusIs(inputTokens, outputTokens, quantity)) {
                throw invalid(what(kind, description) + ": quantity " + quantity + " is not input plus output tokens");
            }
            if (unitPriceMicros != null) {
                throw invalid(what(kind, description) + " has a unit price; usage is priced per million tokens");
            }
            if (isNegative(inputPricePerMillionMicros) || isNegative(outputPricePerMillionMicros)) {
                throw invalid(what(kind, description) + " has a negative price");
            }
        } else {
            if (model != null) throw invalid(what(kind, description) + " names a model; only usage lines do");
            if (inputTokens != 0 || outputTokens != 0) {
                throw invalid(what(kind, description) + " counts tokens; only usage lines do");
            }
            if (inputPricePerMillionMicros != null || outputPricePerMillionMicros != null) {
                throw invalid(what(kind, description) + " has a per-token price; only usage lines do");
            }
            if (quantity < 1) throw invalid(what(kind, description) + " has a quantity below 1");
            if (unitPriceMicros != null && !timesIs(quantity, unitPriceMicros, amountMicros)) {
                throw invalid(what(kind, description) + ": " + quantity + " × " + unitPriceMicros
                        + " micros is not its amount of " + amountMicros + " micros");
            }
        }
        switch (kind) {
            case SUBSCRIPTION, USAGE -> {
                if (amountMicros < 0) throw invalid(what(kind, description) + " has a negative amount");
            }
            case CREDIT -> {
                if (amountMicros > 0)
                    throw invalid(what(kind, description) + " charges; a credit's amount is negative");
            }
            case ADJUSTMENT -> {}
        }
    }

    /**
     * {@code quantity} units of a plan or fee at {@code unitPriceMicros} each.
     *
     * @throws BillingException {@code invalid_invoice} if the quantity is below 1, the price
     *     negative, or the amount does not fit in a {@code long}
     */
    public static InvoiceLine subscription(String description, long quantity, long unitPriceMicros) {
        long amount;
        try {
            amount = Math.multiplyExact(quantity, unitPriceMicros);
        } catch (ArithmeticException e) {
            throw invalid("the subscription line '" + description + "' is too large");
        }
        return new InvoiceLine(
                Kind.SUBSCRIPTION, description, null, quantity, unitPriceMicros, amount, 0, 0, null, null);
    }

    /**
     * Tokens used with one model, and what they cost as rated request by request.
     *
     * @param inputPricePerMillionMicros null when the line groups usage at more than one price
     * @param outputPricePerMillionMicros null when the line groups usage at more than one price
     * @throws BillingException {@code invalid_invoice} for negative tokens, prices or amount, or a
     *     blank model
     */
    public static InvoiceLine usage(
            String description,
            String model,
            long inputTokens,
            long outputTokens,
            Long inputPricePerMillionMicros,
            Long outputPricePerMillionMicros,
            long amountMicros) {
        long quantity;
        try {
            quantity = Math.addExact(inputTokens, outputTokens);
        } catch (ArithmeticException e) {
            throw invalid("the usage line '" + description + "' counts too many tokens");
        }
        return new InvoiceLine(
                Kind.USAGE,
                description,
                model,
                quantity,
                null,
                amountMicros,
                inputTokens,
                outputTokens,
                inputPricePerMillionMicros,
                outputPricePerMillionMicros);
    }

    /**
     * Prepaid or promotional credit applied to this invoice. {@code appliedMicros} is the credit as
     * a positive number; the line's amount is its negative.
     *
     * @throws BillingException {@code invalid_invoice} if {@code appliedMicros} is negative
     */
    public static InvoiceLine credit(String description, long appliedMicros) {
        if (appliedMicros < 0) throw invalid("the credit line '" + description + "' applies a negative credit");
        return new InvoiceLine(Kind.CREDIT, description, null, 1, null, -appliedMicros, 0, 0, null, null);
    }

    /** A correction, positive (charges) or negative (refunds, goodwill). */
    public static InvoiceLine adjustment(String description, long amountMicros) {
        return new InvoiceLine(Kind.ADJUSTMENT, description, null, 1, null, amountMicros, 0, 0, null, null);
    }

    private static boolean timesIs(long quantity, long unitPrice, long amount) {
        try {
            return Math.multiplyExact(quantity, unitPrice) == amount;
        } catch (ArithmeticException e) {
            return false;
        }
    }

    private static boolean plusIs(long a, long b, long sum) {
        try {
            return Math.addExact(a, b) == sum;
        } catch (ArithmeticException e) {
            return false;
        }
    }

    private static boolean isNegative(Long value) {
        return value != null && value < 0;
    }

    private static String what(Kind kind, String description) {
        return "the " + kind.wireName() + " line '" + description + "'";
    }

    static BillingException invalid(String message) {
        return new BillingException("invalid_invoice", message);
    }
}
