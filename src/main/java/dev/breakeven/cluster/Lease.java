package dev.breakeven.cluster;

/**
 * An amount held on one counter until it is settled or released, exactly once. The first of
 * {@link #settle} and {@link #release} takes effect and returns true; every later call (from any
 * thread) returns false and changes nothing. A lease never settled keeps its whole amount counted:
 * a bucket refills it with time; a calendar period keeps it until the period ends.
 *
 * <p>A lease settled after its window moved on changes only what it can still honestly change: a
 * bucket gets back at most the part of the lease it has not yet refilled; a calendar period that
 * has ended is left as it was and the next period is not touched.
 *
 * <p>Both methods may throw {@link ClusterException} {@code counters_unavailable} from a shared
 * store; then the lease is not resolved and may be settled or released again.
 */
public non-sealed interface Lease extends Reservation {

    String key();

    Window window();

    /** What this lease holds. */
    long amount();

    /** The counter right after this lease was granted (for the rate-limit headers of a response). */
    Usage usage();

    /**
     * Keeps {@code actual} instead of {@link #amount()}: below it, the difference is given back;
     * above it, the excess is counted too (usage is a fact), so the counter may then exceed its
     * limit and further reservations wait longer.
     *
     * @param now epoch millis
     * @return true if this call resolved the lease, false if it was already settled or released
     * @throws ClusterException {@code invalid_argument} if {@code actual} is negative or above
     *     the largest limit of its window (see {@link Claim#MAX_UNITS}); the lease stays unresolved
     */
    boolean settle(long actual, long now);

    /** Gives the whole amount back, as {@code settle(0, now)}: nothing was used. */
    boolean release(long now);
}
