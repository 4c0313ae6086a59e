package dev.breakeven.cluster;

import java.time.Duration;

/**
 * A counter as of one moment, in the terms of OpenAI's rate-limit headers ({@code
 * x-ratelimit-limit-*}, {@code x-ratelimit-remaining-*}, {@code x-ratelimit-reset-*}).
 *
 * @param limit the limit the counter was read against
 * @param used what the counter holds: reserved and not released, or settled, and not yet refilled
 *     or reset. It can exceed {@code limit} only when leases were settled above what they reserved
 * @param remaining what a reservation could take now: {@code max(0, limit - used)}
 * @param resetAt epoch millis when the counter is back to zero (a bucket: full again; a calendar
 *     period: its end), if nothing more is reserved
 * @param asOf the epoch millis this was read at
 */
public record Usage(long limit, long used, long remaining, long resetAt, long asOf) {

    /** Time from {@code asOf} until {@code resetAt} (the {@code x-ratelimit-reset-*} header). */
    public Duration resetAfter() {
        return Duration.ofMillis(Math.max(0, resetAt - asOf));
    }
}
