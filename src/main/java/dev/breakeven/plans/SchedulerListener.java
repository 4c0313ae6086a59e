package dev.breakeven.plans;

/**
 * Hears what the {@link ComputeScheduler} does, for metrics and logs. Methods are called on the
 * thread that caused the event while the backend's lock is held: they must be quick, must not
 * block, and must not call the scheduler. An exception they throw reaches that caller, so they
 * should not throw.
 */
public interface SchedulerListener {

    /** Hears nothing. */
    SchedulerListener NONE = new SchedulerListener() {};

    /** A request could not get a slot at once and waits, expecting about {@code estimatedWaitMillis}. */
    default void queued(SlotRequest request, long estimatedWaitMillis) {}

    /** A request got a slot after waiting {@link Slot#queuedMillis()}. */
    default void granted(Slot slot) {}

    /** A request was refused, on arrival or after waiting {@link SlotRefusal#queuedMillis()}. */
    default void refused(SlotRequest request, SlotRefusal refusal) {}

    /** A waiting request was withdrawn by its caller after {@code queuedMillis}. */
    default void cancelled(SlotRequest request, long queuedMillis) {}

    /** A slot was released after being held {@code heldMillis}. */
    default void released(Slot slot, long heldMillis) {}
}
