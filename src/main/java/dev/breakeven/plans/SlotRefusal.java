package dev.breakeven.plans;

/**
 * Why the scheduler gave a request no slot, and when trying again may succeed.
 *
 * @param code one of {@link #OVERLOADED}, {@link #WAIT_EXPIRED}, {@link #DEADLINE}, {@link
 *     #QUEUE_FULL}, {@link #CLOSED} (stable; see {@link SchedulerException})
 * @param message a sentence fit to show to a user: the backend, the class and the wait
 * @param retryAfterMillis the scheduler's estimate of when the same request may get a slot within
 *     its class's maximum wait, at least {@link SchedulerPolicy#minRetryAfter()}; an estimate, not a
 *     promise: under sustained overload the queue refills
 * @param queuedMillis how long the request had waited before it was refused (0 when refused on
 *     arrival)
 */
public record SlotRefusal(String code, String message, long retryAfterMillis, long queuedMillis) {
    /** The backend is saturated for the class: the estimated wait exceeds the class's maximum wait. */
    public static final String OVERLOADED = "overloaded";
    /** The request waited the class's maximum wait without getting a slot. */
    public static final String WAIT_EXPIRED = "wait_expired";
    /** The caller's deadline passed, or the estimated wait ends after it. */
    public static final String DEADLINE = "deadline";
    /** The backend holds {@link SchedulerPolicy#maxWaiting()} waiting requests already. */
    public static final String QUEUE_FULL = "queue_full";
    /** The scheduler is closed. */
    public static final String CLOSED = "closed";
}
