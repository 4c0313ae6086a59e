package dev.breakeven.cluster;

import java.time.Duration;

/**
 * A reservation refused because the amount does not fit; nothing was held on any counter.
 *
 * @param key the counter that refused
 * @param window its window
 * @param requested the amount asked for
 * @param usage the counter at the moment of refusal: limit, what is left, when it is back to zero
 * @param retryAt epoch millis from which {@code requested} fits, if nothing else is reserved
 *     meanwhile; {@link #NEVER} when it is above the limit itself
 */
public record Denial(String key, Window window, long requested, Usage usage, long retryAt)
        implements Reservation, GroupReservation {

    /** {@link #retryAt} of an amount that no wait makes fit: it is above the limit. */
    public static final long NEVER = Long.MAX_VALUE;

    public long limit() {
        return usage.limit();
    }

    public long remaining() {
        return usage.remaining();
    }

    /** False when the amount is above the limit, so that waiting cannot help. */
    public boolean canEverFit() {
        return retryAt != NEVER;
    }

    /** Time until {@link #retryAt} (for {@code Retry-After}); {@code Long.MAX_VALUE} ms when it never fits. */
    public Duration retryAfter() {
        return Duration.ofMillis(canEverFit() ? Math.max(0, retryAt - usage.asOf()) : Long.MAX_VALUE);
    }
}
