package dev.breakeven.cluster;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The arithmetic every {@link Counters} implementation shares, on a counter's state as of time
 * {@code t}: its {@code level} in units of {@code 1 / scale(window)} (a bucket's are amount ×
 * period in ms, so that refilling {@code limit} per period is exactly {@code limit} units per ms),
 * and, for a calendar period, its end. What is reported is rounded in the safe direction: used up,
 * remaining down, times up to the next millisecond.
 */
final class CounterMath {
    /** Groups are checked (and, in memory, locked) in this order: window, then key. */
    static final Comparator<Claim> ORDER =
            Comparator.comparing((Claim c) -> c.window().id()).thenComparing(Claim::key);

    private CounterMath() {}

    /** What one unit of amount is in level units: a bucket's period in ms, else 1. */
    static long scale(Window window) {
        return window instanceof Window.Bucket bucket ? bucket.periodMillis() : 1;
    }

    /**
     * The claims' indexes in {@link #ORDER}.
     *
     * @throws ClusterException {@code invalid_argument} if there are none, or the same counter twice
     */
    static Integer[] distinctInOrder(List<Claim> claims) {
        if (claims == null || claims.isEmpty()) throw ClusterException.invalid("reserveAll needs at least one claim");
        int n = claims.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> ORDER.compare(claims.get(a), claims.get(b)));
        for (int k = 1; k < n; k++) {
            Claim previous = claims.get(order[k - 1]);
            Claim claim = claims.get(order[k]);
            if (previous.key().equals(claim.key()) && previous.window().equals(claim.window()))
                throw ClusterException.invalid("the same counter twice in one group: " + claim.key() + " per "
                        + claim.window().id());
        }
        return order;
    }

    /** Refuses a settled amount that is negative or above what the window can count. */
    static void checkSettled(Window window, long actual) {
        if (actual < 0) throw ClusterException.invalid("a settled amount cannot be negative: " + actual);
        if (actual > Claim.MAX_UNITS / scale(window))
            throw ClusterException.invalid("a settled amount too large for this window: " + actual);
    }

    /**
     * What is left of {@code level} after a bucket refilled {@code rate} units per ms for {@code
     * elapsed} ms (0 once it has refilled all of it).
     */
    static long drained(long level, long rate, long elapsed) {
        if (level <= 0 || elapsed <= 0) return level;
        return elapsed >= Math.ceilDiv(level, rate) ? 0 : level - rate * elapsed;
    }

    /** When a bucket holding {@code level} at {@code t} is full again at {@code rate} units per ms. */
    static long bucketEmptyAt(long t, long level, long rate) {
        return saturatedAdd(t, Math.ceilDiv(Math.max(0, level), rate));
    }

    /**
     * Null if {@code claim} fits on a counter at {@code level}; else its denial.
     *
     * @param periodEnd a calendar period's end (ignored for a bucket)
     */
    static Denial denial(Claim claim, long level, long periodEnd, long t) {
        Window window = claim.window();
        long limit = claim.limit();
        long retryAt;
        if (claim.amount() > limit) {
            retryAt = Denial.NEVER;
        } else {
            long scale = scale(window);
            long room = limit * scale - claim.amount() * scale; // what level may be before holding the amount
            if (level <= room) return null;
            retryAt = switch (window) {
                case Window.Bucket b -> saturatedAdd(t, Math.ceilDiv(level - room, limit));
                case Window.Utc u -> periodEnd;
            };
        }
        return new Denial(claim.key(), window, claim.amount(), usage(window, level, periodEnd, limit, t), retryAt);
    }

    /** A counter at {@code level} read against {@code limit} at {@code t}; {@code periodEnd} as in {@link #denial}. */
    static Usage usage(Window window, long level, long periodEnd, long limit, long t) {
        long held = Math.max(0, level);
        return switch (window) {
            case Window.Bucket bucket -> {
                long scale = bucket.periodMillis();
                long capacity = limit * scale;
                long remaining = held >= capacity ? 0 : (capacity - held) / scale;
                yield new Usage(limit, Math.ceilDiv(held, scale), remaining, bucketEmptyAt(t, held, limit), t);
            }
            case Window.Utc u -> new Usage(limit, held, Math.max(0, limit - held), periodEnd, t);
        };
    }

    /** A counter that holds nothing, read at {@code t}. */
    static Usage empty(Window window, long limit, long t) {
        long resetAt = window instanceof Window.Utc period ? period.end(t) : t;
        return new Usage(limit, 0, limit, resetAt, t);
    }

    static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
    }

    static long saturatedMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return (high == 0 && low >= 0) || (high == -1 && low < 0) ? low : Long.MAX_VALUE;
    }
}
