package dev.breakeven.plans;

import java.util.List;
import java.util.Map;

/**
 * One backend's state in the scheduler at one moment, and its counts since the scheduler started:
 * what {@code /metrics} and the admin API show.
 *
 * @param backend the backend's id
 * @param capacity its slots
 * @param running slots held now
 * @param waiting requests waiting now
 * @param holdEstimateMillis how long the scheduler expects a generation to hold a slot (the
 *     measured mean, or the policy's initial estimate before any release)
 * @param classes per priority class, lowest rank first
 */
public record SchedulerSnapshot(
        String backend, int capacity, int running, int waiting, long holdEstimateMillis, List<ClassLoad> classes) {

    /**
     * One priority class on the backend.
     *
     * @param name the class
     * @param slots the most slots this class and the classes below it may hold together by the
     *     static share ({@link PriorityClass#slots})
     * @param headroom the slots kept now for the classes above this one: {@code capacity − slots},
     *     or more while the adaptive headroom raises it (0 for the highest class)
     * @param demandAbove the mean demand (slots held plus requests waiting) of the classes above
     *     this one that the adaptive headroom has measured; 0 when it is off
     * @param running slots this class holds now
     * @param waiting requests of this class waiting now
     * @param granted slots granted so far
     * @param queuedMillisTotal the sum of the waits of the granted requests
     * @param maxQueuedMillis the longest wait of a granted request
     * @param refused refusals so far by code ({@link SlotRefusal#code()})
     * @param cancelled waiting requests withdrawn by their callers so far
     */
    public record ClassLoad(
            String name,
            int slots,
            int headroom,
            double demandAbove,
            int running,
            int waiting,
            long granted,
            long queuedMillisTotal,
            long maxQueuedMillis,
            Map<String, Long> refused,
            long cancelled) {

        /** Refusals so far, over all codes. */
        public long refusedTotal() {
            return refused.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** The class named {@code name}; throws when there is none. */
    public ClassLoad of(String name) {
        for (ClassLoad c : classes) if (c.name().equals(name)) return c;
        throw new IllegalArgumentException("no priority class " + name);
    }
}
