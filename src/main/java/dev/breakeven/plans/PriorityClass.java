package dev.breakeven.plans;

import java.time.Duration;

/**
 * A priority class of the compute scheduler (a plan names one, e.g. {@code free}, {@code plus},
 * {@code pro}). Waiting requests of a higher rank always get a released slot before those of a
 * lower rank; inside a class, accounts share by weight.
 *
 * @param name what plans and metrics call it
 * @param rank higher is served first; unique within a policy
 * @param maxWait the longest a request of this class may wait for a slot: one whose estimated wait
 *     is longer is refused at once ({@code overloaded}); one still waiting after it is refused then
 *     ({@code wait_expired})
 * @param maxShare the most of a backend's capacity that this class and every class below it may
 *     hold together, in (0, 1]; the rest is headroom that only higher classes can use. The highest
 *     class must have 1. A backend of capacity {@code C} gives the class {@code max(1,
 *     floor(maxShare × C))} slots (see {@link #slots(int)})
 * @throws SchedulerException {@code invalid_policy} when a value is out of range
 */
public record PriorityClass(String name, int rank, Duration maxWait, double maxShare) {

    public PriorityClass {
        if (name == null || name.isBlank()) throw invalid("a priority class needs a name");
        if (maxWait == null || maxWait.isNegative())
            throw invalid("priority class " + name + ": maxWait must be zero or more");
        if (!(maxShare > 0 && maxShare <= 1))
            throw invalid("priority class " + name + ": maxShare must be in (0, 1], not " + maxShare);
    }

    /**
     * The slots this class and the classes below it may hold together on a backend of {@code
     * capacity}: {@code floor(maxShare × capacity)}, but at least one, so that every class can run
     * on a backend of capacity 1 (which then keeps no headroom).
     */
    public int slots(int capacity) {
        return Math.max(1, Math.min(capacity, (int) Math.floor(maxShare * capacity + 1e-9)));
    }

    private static SchedulerException invalid(String message) {
        return new SchedulerException("invalid_policy", message);
    }
}
