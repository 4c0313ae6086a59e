package dev.breakeven.cluster;

import java.util.List;

/**
 * Counters with limits, shared by every request of a node ({@link InProcessCounters}) or of all
 * nodes (Redis, later). An amount is reserved before the work it pays for and kept or given back
 * after it ({@link Lease}); the check and the hold are one atomic step, so a limit holds under any
 * concurrency: the sum of what is held never exceeds it.
 *
 * <p>A counter is named by a key and a {@link Window}. The limit is given with each call (it is the
 * caller's plan, and may change between calls); the counter stores only what it holds. Times are
 * epoch millis from the caller's clock; a counter never goes back in time: a {@code now} earlier
 * than one it has already seen counts as that later time.
 *
 * <p>Every method may throw {@link ClusterException} {@code invalid_argument} for bad input and, in
 * an implementation over a shared store, {@code counters_unavailable}; then nothing was held or
 * changed.
 */
public interface Counters {

    /**
     * Holds {@code amount} on the counter if it fits under {@code limit} now.
     *
     * @return a {@link Lease} holding the amount, or a {@link Denial} saying what is left and when
     *     the amount will fit
     */
    default Reservation reserve(String key, Window window, long amount, long limit, long now) {
        return switch (reserveAll(List.of(new Claim(key, window, amount, limit)), now)) {
            case Leases leases -> leases.get(0);
            case Denial denial -> denial;
        };
    }

    /**
     * Holds every claim, or none: atomically, so no other reservation sees a part of them. If some
     * do not fit, returns the denial with the longest wait (an amount above its limit is the
     * longest), which is when all of them would fit if nothing else were reserved meanwhile.
     *
     * @throws ClusterException {@code invalid_argument} if the claims are empty or name the same
     *     counter (key and window) twice
     */
    GroupReservation reserveAll(List<Claim> claims, long now);

    /** The counter now, read against {@code limit}; a counter never used reads as empty. Holds nothing. */
    Usage usage(String key, Window window, long limit, long now);
}
