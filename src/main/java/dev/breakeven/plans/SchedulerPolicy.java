package dev.breakeven.plans;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How the {@link ComputeScheduler} shares each backend's slots: the priority classes, and how it
 * estimates waits. See docs/scheduler.md for what each value does and how to size it.
 *
 * @param classes the priority classes; stored sorted by rank, lowest first
 * @param initialHoldEstimate how long a generation holds a slot, assumed until the backend has
 *     released slots to measure it (then an exponentially weighted mean of the measured holds)
 * @param minRetryAfter the shortest {@code Retry-After} a refusal carries
 * @param maxWaiting the most requests that may wait for one backend, over all classes; beyond it
 *     requests are refused ({@code queue_full}) whatever their estimated wait
 * @param adaptiveHeadroom how far measured demand of the higher classes raises the headroom kept
 *     for them above the static shares ({@link AdaptiveHeadroom#OFF}: not at all)
 * @throws SchedulerException {@code invalid_policy} when classes are missing, share a name or a
 *     rank, when a higher class has a smaller {@code maxShare} than a lower one, when the highest
 *     class's {@code maxShare} is not 1, or when a duration or count is out of range
 */
public record SchedulerPolicy(
        List<PriorityClass> classes,
        Duration initialHoldEstimate,
        Duration minRetryAfter,
        int maxWaiting,
        AdaptiveHeadroom adaptiveHeadroom) {

    /**
     * Headroom that follows demand: on each backend, for each class, the scheduler keeps an
     * exponentially weighted mean {@code m} (time constant {@code timeConstant}) of the slots held
     * and requests waiting of the classes above it, and keeps {@code ceil(m + z × √m)} slots free
     * for them when that is more than the static share leaves, but always leaves the class and
     * those below it one slot. It never lowers the static headroom and never preempts. See {@link
     * HeadroomEstimate}.
     *
     * @param z how many standard deviations of (Poisson) demand the headroom covers; 3.5 leaves the
     *     higher classes finding it full for about one arrival in a thousand
     * @param timeConstant how long demand is remembered; {@link Duration#ZERO}: off
     */
    public record AdaptiveHeadroom(double z, Duration timeConstant) {
        /** The static shares alone. */
        public static final AdaptiveHeadroom OFF = new AdaptiveHeadroom(3.5, Duration.ZERO);
        /** z 3.5 over a minute. */
        public static final AdaptiveHeadroom SUGGESTED = new AdaptiveHeadroom(3.5, Duration.ofSeconds(60));

        public AdaptiveHeadroom {
            if (!(z >= 0 && z <= 100)) throw invalid("adaptiveHeadroom.z must be in [0, 100], not " + z);
            if (timeConstant == null || timeConstant.isNegative())
                throw invalid("adaptiveHeadroom.timeConstant must be zero (off) or more");
        }

        /** Whether measured demand may raise the headroom. */
        public boolean on() {
            return timeConstant.toMillis() > 0;
        }
    }

    /** Suggested free tier: refused after 5 s of queueing, at most half of any backend. */
    public static final PriorityClass FREE = new PriorityClass("free", 0, Duration.ofSeconds(5), 0.5);
    /** Suggested Plus: waits up to 30 s; free and plus together hold at most 85% of a backend. */
    public static final PriorityClass PLUS = new PriorityClass("plus", 1, Duration.ofSeconds(30), 0.85);
    /** Suggested Pro: waits up to 60 s; may hold the whole backend. */
    public static final PriorityClass PRO = new PriorityClass("pro", 2, Duration.ofSeconds(60), 1.0);

    public SchedulerPolicy {
        if (classes == null || classes.isEmpty()) throw invalid("the scheduler needs at least one priority class");
        List<PriorityClass> sorted = new ArrayList<>(classes);
        sorted.sort(Comparator.comparingInt(PriorityClass::rank));
        Set<String> names = new HashSet<>();
        for (int i = 0; i < sorted.size(); i++) {
            PriorityClass c = sorted.get(i);
            if (!names.add(c.name())) throw invalid("priority class " + c.name() + " appears twice");
            if (i > 0) {
                PriorityClass below = sorted.get(i - 1);
                if (below.rank() == c.rank())
                    throw invalid("priority classes " + below.name() + " and " + c.name() + " share rank " + c.rank());
                if (c.maxShare() < below.maxShare())
                    throw invalid("priority class " + c.name() + " has a smaller maxShare (" + c.maxShare()
                            + ") than the lower class " + below.name() + " (" + below.maxShare() + ")");
            }
        }
        PriorityClass top = sorted.getLast();
        if (top.maxShare() != 1.0)
            throw invalid("the highest priority class (" + top.name() + ") must have maxShare 1, or slots would idle");
        if (initialHoldEstimate == null || initialHoldEstimate.toMillis() < 1)
            throw invalid("initialHoldEstimate must be at least 1 ms");
        if (minRetryAfter == null || minRetryAfter.isNegative()) throw invalid("minRetryAfter must be zero or more");
        if (maxWaiting < 0) throw invalid("maxWaiting must be zero or more");
        if (adaptiveHeadroom == null) throw invalid("adaptiveHeadroom is required (AdaptiveHeadroom.OFF for none)");
        classes = List.copyOf(sorted);
    }

    /** A policy with the suggested {@link #adaptiveHeadroom}, {@link AdaptiveHeadroom#SUGGESTED}. */
    public SchedulerPolicy(
            List<PriorityClass> classes, Duration initialHoldEstimate, Duration minRetryAfter, int maxWaiting) {
        this(classes, initialHoldEstimate, minRetryAfter, maxWaiting, AdaptiveHeadroom.SUGGESTED);
    }

    /**
     * The suggested policy: {@link #FREE}, {@link #PLUS} and {@link #PRO}, generations assumed to
     * hold a slot 10 s until measured, {@code Retry-After} at least 1 s, at most 10,000 waiting
     * requests per backend, headroom adapted to demand ({@link AdaptiveHeadroom#SUGGESTED}).
     */
    public static SchedulerPolicy defaults() {
        return new SchedulerPolicy(List.of(FREE, PLUS, PRO), Duration.ofSeconds(10), Duration.ofSeconds(1), 10_000);
    }

    /** The same policy with other classes. */
    public SchedulerPolicy withClasses(List<PriorityClass> classes) {
        return new SchedulerPolicy(classes, initialHoldEstimate, minRetryAfter, maxWaiting, adaptiveHeadroom);
    }

    /** The same policy with another {@link #adaptiveHeadroom}. */
    public SchedulerPolicy withAdaptiveHeadroom(AdaptiveHeadroom adaptiveHeadroom) {
        return new SchedulerPolicy(classes, initialHoldEstimate, minRetryAfter, maxWaiting, adaptiveHeadroom);
    }

    /** The class named {@code name}, or null. */
    public PriorityClass find(String name) {
        for (PriorityClass c : classes) if (c.name().equals(name)) return c;
        return null;
    }

    private static SchedulerException invalid(String message) {
        return new SchedulerException("invalid_policy", message);
    }
}
