package dev.breakeven.plans;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One priority class of a {@link SlotQueue}: its caps, its counters, and the line its requests wait
 * in. Start-time fair queuing over accounts: each account's requests wait in arrival order; the
 * request at the head of an account's line has the start tag {@code max(V, F)}, where {@code F} is
 * the finish tag of the account's last served request ({@code start + cost / weight}) and {@code
 * V}, the class's virtual time, is the start tag of the last request granted; the head with the
 * smallest start tag is served first. Only served requests advance an account's tags, so a request
 * that expires or is cancelled costs its account nothing.
 *
 * <p>Not thread-safe: the {@link SlotQueue} that owns it guards it with its lock.
 */
final class ClassLine {
    /** Idle accounts are swept from the table every this many grants. */
    private static final int SWEEP_EVERY = 1024;

    private static final Comparator<Account> BY_HEAD_TAG =
            Comparator.<Account>comparingDouble(a -> a.headStart).thenComparingLong(a -> a.headSeq);

    /** One account's place in the class: its waiting requests in arrival order, and its tags. */
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

    final PriorityClass spec;
    /** The static cap: {@link PriorityClass#slots}. */
    final int slots;
    /** The cap now: {@link #slots}, lowered by the adaptive headroom. */
    int effectiveSlots;

    int running;
    /** Requests on the accounts' lines; only this class changes it. */
    int waiting;

    long cancelled;
    final Map<String, Long> refused = new TreeMap<>();
    private long granted;
    private long queuedMillisTotal;
    private long maxQueuedMillis;
    private long grantsSinceSweep;

    /** Accounts with waiting requests, by the start tag of their head request. */
    private final TreeSet<Account> backlogged = new TreeSet<>(BY_HEAD_TAG);

    private final Map<String, Account> accounts = new HashMap<>();
    private double virtualTime;

    ClassLine(PriorityClass spec, int capacity) {
        this.spec = spec;
        this.slots = spec.slots(capacity);
        this.effectiveSlots = slots;
    }

    /**
     * Charges a request that takes a slot at once to its account; only when nothing of the class
     * waits, so it jumps no line.
     */
    void startNow(SlotRequest request) {
        Account a = account(request.account());
        double start = Math.max(virtualTime, a.finishTag);
        a.finishTag = start + share(request);
        virtualTime = Math.max(virtualTime, start);
    }

    /**
     * Takes the waiting request with the smallest start tag off its account's line, charges it to
     * its account and returns it; the account's next request, if any, takes its place at the head.
     */
    SlotTicket startNext() {
        Account a = backlogged.pollFirst();
        SlotTicket t = a.waiting.pollFirst();
        double start = a.headStart;
        a.finishTag = start + share(t.request);
        waiting--;
        if (!a.waiting.isEmpty()) {
            a.headStart = Math.max(start, a.finishTag);
            a.headSeq = a.waiting.peekFirst().seq;
            backlogged.add(a);
        }
        virtualTime = Math.max(virtualTime, start);
        forgetIfIdle(a);
        return t;
    }

    /** Counts a request granted a slot after {@code queuedMillis} in line. */
    void granted(long queuedMillis) {
        running++;
        granted++;
        queuedMillisTotal += queuedMillis;
        maxQueuedMillis = Math.max(maxQueuedMillis, queuedMillis);
        if (++grantsSinceSweep >= SWEEP_EVERY) sweep();
    }

    /** Puts a request at the end of its account's line. */
    void enqueue(SlotTicket t) {
        Account a = account(t.request.account());
        if (a.waiting.isEmpty()) {
            a.headStart = Math.max(virtualTime, a.finishTag);
            a.headSeq = t.seq;
            a.waiting.add(t);
            backlogged.add(a);
        } else {
            a.waiting.add(t);
        }
        waiting++;
    }

    /**
     * Takes a request that leaves without a slot (expired, cancelled, closed) out of its account's
     * line. It was not served, so it costs its account nothing: the next request, if any, takes its
     * place at the head with its start tag.
     */
    void removeUnserved(SlotTicket t) {
        Account a = accounts.get(t.request.account());
        if (a.waiting.peekFirst() == t) {
            backlogged.remove(a);
            a.waiting.pollFirst();
            if (!a.waiting.isEmpty()) {
                a.headSeq = a.waiting.peekFirst().seq;
                backlogged.add(a);
            }
        } else {
            a.waiting.remove(t);
        }
        waiting--;
        forgetIfIdle(a);
    }

    /**
     * How many waiting requests would be served before a request with start tag {@code start}: those
     * whose start tag, projected along their account's line, is not after it.
     */
    long aheadOf(double start) {
        long ahead = 0;
        for (Account a : backlogged) {
            if (a.headStart > start) break;
            double tag = a.headStart;
            for (SlotTicket w : a.waiting) {
                if (tag > start) break;
                ahead++;
                tag += share(w.request);
            }
        }
        return ahead;
    }

    /** The start tag a new request of {@code account} would have once at the head of its line. */
    double projectedStart(String account) {
        Account a = accounts.get(account);
        if (a == null) return virtualTime;
        if (a.waiting.isEmpty()) return Math.max(virtualTime, a.finishTag);
        double tag = a.headStart;
        for (SlotTicket w : a.waiting) tag += share(w.request);
        return tag;
    }

    /** The class's load, for {@link SchedulerSnapshot}. */
    SchedulerSnapshot.ClassLoad load(int capacity, double demandAbove) {
        return new SchedulerSnapshot.ClassLoad(
                spec.name(),
                slots,
                capacity - effectiveSlots,
                demandAbove,
                running,
                waiting,
                granted,
                queuedMillisTotal,
                maxQueuedMillis,
                Map.copyOf(refused),
                cancelled);
    }

    /** What one request counts against its account's share. */
    private static double share(SlotRequest request) {
        return request.cost() / request.weight();
    }

    private Account account(String account) {
        return accounts.computeIfAbsent(account, Account::new);
    }

    /**
     * Whether an account can be forgotten: nothing waits and the virtual time has passed its finish
     * tag, so a new request of it would start at the virtual time as if it were new.
     */
    private boolean idle(Account a) {
        return a.waiting.isEmpty() && a.finishTag <= virtualTime;
    }

    private void forgetIfIdle(Account a) {
        if (idle(a)) accounts.remove(a.id);
    }

    /** Forgets the idle accounts. */
    private void sweep() {
        grantsSinceSweep = 0;
        accounts.values().removeIf(this::idle);
    }
}
