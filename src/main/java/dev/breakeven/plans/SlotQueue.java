package dev.breakeven.plans;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The slots of one backend and the requests waiting for them; every method takes the one lock.
 * Priority between classes is strict, subject to the nested caps of {@link PriorityClass#slots},
 * lowered where the policy's adaptive headroom ({@link HeadroomEstimate}) keeps more for the classes
 * above.
 * Inside a class, start-time fair queuing over accounts: see {@link ClassLine}.
 */
final class SlotQueue {
    /** Weight of the newest measured hold in the hold estimate. */
    static final double HOLD_SMOOTHING = 0.1;

    private static final Comparator<SlotTicket> BY_DEADLINE =
            Comparator.<SlotTicket>comparingLong(t -> t.deadlineMillis).thenComparingLong(t -> t.seq);

    final String backend;
    final ReentrantLock lock = new ReentrantLock();
    private final int capacity;
    private final SchedulerPolicy policy;
    private final Clock clock;
    private final SchedulerListener listener;
    private final ClassLine[] classes;
    private final Map<String, Integer> classIndex = new HashMap<>();
    private final TreeSet<SlotTicket> byDeadline = new TreeSet<>(BY_DEADLINE);
    /** The adaptive headroom, or null when the policy has it off. */
    private final HeadroomEstimate headroom;
    /** Scratch for {@link #observe}: per class boundary, the demand of the classes above it. */
    private final int[] demandAbove;

    private int running;
    private int waiting;
    private double holdEstimateMillis;
    private boolean holdMeasured;
    private long seq;
    private boolean closed;

    SlotQueue(String backend, int capacity, SchedulerPolicy policy, Clock clock, SchedulerListener listener) {
        this.backend = backend;
        this.capacity = capacity;
        this.policy = policy;
        this.clock = clock;
        this.listener = listener;
        this.classes = new ClassLine[policy.classes().size()];
        for (int i = 0; i < classes.length; i++) {
            PriorityClass c = policy.classes().get(i);
            classes[i] = new ClassLine(c, capacity);
            classIndex.put(c.name(), i);
        }
        this.holdEstimateMillis = policy.initialHoldEstimate().toMillis();
        this.demandAbove = new int[classes.length - 1];
        this.headroom = policy.adaptiveHeadroom().on()
                ? new HeadroomEstimate(policy.adaptiveHeadroom(), demandAbove.length, clock.millis())
                : null;
    }

    int capacity() {
        return capacity;
    }

    SlotTicket offer(SlotRequest request, long callerDeadline) {
        Integer k = classIndex.get(request.priorityClass());
        if (k == null)
            throw new SchedulerException(
                    "unknown_class", "the scheduler has no priority class '" + request.priorityClass() + "'");
        lock.lock();
        try {
            long now = clock.millis();
            observe(now);
            expireLocked(now);
            ClassLine c = classes[k];
            SlotTicket t = new SlotTicket(this, request, k, ++seq, now, lock.newCondition());
            if (closed) {
                refuseClosed(t, now);
            } else if (c.waiting == 0 && canTake(k)) {
                // a class with waiters cannot take a slot (they would have had it): never jump the line
                c.startNow(request);
                grant(t, now);
            } else {
                queueOrRefuse(t, c, callerDeadline, now);
            }
            return t;
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until the ticket leaves {@code WAITING}; cancels it when interrupted. */
    Slot await(SlotTicket t) throws InterruptedException {
        lock.lock();
        try {
            while (t.state() == SlotTicket.State.WAITING) {
                long remaining = t.deadlineMillis - clock.millis();
                if (remaining <= 0) {
                    expireLocked(clock.millis());
                    continue;
                }
                try {
                    t.changed.await(remaining, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    if (t.state() == SlotTicket.State.WAITING) cancelLocked(t, clock.millis());
                    else if (t.state() == SlotTicket.State.GRANTED) releaseLocked(t.slot(), clock.millis());
                    throw e;
                }
            }
        } finally {
            lock.unlock();
        }
        return switch (t.state()) {
            case GRANTED -> t.slot();
            case REFUSED -> throw SchedulerException.of(t.refusal());
            default -> throw new IllegalStateException("a blocking acquire's ticket was " + t.state());
        };
    }

    boolean cancel(SlotTicket t) {
        lock.lock();
        try {
            if (t.state() != SlotTicket.State.WAITING) return false;
            cancelLocked(t, clock.millis());
            return true;
        } finally {
            lock.unlock();
        }
    }

    boolean release(Slot slot) {
        lock.lock();
        try {
            return releaseLocked(slot, clock.millis());
        } finally {
            lock.unlock();
        }
    }

    int expire() {
        lock.lock();
        try {
            return expireLocked(clock.millis());
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            long now = clock.millis();
            observe(now);
            for (SlotTicket t : new ArrayList<>(byDeadline)) {
                removeUnserved(t);
                refuseClosed(t, now);
            }
        } finally {
            lock.unlock();
        }
    }

    SchedulerSnapshot snapshot() {
        lock.lock();
        try {
            observe(clock.millis());
            List<SchedulerSnapshot.ClassLoad> loads = new ArrayList<>(classes.length);
            for (int k = 0; k < classes.length; k++) {
                loads.add(
                        classes[k].load(capacity, headroom == null || k == demandAbove.length ? 0 : headroom.mean(k)));
            }
            return new SchedulerSnapshot(
                    backend, capacity, running, waiting, Math.round(holdEstimateMillis), List.copyOf(loads));
        } finally {
            lock.unlock();
        }
    }

    // --- under the lock ---------------------------------------------------------------------------

    /**
     * Puts a request that cannot take a slot now in line, or refuses it when the queue is full or
     * its estimated wait runs past its class's wait or its caller's deadline.
     */
    private void queueOrRefuse(SlotTicket t, ClassLine c, long callerDeadline, long now) {
        long maxWait = c.spec.maxWait().toMillis();
        long estimate = estimateWait(t.classIndex, c.projectedStart(t.request.account()));
        t.estimatedWaitMillis = estimate;
        long classDeadline = saturatedAdd(now, maxWait);
        t.callerDeadline = callerDeadline < classDeadline;
        t.deadlineMillis = Math.min(classDeadline, callerDeadline);
        if (waiting >= policy.maxWaiting()) {
            refuse(
                    t,
                    SlotRefusal.QUEUE_FULL,
                    backend + " has " + waiting + " requests waiting, its most",
                    retryAfter(estimate, maxWait),
                    now);
        } else if (saturatedAdd(now, estimate) > t.deadlineMillis) {
            refuse(
                    t,
                    t.callerDeadline ? SlotRefusal.DEADLINE : SlotRefusal.OVERLOADED,
                    backend + " is busy: a " + c.spec.name() + " request would wait about " + seconds(estimate)
                            + (t.callerDeadline
                                    ? ", past its deadline"
                                    : ", more than the " + seconds(maxWait) + " its class may wait"),
                    retryAfter(estimate, maxWait),
                    now);
        } else {
            c.enqueue(t);
            waiting++;
            byDeadline.add(t);
            listener.queued(t.request, estimate);
        }
    }

    /**
     * Brings the adaptive headroom up to {@code now} with the demand that held since the last call,
     * and sets each class's {@link ClassLine#effectiveSlots} from it. Every call that changes what
     * is held or waiting calls this first, so the demand it reports held unchanged until now.
     */
    private void observe(long now) {
        if (headroom == null) return;
        int above = 0;
        for (int k = classes.length - 1; k > 0; k--) {
            above += classes[k].running + classes[k].waiting;
            demandAbove[k - 1] = above;
        }
        headroom.advance(now, demandAbove);
        for (int k = 0; k < demandAbove.length; k++) {
            int below = k == 0 ? 0 : classes[k - 1].effectiveSlots;
            classes[k].effectiveSlots = headroom.slots(k, classes[k].slots, capacity, below);
        }
    }

    /**
     * Whether class {@code k} may take one more slot now: a slot is free, and for {@code k} and
     * every class above it, the slots held by that class and the classes below it stay within its
     * {@link PriorityClass#slots} (as lowered by the adaptive headroom). If a class cannot take a slot, no class below it can either (its
     * slot would count against the same caps), so {@link #dispatch} stops at the first one that
     * cannot.
     */
    private boolean canTake(int k) {
        if (running >= capacity) return false;
        int held = 0;
        for (int j = 0; j < k; j++) held += classes[j].running;
        for (int j = k; j < classes.length; j++) {
            held += classes[j].running;
            if (held + 1 > classes[j].effectiveSlots) return false;
        }
        return true;
    }

    /**
     * The wait of a request of class {@code k} that would get start tag {@code start}: those that
     * would be served before it (every waiter of a higher class, and those of its class whose start
     * tag, projected along their account's line, is not after {@code start}) plus itself, each taking
     * one slot release; slots of the class come free about every {@code hold / slots}.
     */
    private long estimateWait(int k, double start) {
        long ahead = 0;
        for (int j = k + 1; j < classes.length; j++) ahead += classes[j].waiting;
        ahead += classes[k].aheadOf(start);
        return (long) Math.ceil((ahead + 1) * holdEstimateMillis / classes[k].effectiveSlots);
    }

    /** When a refused request of a class may fit within the class's wait: never sooner than the minimum. */
    private long retryAfter(long estimate, long maxWait) {
        return Math.max(policy.minRetryAfter().toMillis(), estimate - maxWait);
    }

    /** Grants a slot to a request its class has already charged to its account. */
    private void grant(SlotTicket t, long now) {
        long queued = Math.max(0, now - t.offeredAtMillis);
        classes[t.classIndex].granted(queued);
        running++;
        Slot slot = new Slot(this, t.request, t.classIndex, queued, now);
        t.grant(slot);
        listener.granted(slot);
    }

    private void refuse(SlotTicket t, String code, String message, long retryAfterMillis, long now) {
        ClassLine c = classes[t.classIndex];
        c.refused.merge(code, 1L, Long::sum);
        SlotRefusal refusal = new SlotRefusal(code, message, retryAfterMillis, Math.max(0, now - t.offeredAtMillis));
        t.refuse(refusal);
        listener.refused(t.request, refusal);
    }

    private void refuseClosed(SlotTicket t, long now) {
        refuse(
                t,
                SlotRefusal.CLOSED,
                "the scheduler is shut down",
                policy.minRetryAfter().toMillis(),
                now);
    }

    /** Grants slots to waiters, highest class first, while their class may take one. */
    private void dispatch(long now) {
        next:
        while (waiting > 0) {
            for (int k = classes.length - 1; k >= 0; k--) {
                ClassLine c = classes[k];
                if (c.waiting == 0) continue;
                if (!canTake(k)) return;
                SlotTicket t = c.startNext();
                leave(t);
                grant(t, now);
                continue next;
            }
            return;
        }
    }

    /** Counts a request out of the queue once its class has taken it off its account's line. */
    private void leave(SlotTicket t) {
        waiting--;
        byDeadline.remove(t);
    }

    /** Takes a request that leaves without a slot (expired, cancelled, closed) out of the queue. */
    private void removeUnserved(SlotTicket t) {
        classes[t.classIndex].removeUnserved(t);
        leave(t);
    }

    private int expireLocked(long now) {
        observe(now);
        int expired = 0;
        while (!byDeadline.isEmpty() && byDeadline.first().deadlineMillis <= now) {
            SlotTicket t = byDeadline.first();
            removeUnserved(t);
            ClassLine c = classes[t.classIndex];
            long maxWait = c.spec.maxWait().toMillis();
            long retry = retryAfter(estimateWait(t.classIndex, Double.POSITIVE_INFINITY), maxWait);
            long queued = now - t.offeredAtMillis;
            if (t.callerDeadline) {
                refuse(t, SlotRefusal.DEADLINE, "no slot of " + backend + " came free before the deadline", retry, now);
            } else {
                refuse(
                        t,
                        SlotRefusal.WAIT_EXPIRED,
                        "no slot of " + backend + " came free in " + seconds(queued) + ", the most a " + c.spec.name()
                                + " request may wait",
                        retry,
                        now);
            }
            expired++;
        }
        return expired;
    }

    private void cancelLocked(SlotTicket t, long now) {
        observe(now);
        removeUnserved(t);
        ClassLine c = classes[t.classIndex];
        c.cancelled++;
        t.cancel();
        listener.cancelled(t.request, Math.max(0, now - t.offeredAtMillis));
    }

    private boolean releaseLocked(Slot slot, long now) {
        if (slot.released) return false;
        observe(now);
        slot.released = true;
        ClassLine c = classes[slot.classIndex()];
        c.running--;
        running--;
        long held = Math.max(0, now - slot.grantedAtMillis());
        if (holdMeasured) holdEstimateMillis += HOLD_SMOOTHING * (held - holdEstimateMillis);
        else holdEstimateMillis = held;
        holdEstimateMillis = Math.max(1, holdEstimateMillis);
        holdMeasured = true;
        listener.released(slot, held);
        expireLocked(now);
        dispatch(now);
        return true;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0
                ? millis / 1000 + " s"
                : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
