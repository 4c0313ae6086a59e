package dev.breakeven.cluster;

/**
 * One counter of a group reservation ({@link Counters#reserveAll}) and what to hold on it.
 *
 * @param key the counter's name, e.g. {@code acct_42:tokens}; with {@code window} it names one counter
 * @param amount what to hold now (at least 0)
 * @param limit what the counter may hold at most in its window (at least 1)
 */
public record Claim(String key, Window window, long amount, long limit) {
    public Claim {
        if (key == null || key.isEmpty()) throw ClusterException.invalid("a counter needs a key");
        if (window == null) throw ClusterException.invalid("a counter needs a window");
        if (amount < 0) throw ClusterException.invalid("an amount cannot be negative: " + amount);
        if (limit < 1) throw ClusterException.invalid("a limit must be at least 1: " + limit);
        if (window instanceof Window.Bucket b && limit > Long.MAX_VALUE / b.periodMillis())
            throw ClusterException.invalid("limit too large for this window: " + limit);
    }
}
