package dev.breakeven.cluster;

/**
 * One counter of a group reservation ({@link Counters#reserveAll}) and what to hold on it.
 *
 * @param key the counter's name, e.g. {@code acct_42:tokens}; with {@code window} it names one counter
 * @param amount what to hold now (at least 0)
 * @param limit what the counter may hold at most in its window (at least 1, at most {@link #MAX_UNITS}
 *     divided by a bucket's period in ms)
 */
public record Claim(String key, Window window, long amount, long limit) {
    public Claim {
        if (key == null || key.isEmpty()) throw ClusterException.invalid("a counter needs a key");
        if (window == null) throw ClusterException.invalid("a counter needs a window");
        if (amount < 0) throw ClusterException.invalid("an amount cannot be negative: " + amount);
        if (limit < 1) throw ClusterException.invalid("a limit must be at least 1: " + limit);
        long scale = window instanceof Window.Bucket b ? b.periodMillis() : 1;
        if (limit > MAX_UNITS / scale) throw ClusterException.invalid("limit too large for this window: " + limit);
    }

    /**
     * What a counter may count up to, in its units (a bucket's are amount × period in ms): 2^53, so
     * that a store that computes in doubles (Lua in Redis) still counts exactly. A limit of about
     * 150 billion a minute, or 9 quadrillion a day or a month.
     */
    public static final long MAX_UNITS = 1L << 53;
}
