package dev.breakeven.plans;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The slots of one backend and the requests waiting for them; every method takes the one lock.
 * Priority between classes is strict, subject to the nested caps of {@link PriorityClass#slots};
 * inside a class, start-time fair queuing: each request gets a start tag {@code max(V, F(account))}
 * and a finish tag {@code start + cost / weight}, where {@code F(account)} is the finish tag of the
 * account's previous request and {@code V}, the class's virtual time, is the start tag of the last
 * request granted; waiters are served in start-tag order.
 */
final class BackendQueue {
    /** Weight of the newest measured hold in the hold estimate. */
    static final double HOLD_SMOOTHING = 0.1;
    /** Idle accounts are swept from a class's table every this many grants. */
    private static final int SWEEP_EVERY = 1024;

    private static final Comparator<Ticket> BY_TAG =
            Comparator.<Ticket>comparingDouble(t -> t.startTag).thenComparingLong(t -> t.seq);
    private static final Comparator<Ticket> BY_DEADLINE =
            Comparator.<Ticket>comparingLong(t -> t.deadlineMillis).thenComparingLong(t -> t.seq);

    private static final class Account {
        double finishTag;
        int waiting;
    }

    private static final class ClassState {
        final PriorityClass spec;
        final int slots;
        final TreeSet<Ticket> queue = new TreeSet<>(BY_TAG);
        final Map<String, Account> accounts = new HashMap<>();
        double virtualTime;
        int running;
        long granted;
        long queuedMillisTotal;
        long maxQueuedMillis;
        long cancelled;
        long grantsSinceSweep;
        final Map<String, Long> refused = new TreeMap<>();

        ClassState(PriorityClass spec, int capacity) {
            this.spec = spec;
            this.slots = spec.slots(capacity);
        }
    }

    final String backend;
    final ReentrantLock lock = new ReentrantLock();
    private final int capacity;
    private final SchedulerPolicy policy;
    private final Clock clock;
    private final SchedulerListener listener;
    private final ClassState[] classes;
    private final Map<String, Integer> classIndex = new HashMap<>();
    private final TreeSet<Ticket> byDeadline = new TreeSet<>(BY_DEADLINE);
    private int running;
    private int waiting;
    private double holdEstimateMillis;
    private boolean holdMeasured;
    private long seq;
    private boolean closed;

    BackendQueue(String backend, int capacity, SchedulerPolicy policy, Clock clock, SchedulerListener listener) {
        this.backend = backend;
        this.capacity = capacity;
        this.policy = policy;
        this.clock = clock;
        this.listener = listener;
        this.classes = new ClassState[policy.classes().size()];
        for (int i = 0; i < classes.length; i++) {
            PriorityClass c = policy.classes().get(i);
            classes[i] = new ClassState(c, capacity);
            classIndex.put(c.name(), i);
        }
        this.holdEstimateMillis = policy.initialHoldEstimate().toMillis();
    }

    int capacity() {
        return capacity;
    }

    Ticket offer(SlotRequest request, long callerDeadline) {
        Integer k = classIndex.get(request.priorityClass());
        if (k == null)
            throw new SchedulerException(
                    "unknown_class", "the scheduler has no priority class '" + request.priorityClass() + "'");
        lock.lock();
        try {
            long now = clock.millis();
            expireLocked(now);
            ClassState c = classes[k];
            Ticket t = new Ticket(this, request, k, ++seq, now, lock.newCondition());
            if (closed) {
                refuse(
                        t,
                        Refusal.CLOSED,
                        "the scheduler is shut down",
                        policy.minRetryAfter().toMillis(),
                        now);
                return t;
            }
            Account account = c.accounts.get(request.account());
            double start = Math.max(c.virtualTime, account == null ? 0 : account.finishTag);
            t.startTag = start;
            t.finishTag = start + request.cost() / request.weight();
            if (canTake(k)) {
                account(c, request.account()).finishTag = t.finishTag;
                grant(t, now);
                return t;
            }
            long maxWait = c.spec.maxWait().toMillis();
            long estimate = estimateWait(k, start);
            t.estimatedWaitMillis = estimate;
            long classDeadline = saturatedAdd(now, maxWait);
            t.callerDeadline = callerDeadline < classDeadline;
            t.deadlineMillis = Math.min(classDeadline, callerDeadline);
            if (waiting >= policy.maxWaiting()) {
                refuse(
                        t,
                        Refusal.QUEUE_FULL,
                        backend + " has " + waiting + " requests waiting, its most",
                        retryAfter(estimate, maxWait),
                        now);
            } else if (saturatedAdd(now, estimate) > t.deadlineMillis) {
                refuse(
                        t,
                        t.callerDeadline ? Refusal.DEADLINE : Refusal.OVERLOADED,
                        backend + " is busy: a " + c.spec.name() + " request would wait about " + seconds(estimate)
                                + (t.callerDeadline
                                        ? ", past its deadline"
                                        : ", more than the " + seconds(maxWait) + " its class may wait"),
                        retryAfter(estimate, maxWait),
                        now);
            } else {
                Account a = account(c, request.account());
                a.finishTag = t.finishTag;
                a.waiting++;
                c.queue.add(t);
                byDeadline.add(t);
                waiting++;
                listener.queued(request, estimate);
            }
            return t;
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until the ticket leaves {@code WAITING}; cancels it when interrupted. */
    Slot await(Ticket t) throws InterruptedException {
        lock.lock();
        try {
            while (t.state() == Ticket.State.WAITING) {
                long remaining = t.deadlineMillis - clock.millis();
                if (remaining <= 0) {
                    expireLocked(clock.millis());
                    continue;
                }
                try {
                    t.changed.await(remaining, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    if (t.state() == Ticket.State.WAITING) cancelLocked(t, clock.millis());
                    else if (t.state() == Ticket.State.GRANTED) releaseLocked(t.slot(), clock.millis());
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

    boolean cancel(Ticket t) {
        lock.lock();
        try {
            if (t.state() != Ticket.State.WAITING) return false;
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
            for (Ticket t : new ArrayList<>(byDeadline)) {
                removeWaiting(t, false);
                refuse(
                        t,
                        Refusal.CLOSED,
                        "the scheduler is shut down",
                        policy.minRetryAfter().toMillis(),
                        now);
            }
        } finally {
            lock.unlock();
        }
    }

    SchedulerSnapshot snapshot() {
        lock.lock();
        try {
            List<SchedulerSnapshot.ClassLoad> loads = new ArrayList<>(classes.length);
            for (ClassState c : classes) {
                loads.add(new SchedulerSnapshot.ClassLoad(
                        c.spec.name(),
                        c.slots,
                        c.running,
                        c.queue.size(),
                        c.granted,
                        c.queuedMillisTotal,
                        c.maxQueuedMillis,
                        Map.copyOf(c.refused),
                        c.cancelled));
            }
            return new SchedulerSnapshot(
                    backend, capacity, running, waiting, Math.round(holdEstimateMillis), List.copyOf(loads));
        } finally {
            lock.unlock();
        }
    }

    // --- under the lock ---------------------------------------------------------------------------

    /**
     * Whether class {@code k} may take one more slot now: a slot is free, and for {@code k} and
     * every class above it, the slots held by that class and the classes below it stay within its
     * {@link PriorityClass#slots}. If a class cannot take a slot, no class below it can either (its
     * slot would count against the same caps), so {@link #dispatch} stops at the first one that
     * cannot.
     */
    private boolean canTake(int k) {
        if (running >= capacity) return false;
        int held = 0;
        for (int j = 0; j < k; j++) held += classes[j].running;
        for (int j = k; j < classes.length; j++) {
            held += classes[j].running;
            if (held + 1 > classes[j].slots) return false;
        }
        return true;
    }

    /**
     * The wait of a request of class {@code k} with start tag {@code start}: those that would be
     * served before it (every waiter of a higher class, and those of its class with a start tag not
     * after its own) plus itself, each taking one slot release; slots of the class come free about
     * every {@code hold / slots}.
     */
    private long estimateWait(int k, double start) {
        long ahead = 0;
        for (int j = k + 1; j < classes.length; j++) ahead += classes[j].queue.size();
        for (Ticket w : classes[k].queue) {
            if (w.startTag > start) break;
            ahead++;
        }
        return (long) Math.ceil((ahead + 1) * holdEstimateMillis / classes[k].slots);
    }

    /** When a refused request of a class may fit within the class's wait: never sooner than the minimum. */
    private long retryAfter(long estimate, long maxWait) {
        return Math.max(policy.minRetryAfter().toMillis(), estimate - maxWait);
    }

    private void grant(Ticket t, long now) {
        ClassState c = classes[t.classIndex];
        c.running++;
        running++;
        c.virtualTime = Math.max(c.virtualTime, t.startTag);
        long queued = Math.max(0, now - t.offeredAtMillis);
        c.granted++;
        c.queuedMillisTotal += queued;
        c.maxQueuedMillis = Math.max(c.maxQueuedMillis, queued);
        if (++c.grantsSinceSweep >= SWEEP_EVERY) sweep(c);
        Slot slot = new Slot(this, t.request, t.classIndex, queued, now);
        t.grant(slot);
        listener.granted(slot);
    }

    private void refuse(Ticket t, String code, String message, long retryAfterMillis, long now) {
        ClassState c = classes[t.classIndex];
        c.refused.merge(code, 1L, Long::sum);
        Refusal refusal = new Refusal(code, message, retryAfterMillis, Math.max(0, now - t.offeredAtMillis));
        t.refuse(refusal);
        listener.refused(t.request, refusal);
    }

    /** Grants slots to waiters, highest class first, while their class may take one. */
    private void dispatch(long now) {
        next:
        while (waiting > 0) {
            for (int k = classes.length - 1; k >= 0; k--) {
                ClassState c = classes[k];
                if (c.queue.isEmpty()) continue;
                if (!canTake(k)) return;
                Ticket t = c.queue.first();
                removeWaiting(t, true);
                grant(t, now);
                continue next;
            }
            return;
        }
    }

    /**
     * Takes a waiting ticket out of the queues. One that leaves without a slot and was its account's
     * last gives back its place in the account's fair share.
     */
    private void removeWaiting(Ticket t, boolean served) {
        ClassState c = classes[t.classIndex];
        c.queue.remove(t);
        byDeadline.remove(t);
        waiting--;
        Account a = c.accounts.get(t.request.account());
        if (a == null) return;
        a.waiting--;
        if (!served && a.finishTag == t.finishTag) a.finishTag = t.startTag;
        if (a.waiting == 0 && a.finishTag <= c.virtualTime) c.accounts.remove(t.request.account());
    }

    private int expireLocked(long now) {
        int expired = 0;
        while (!byDeadline.isEmpty() && byDeadline.first().deadlineMillis <= now) {
            Ticket t = byDeadline.first();
            removeWaiting(t, false);
            ClassState c = classes[t.classIndex];
            long maxWait = c.spec.maxWait().toMillis();
            long retry = retryAfter(estimateWait(t.classIndex, Double.POSITIVE_INFINITY), maxWait);
            long queued = now - t.offeredAtMillis;
            if (t.callerDeadline) {
                refuse(t, Refusal.DEADLINE, "no slot of " + backend + " came free before the deadline", retry, now);
            } else {
                refuse(
                        t,
                        Refusal.WAIT_EXPIRED,
                        "no slot of " + backend + " came free in " + seconds(queued) + ", the most a " + c.spec.name()
                                + " request may wait",
                        retry,
                        now);
            }
            expired++;
        }
        return expired;
    }

    private void cancelLocked(Ticket t, long now) {
        removeWaiting(t, false);
        ClassState c = classes[t.classIndex];
        c.cancelled++;
        t.cancel();
        listener.cancelled(t.request, Math.max(0, now - t.offeredAtMillis));
    }

    private boolean releaseLocked(Slot slot, long now) {
        if (slot.released) return false;
        slot.released = true;
        ClassState c = classes[slot.classIndex()];
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

    private Account account(ClassState c, String account) {
        return c.accounts.computeIfAbsent(account, a -> new Account());
    }

    /** Forgets accounts with nothing waiting whose finish tag the class's virtual time has passed. */
    private static void sweep(ClassState c) {
        c.grantsSinceSweep = 0;
        for (Iterator<Account> it = c.accounts.values().iterator(); it.hasNext(); ) {
            Account a = it.next();
            if (a.waiting == 0 && a.finishTag <= c.virtualTime) it.remove();
        }
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
