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
     * unchanged; the turn records no usage event and its admission is given back). A refusal may
     * be a {@link Downgrade}: the turn may then be served by another model instead.
     *
     * @param cost how much the attempt counts against its account's share (e.g. its most tokens)
     */
    Hold acquire(String backend, Requester who, String priorityClass, long cost);

    /**
     * No room for the turn's class on the backend, but the class's policy serves such turns with
     * {@link #model()} instead. The turn moves to that model's routes and asks again, once; if it
     * cannot (it already runs that model, the model has no route, or it is refused too), {@link
     * #refusal()} is the turn's answer.
     */
    final class Downgrade extends RuntimeException {
        private final String model;
        private final RuntimeException refusal;
        private final long queuedMillis;

        /**
         * @param queuedMillis how long the attempt waited for room before it was refused
         */
        public Downgrade(String model, RuntimeException refusal, long queuedMillis) {
            super(refusal.getMessage(), refusal, false, false);
            this.model = model;
            this.refusal = refusal;
            this.queuedMillis = queuedMillis;
        }

        /** How long the attempt waited for room before it was refused. */
        public long queuedMillis() {
            return queuedMillis;
        }

        /** The model that may serve the turn instead. */
        public String model() {
            return model;
        }

        /** The refusal that stands when the turn cannot move to {@link #model()}. */
        public RuntimeException refusal() {
            return refusal;
        }
    }

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
