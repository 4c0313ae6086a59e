package dev.breakeven.plans;

/**
 * One unit of a backend's capacity, held by one generation while it runs. Closing it gives the
 * capacity back exactly once: later calls do nothing, so {@code try (Slot slot = …)} is safe
 * whatever else released it. Thread-safe.
 */
public final class Slot implements AutoCloseable {
    private final SlotQueue queue;
    private final SlotRequest request;
    private final int classIndex;
    private final long queuedMillis;
    private final long grantedAtMillis;
    // guarded by queue.lock
    boolean released;

    Slot(SlotQueue queue, SlotRequest request, int classIndex, long queuedMillis, long grantedAtMillis) {
        this.queue = queue;
        this.request = request;
        this.classIndex = classIndex;
        this.queuedMillis = queuedMillis;
        this.grantedAtMillis = grantedAtMillis;
    }

    public String backend() {
        return request.backend();
    }

    public String account() {
        return request.account();
    }

    public String priorityClass() {
        return request.priorityClass();
    }

    public SlotRequest request() {
        return request;
    }

    /** How long the request waited for this slot, in milliseconds ({@code x-breakeven-queue-ms}). */
    public long queuedMillis() {
        return queuedMillis;
    }

    /** When the slot was granted, epoch milliseconds of the scheduler's clock. */
    public long grantedAtMillis() {
        return grantedAtMillis;
    }

    /**
     * Gives the slot back, and with it the capacity to the next waiting request.
     *
     * @return true for the call that released it; false when it was already released
     */
    public boolean release() {
        return queue.release(this);
    }

    /** Same as {@link #release()}. */
    @Override
    public void close() {
        release();
    }

    int classIndex() {
        return classIndex;
    }

    @Override
    public String toString() {
        return "Slot[" + request.backend() + ", " + request.account() + ", " + request.priorityClass() + ", queued "
                + queuedMillis + " ms]";
    }
}
