package dev.breakeven.plans;

import java.time.Duration;

/**
 * The compute scheduler refused or could not do what was asked. The message is fit to show to a
 * user. Codes are stable:
 *
 * <ul>
 *   <li>{@code overloaded}: the backend is saturated for the request's priority class, and the wait
 *       it would face is longer than its class's maximum wait; refused at once, nothing queued
 *   <li>{@code wait_expired}: the request waited its class's maximum wait without getting a slot
 *   <li>{@code deadline}: the caller's own deadline passed (or would pass) before a slot was free
 *   <li>{@code queue_full}: the backend already holds {@link SchedulerPolicy#maxWaiting()} waiting
 *       requests
 *   <li>{@code closed}: the scheduler is shut down
 *   <li>{@code unknown_backend}, {@code unknown_class}: the request names a backend or priority
 *       class the scheduler was not configured with
 *   <li>{@code invalid_policy}: a policy or request whose values do not make sense (the message says
 *       which)
 * </ul>
 *
 * The first five are refusals ({@link SlotRefusal#code()}): they carry a {@link #retryAfter()} and the
 * time the request had already {@link #queued()}; for the others both are zero. The HTTP API maps
 * refusals to 503 with {@code Retry-After} (see docs/scheduler.md).
 */
public final class SchedulerException extends RuntimeException {
    private final String code;
    private final Duration retryAfter;
    private final Duration queued;

    public SchedulerException(String code, String message) {
        this(code, message, Duration.ZERO, Duration.ZERO);
    }

    public SchedulerException(String code, String message, Duration retryAfter, Duration queued) {
        super(message);
        this.code = code;
        this.retryAfter = retryAfter;
        this.queued = queued;
    }

    /** The exception a blocking caller gets for a refusal. */
    public static SchedulerException of(SlotRefusal refusal) {
        return new SchedulerException(
                refusal.code(),
                refusal.message(),
                Duration.ofMillis(refusal.retryAfterMillis()),
                Duration.ofMillis(refusal.queuedMillis()));
    }

    public String code() {
        return code;
    }

    /** When trying again may succeed: zero when the code is not a refusal. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** How long the request waited in the queue before it was refused. */
    public Duration queued() {
        return queued;
    }
}
