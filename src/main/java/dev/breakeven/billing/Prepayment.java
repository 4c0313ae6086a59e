package dev.breakeven.billing;

import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Makes generations pay before they run. In {@link Mode#PREPAID} each generation reserves the most
 * it can cost — its prompt and its {@code max_tokens} (or {@link #defaultMaxOutputTokens} when the
 * request sets none) at the model's prices now — from the account's wallet, and is refused when
 * the wallet cannot cover it; the rater later posts the actual cost and releases the rest. In
 * {@link Mode#POSTPAID} nothing is reserved and what the wallet does not cover is owed and invoiced.
 */
public final class Prepayment {

    public enum Mode {
        PREPAID,
        POSTPAID;

        /** @throws IllegalArgumentException for anything but {@code prepaid} or {@code postpaid} */
        public static Mode parse(String text) {
            return Mode.valueOf(text.trim().toUpperCase(Locale.ROOT));
        }
    }

    private final Mode mode;
    private final PriceBook prices;
    private final Wallets wallets;
    private final long defaultMaxOutputTokens;
    private final Duration timeout;

    /**
     * @param defaultMaxOutputTokens output tokens reserved for a request that sets no maximum
     * @param timeout how long a reservation holds before it is released unposted (it must outlast
     *     the longest generation plus the rater's lag)
     */
    public Prepayment(Mode mode, PriceBook prices, Wallets wallets, long defaultMaxOutputTokens, Duration timeout) {
        this.mode = mode;
        this.prices = prices;
        this.wallets = wallets;
        this.defaultMaxOutputTokens = defaultMaxOutputTokens;
        this.timeout = timeout;
    }

    public Mode mode() {
        return mode;
    }

    /**
     * Reserves the generation's ceiling from the wallet (prepaid mode, priced models only).
     *
     * @throws BillingException {@code insufficient_funds} when the wallet cannot cover the ceiling
     */
    public void reserve(
            String turnId,
            String accountId,
            String model,
            LongSupplier promptTokens,
            Integer maxOutputTokens,
            long at) {
        if (mode == Mode.POSTPAID) return;
        ModelRates rates = prices.modelRates(model, at);
        if (rates.inputPerMillion() == 0 && rates.outputPerMillion() == 0) return;
        long output = maxOutputTokens != null ? maxOutputTokens : defaultMaxOutputTokens;
        long ceiling = UsageCharge.ceiling(promptTokens.getAsLong(), output, rates);
        wallets.reserve(turnId, accountId, ceiling, at, at + timeout.toMillis());
    }
}
