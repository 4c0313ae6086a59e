package dev.breakeven.billing;

import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An invoice for one account and one calendar month (UTC), as shown to the customer. Build it with
 * {@link #of}, which computes the totals from the lines; the constructor checks them again, so an
 * invoice whose totals disagree with its lines cannot exist.
 *
 * <p>Totals: the subtotal is the sum of every line that is not a credit (subscriptions, usage,
 * adjustments); credits applied is the sum of the credit lines, as a positive number; the total
 * due is the subtotal less the credits applied, which is also the sum of all line amounts. None of
 * them may be negative: credit beyond the charges is not applied.
 *
 * @param number the invoice number, e.g. {@code INV-2026-000001}: letters, digits, {@code .},
 *     {@code _} and {@code -}, at most 64 characters, starting with a letter or digit
 * @param accountId the account billed, {@code acct_…}
 * @param accountName the account's name as the customer knows it
 * @param period the month billed, in UTC, between 1970 and 9999; see {@link #periodStart()} and {@link #periodEnd()}
 * @param issuedAt when the invoice was issued, in epoch milliseconds; not before the period starts
 * @param currency always {@code "USD"}: every amount is in micros of a US dollar
 * @param lines in the order the customer reads them; may be empty
 */
public record Invoice(
        String number,
        String accountId,
        String accountName,
        YearMonth period,
        long issuedAt,
        String currency,
        List<InvoiceLine> lines,
        long subtotalMicros,
        long creditsAppliedMicros,
        long totalDueMicros) {

    /** The only currency so far. */
    public static final String USD = "USD";

    private static final Pattern NUMBER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * @throws BillingException {@code invalid_invoice} when a field is missing or malformed, or the
     *     totals are not those of the lines
     */
    public Invoice {
        if (number == null || !NUMBER.matcher(number).matches()) {
            throw InvoiceLine.invalid("the invoice number must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        if (accountId == null || accountId.isBlank())
            throw InvoiceLine.invalid("invoice " + number + " has no account");
        if (accountName == null || accountName.isBlank()) {
            throw InvoiceLine.invalid("invoice " + number + " has no account name");
        }
        if (period == null) throw InvoiceLine.invalid("invoice " + number + " has no period");
        if (period.getYear() < 1970 || period.getYear() > 9999) {
            throw InvoiceLine.invalid("invoice " + number + " has a period outside the years 1970 to 9999");
        }
        if (!USD.equals(currency)) throw InvoiceLine.invalid("invoice " + number + " is not in USD");
        if (lines == null) throw InvoiceLine.invalid("invoice " + number + " has no list of lines");
        for (InvoiceLine line : lines) {
            if (line == null) throw InvoiceLine.invalid("invoice " + number + " has an empty line");
        }
        lines = List.copyOf(lines);
        if (issuedAt < startOf(period)) {
            throw InvoiceLine.invalid("invoice " + number + " is issued before its period " + period + " starts");
        }
        Totals totals = Totals.of(number, lines);
        if (subtotalMicros != totals.subtotal()
                || creditsAppliedMicros != totals.credits()
                || totalDueMicros != totals.totalDue()) {
            throw InvoiceLine.invalid("the totals of invoice " + number + " are not those of its lines: subtotal "
                    + totals.subtotal() + ", credits applied " + totals.credits() + ", total due "
                    + totals.totalDue() + " micros");
        }
    }

    /**
     * An invoice in USD whose totals are computed from {@code lines}.
     *
     * @throws BillingException {@code invalid_invoice} when a field is missing or malformed, the
     *     credits exceed the charges, or a total does not fit in a {@code long}
     */
    public static Invoice of(
            String number,
            String accountId,
            String accountName,
            YearMonth period,
            long issuedAt,
            List<InvoiceLine> lines) {
        if (lines == null) throw InvoiceLine.invalid("invoice " + number + " has no list of lines");
        for (InvoiceLine line : lines) {
            if (line == null) throw InvoiceLine.invalid("invoice " + number + " has an empty line");
        }
        Totals totals = Totals.of(number, lines);
        return new Invoice(
                number,
                accountId,
                accountName,
                period,
                issuedAt,
                USD,
                lines,
                totals.subtotal(),
                totals.credits(),
                totals.totalDue());
    }

    /** The first instant of the period: midnight UTC on its first day, in epoch milliseconds. */
    public long periodStart() {
        return startOf(period);
    }

    /** The end of the period, exclusive: midnight UTC on the next month's first day, in epoch milliseconds. */
    public long periodEnd() {
        return startOf(period.plusMonths(1));
    }

    /** Input tokens of all usage lines. */
    public long inputTokens() {
        return lines.stream().mapToLong(InvoiceLine::inputTokens).sum();
    }

    /** Output tokens of all usage lines. */
    public long outputTokens() {
        return lines.stream().mapToLong(InvoiceLine::outputTokens).sum();
    }

    private static long startOf(YearMonth month) {
        return month.atDay(1).toEpochSecond(LocalTime.MIDNIGHT, ZoneOffset.UTC) * 1000L;
    }

    private record Totals(long subtotal, long credits, long totalDue) {
        static Totals of(String number, List<InvoiceLine> lines) {
            long charges = 0;
            long credits = 0;
            long quantities = 0; // bounds the token totals, which are never larger
            try {
                for (InvoiceLine line : lines) {
                    if (line.kind() == InvoiceLine.Kind.CREDIT)
                        credits = Math.subtractExact(credits, line.amountMicros());
                    else charges = Math.addExact(charges, line.amountMicros());
                    quantities = Math.addExact(quantities, line.quantity());
                }
            } catch (ArithmeticException e) {
                throw InvoiceLine.invalid("the amounts of invoice " + number + " are too large to add up");
            }
            if (charges < 0) {
                throw InvoiceLine.invalid(
                        "invoice " + number + " charges a negative subtotal; issue a credit note instead");
            }
            if (credits > charges) {
                throw InvoiceLine.invalid("invoice " + number + " applies more credit than it charges");
            }
            return new Totals(charges, credits, charges - credits);
        }
    }
}
