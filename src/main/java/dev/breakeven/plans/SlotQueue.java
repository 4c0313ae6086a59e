package dev.breakeven.plans;

import java.time.Clock;
import java.util.ArrayDeque;
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
 * Priority between classes is strict, subject to the nested caps of {@link PriorityClass#slots},
 * lowered where the policy's adaptive headroom ({@link HeadroomEstimate}) keeps more for the classes
 * above.
 * Inside a class, start-time fair queuing over accounts: each account's requests wait in arrival
 * order; the request at the head of an account's line has the start tag {@code max(V, F)}, where
 * {@code F} is the finish tag of the account's last served request ({@code start + cost / weight})
 * and {@code V}, the class's virtual time, is the start tag of the last request granted; the head
 * with the smallest start tag is served first. Only served requests advance an account's tags, so a
 * request that expires or is cancelled costs its account nothing.
 */
final class SlotQueue {
    /** Weight of the newest measured hold in the hold estimate. */
    static final double HOLD_SMOOTHING = 0.1;
    /** Idle accounts are swept from a class's table every this many grants. */
    private static final int SWEEP_EVERY = 1024;

    private static final Comparator<Account> BY_HEAD_TAG =
            Comparator.<Account>comparingDouble(a -> a.headStart).thenComparingLong(a -> a.headSeq);
    private static final Comparator<SlotTicket> BY_DEADLINE =
            Comparator.<SlotTicket>comparingLong(t -> t.deadlineMillis).thenComparingLong(t -> t.seq);

    /** One account's place in a class: its waiting requests in arrival order, and its tags. */
    private static final class Account {
        final String id;
        final ArrayDeque<SlotTicket> waiting = new ArrayDeque<>();
        /** The finish tag of its last served request. */
        double finishTag;
        /** The start tag of the request at the head of its line (while it has one). */
        double headStart;
        /** The sequence number of that request, to break ties in arrival order. */
        long headSeq;

        Account(String id) {
            this.id = id;
        }
    }

    private static final class ClassState {
        final PriorityClass spec;
        /** The static cap: {@link PriorityClass#slots}. */
        final int slots;
        /** The cap now: {@link #slots}, lowered by the adaptive headroom. */
        int effectiveSlots;
        /** Accounts with waiting requests, by the start tag of their head request. */
        final TreeSet<Account> backlogged = new TreeSet<>(BY_HEAD_TAG);

        final Map<String, Account> accounts = new HashMap<>();
        int waiting;
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
            this.effectiveSlots = slots;
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
        this.classes = new ClassState[policy.classes().size()];
        for (int i = 0; i < classes.length; i++) {
            PriorityClass c = policy.classes().get(i);
            classes[i] = new ClassState(c, capacity);
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
            ClassState c = classes[k];
            SlotTicket t = new SlotTicket(this, request, k, ++seq, now, lock.newCondition());
            if (closed) {
                refuse(
                        t,
                        SlotRefusal.CLOSED,
                        "the scheduler is shut down",
                        policy.minRetryAfter().toMillis(),
                        now);
                return t;
            }
            Account account = c.accounts.get(request.account());
            if (c.waiting == 0 && canTake(k)) {
                // a class with waiters cannot take a slot (they would have had it): never jump the line
                Account a = account(c, request.account());
                double start = Math.max(c.virtualTime, a.finishTag);
                a.finishTag = start + share(request);
                grant(t, start, now);
                return t;
            }
            long maxWait = c.spec.maxWait().toMillis();
            long estimate = estimateWait(k, projectedStart(c, account));
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
                enqueue(c, account(c, request.account()), t);
                listener.queued(request, estimate);
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
                refuse(
                        t,
                        SlotRefusal.CLOSED,
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
            observe(clock.millis());
            List<SchedulerSnapshot.ClassLoad> loads = new ArrayList<>(classes.length);
            for (int k = 0; k < classes.length; k++) {
                ClassState c = classes[k];
                loads.add(new SchedulerSnapshot.ClassLoad(
                        c.spec.name(),
                        c.slots,
                        capacity - c.effectiveSlots,
                        headroom == null || k == demandAbove.length ? 0 : headroom.mean(k),
                        c.running,
                        c.waiting,
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
     * Brings the adaptive headroom up to {@code now} with the demand that held since the last call,
     * and sets each class's {@link ClassState#effectiveSlots} from it. Every call that changes what
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
        for (Account a : classes[k].backlogged) {
            if (a.headStart > start) break;
            double tag = a.headStart;
            for (SlotTicket w : a.waiting) {
                if (tag > start) break;
                ahead++;
                tag += share(w.request);
            }
        }
        return (long) Math.ceil((ahead + 1) * holdEstimateMillis / classes[k].effectiveSlots);
    }

    /** The start tag a new request of {@code account} (null: none yet) would have once at the head. */
    private static double projectedStart(ClassState c, Account account) {
        if (account == null) return c.virtualTime;
        if (account.waiting.isEmpty()) return Math.max(c.virtualTime, account.finishTag);
        double tag = account.headStart;
        for (SlotTicket w : account.waiting) tag += share(w.request);
        return tag;
    }

    /** What one request counts against its account's share. */
    private static double share(SlotRequest request) {
        return request.cost() / request.weight();
    }

    /** When a refused request of a class may fit within the class's wait: never sooner than the minimum. */
    private long retryAfter(long estimate, long maxWait) {
        return Math.max(policy.minRetryAfter().toMillis(), estimate - maxWait);
    }

    private void grant(SlotTicket t, double start, long now) {
        ClassState c = classes[t.classIndex];
        c.running++;
        running++;
        c.virtualTime = Math.max(c.virtualTime, start);
        long queued = Math.max(0, now - t.offeredAtMillis);
        c.granted++;
        c.queuedMillisTotal += queued;
        c.maxQueuedMillis = Math.max(c.maxQueuedMillis, queued);
        if (++c.grantsSinceSweep >= SWEEP_EVERY) sweep(c);
        Slot slot = new Slot(this, t.request, t.classIndex, queued, now);
        t.grant(slot);
        listener.granted(slot);
    }

    private void refuse(SlotTicket t, String code, String message, long retryAfterMillis, long now) {
        ClassState c = classes[t.classIndex];
        c.refused.merge(code, 1L, Long::sum);
        SlotRefusal refusal = new SlotRefusal(code, message, retryAfterMillis, Math.max(0, now - t.offeredAtMillis));
        t.refuse(refusal);
        listener.refused(t.request, refusal);
    }

    /** Grants slots to waiters, highest class first, while their class may take one. */
    private void dispatch(long now) {
        next:
        while (waiting > 0) {
            for (int k = classes.length - 1; k >= 0; k--) {
                ClassState c = classes[k];
                if (c.waiting == 0) continue;
                if (!canTake(k)) return;
                Account a = c.backlogged.pollFirst();
                SlotTicket t = a.waiting.pollFirst();
                double start = a.headStart;
                a.finishTag = start + share(t.request);
                leave(c, t);
                if (!a.waiting.isEmpty()) {
                    a.headStart = Math.max(start, a.finishTag);
                    a.headSeq = a.waiting.peekFirst().seq;
                    c.backlogged.add(a);
                }
                grant(t, start, now);
                if (a.waiting.isEmpty() && a.finishTag <= c.virtualTime) c.accounts.remove(a.id);
                continue next;
            }
            return;
        }
    }

    /** Puts a request at the end of its account's line. */
    private void enqueue(ClassState c, Account a, SlotTicket t) {
        if (a.waiting.isEmpty()) {
            a.headStart = Math.max(c.virtualTime, a.finishTag);
            a.headSeq = t.seq;
            a.waiting.add(t);
            c.backlogged.add(a);
        } else {
            a.waiting.add(t);
        }
        c.waiting++;
        waiting++;
        byDeadline.add(t);
    }

    /** Counts a request out of the queues once it is off its account's line. */
    private void leave(ClassState c, SlotTicket t) {
        c.waiting--;
        waiting--;
        byDeadline.remove(t);
    }

    /**
     * Takes a request that leaves without a slot (expired, cancelled, closed) out of its account's
     * line. It was not served, so it costs its account nothing: the next request, if any, takes its
     * place at the head with its start tag.
     */
    private void removeUnserved(SlotTicket t) {
        ClassState c = classes[t.classIndex];
        Account a = c.accounts.get(t.request.account());
        if (a.waiting.peekFirst() == t) {
            c.backlogged.remove(a);
            a.waiting.pollFirst();
            if (!a.waiting.isEmpty()) {
                a.headSeq = a.waiting.peekFirst().seq;
                c.backlogged.add(a);
            }
        } else {
            a.waiting.remove(t);
        }
        leave(c, t);
        if (a.waiting.isEmpty() && a.finishTag <= c.virtualTime) c.accounts.remove(a.id);
    }

    private int expireLocked(long now) {
        observe(now);
        int expired = 0;
        while (!byDeadline.isEmpty() && byDeadline.first().deadlineMillis <= now) {
            SlotTicket t = byDeadline.first();
            removeUnserved(t);
            ClassState c = classes[t.classIndex];
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
        ClassState c = classes[t.classIndex];
        c.cancelled++;
        t.cancel();
        listener.cancelled(t.request, Math.max(0, now - t.offeredAtMillis));
    }

    private boolean releaseLocked(Slot slot, long now) {
        if (slot.released) return false;
        observe(now);
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
        return c.accounts.computeIfAbsent(account, Account::new);
    }

    /** Forgets accounts with nothing waiting whose finish tag the class's virtual time has passed. */
    private static void sweep(ClassState c) {
        c.grantsSinceSweep = 0;
        for (Iterator<Account> it = c.accounts.values().iterator(); it.hasNext(); ) {
            Account a = it.next();
            if (a.waiting.isEmpty() && a.finishTag <= c.virtualTime) it.remove();
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
