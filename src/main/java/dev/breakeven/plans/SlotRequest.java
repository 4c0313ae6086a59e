package dev.breakeven.plans;

/**
 * A request for one slot of a backend: who asks, in which priority class, and how much it counts
 * against its account's fair share.
 *
 * @param backend the backend whose capacity the generation will use
 * @param account who pays; fairness is shared across accounts inside a class
 * @param priorityClass the class its plan gives it (e.g. {@code free}, {@code plus}, {@code pro})
 * @param weight the account's share inside its class relative to others (1 for all is an equal
 *     share; an account of weight 2 gets twice the slots of one of weight 1 when both keep the
 *     class busy); positive and finite
 * @param cost what the request counts against its account's share: 1 counts requests; the caller
 *     may pass a size instead (e.g. prompt plus maximum output tokens) to share tokens; at least 1
 * @throws SchedulerException {@code invalid_request} when a field is missing or out of range
 */
public record SlotRequest(String backend, String account, String priorityClass, double weight, long cost) {

    public SlotRequest {
        if (backend == null || backend.isEmpty()) throw invalid("a slot request needs a backend");
        if (account == null || account.isEmpty()) throw invalid("a slot request needs an account");
        if (priorityClass == null || priorityClass.isEmpty()) throw invalid("a slot request needs a priority class");
        if (!(weight > 0) || Double.isInfinite(weight))
            throw invalid("a slot request's weight must be positive and finite, not " + weight);
        if (cost < 1) throw invalid("a slot request's cost must be at least 1, not " + cost);
    }

    /** A request of weight 1 and cost 1. */
    public static SlotRequest of(String backend, String account, String priorityClass) {
        return new SlotRequest(backend, account, priorityClass, 1, 1);
    }

    private static SchedulerException invalid(String message) {
        return new SchedulerException("invalid_request", message);
    }
}
