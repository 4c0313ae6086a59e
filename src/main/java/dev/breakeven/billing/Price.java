package dev.breakeven.billing;

/**
 * One version of a price: from {@code effectiveFrom} on, {@code subject}'s {@code kind} costs
 * {@code micros} (in the kind's {@linkplain PriceKind#unit() unit}), until a row of the same kind
 * and subject with a later {@code effectiveFrom} takes over. Never changed once stored.
 *
 * @param id our id ({@code price_…})
 * @param kind what it prices
 * @param subject the model id or plan id it is for
 * @param micros the amount, ≥ 0, in micro-units of the currency (1 USD = 1,000,000)
 * @param effectiveFrom epoch millis from which it is in force (inclusive)
 * @param createdAt epoch millis when it was recorded
 * @param note why it was set, or null
 */
public record Price(
        String id, PriceKind kind, String subject, long micros, long effectiveFrom, long createdAt, String note) {}
