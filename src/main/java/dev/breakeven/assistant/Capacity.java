package dev.breakeven.assistant;

/**
 * Where a generation waits for room on its backend: the seam for the compute scheduler. Called
 * once per attempt (a fallback to another backend asks again), just before the backend is called;
 * the hold is closed when the attempt ends, however it ends.
 */
@FunctionalInterface
public interface Capacity {

    /** Never waits, holds nothing. */
    Capacity UNLIMITED = (backend, who, priorityClass, cost) -> Hold.NONE;

    /**
     * Waits for room on {@code backend}, or refuses by throwing (the exception reaches the caller
     * unchanged; the turn records no usage event and its admission is given back).
     *
     * @param cost how much the attempt counts against its account's share (e.g. its most tokens)
     */
    Hold acquire(String backend, Requester who, String priorityClass, long cost);

    /** Room held on a backend. */
    interface Hold extends AutoCloseable {
        Hold NONE = new Hold() {
            @Override
            public long queuedMillis() {
                return 0;
            }

            @Override
            public void close() {}
        };

        /** How long the attempt waited for room. */
        long queuedMillis();

        /** Gives the room back; closing again does nothing. */
        @Override
        void close();
    }
}
