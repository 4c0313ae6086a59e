package dev.breakeven.ledger;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Amounts of money as {@code long} micro-units of the ledger's currency (1 USD = 1,000,000
 * micros). The only conversions to and from text live here, so no amount ever passes through a
 * floating-point number.
 */
public final class Money {
    /** Micros in one unit of the currency. */
    public static final long UNIT = 1_000_000L;

    private Money() {}

    /**
     * Parses a decimal amount in currency units ({@code "12.5"}, {@code "0.000001"}, {@code
     * "-3"}) into micros, exactly.
     *
     * @throws IllegalArgumentException with a message fit for a user when the text is not a plain
     *     decimal number, has more than six decimals, or does not fit in a {@code long}
     */
    public static long parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("an amount is required");
        String trimmed = text.strip();
        if (trimmed.startsWith("$")) trimmed = trimmed.substring(1);
        if (!trimmed.matches("-?\\d+(\\.\\d+)?")) {
            throw new IllegalArgumentException("'" + text + "' is not an amount (expected e.g. 12.50)");
        }
        BigDecimal value = new BigDecimal(trimmed);
        if (value.scale() > 6) {
            throw new IllegalArgumentException("'" + text + "' has more than six decimals (one micro is 0.000001)");
        }
        try {
            return value.movePointRight(6).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }

    /** Formats micros as a decimal with at least two and at most six decimals: {@code 1.50}, {@code 0.000150}. */
    public static String format(long micros) {
        BigDecimal value = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
        if (value.scale() < 2) value = value.setScale(2, RoundingMode.UNNECESSARY);
        return value.toPlainString();
    }

    /**
     * The price of {@code quantity} units at {@code microsPerMillion} micros per million units,
     * rounded half up to a whole micro.
     *
     * @throws ArithmeticException if the result does not fit in a {@code long}
     */
    public static long perMillion(long quantity, long microsPerMillion) {
        long product = Math.multiplyExact(quantity, microsPerMillion);
        long whole = product / 1_000_000L;
        long rest = product % 1_000_000L;
        return rest >= 500_000L ? whole + 1 : whole;
    }
}
