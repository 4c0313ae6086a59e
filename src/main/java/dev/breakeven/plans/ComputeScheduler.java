package dev.breakeven.plans;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shares each backend's capacity (its concurrent generations, or slots) between the requests that
 * want it. A generation holds a {@link Slot} of its backend while it runs.
 *
 * <p><b>Order.</b> A released slot goes to a waiting request of the highest {@link PriorityClass}
 * that may take it; inside a class, to the account furthest behind its weighted fair share
 * (start-time fair queuing, counted in {@link SlotRequest#cost()} divided by {@link
 * SlotRequest#weight()}), so one account's backlog never delays another account's request of the
 * same class behind all of it.
 *
 * <p><b>Headroom.</b> Each class and the classes below it may hold at most {@link
 * PriorityClass#slots} of a backend; what is left is kept for higher classes. With the suggested
 * policy, free work never holds more than half of a backend, so paid requests find a slot at once
 * unless paid work itself fills the rest, and every slot released while paid requests wait goes
 * to them: under saturation it is free requests that are refused. With the policy's {@link
 * SchedulerPolicy#adaptiveHeadroom()} on, the headroom above a class also follows the measured
 * demand {@code m} of the classes above it, {@code ceil(m + z × √m)} slots when that is more than
 * the static share keeps (never less, and never leaving the class no slot); nothing running is
 * stopped for it.
 *
 * <p><b>Waits and refusals.</b> A request that cannot get a slot at once waits, unless its
 * estimated wait is longer than its class's {@link PriorityClass#maxWait()} (or its caller's
 * deadline): then it is refused at once with a {@link SlotRefusal} saying why and when to try again. A
 * request still waiting at its deadline is refused then. Callers may instead offer it on another
 * backend (a smaller model): the scheduler only refuses; downgrading is the plan's policy.
 *
 * <p><b>Two ways in.</b> {@link #offer} never blocks: it answers with a {@link SlotTicket} that is
 * granted, refused, or waiting, and waiting tickets move on when another call ({@link
 * Slot#release()}, {@link #expire()}, {@link #cancel}, {@link #offer}) runs; with a controlled
 * {@link Clock} tests drive it step by step without threads. {@link #acquire} blocks the calling
 * (virtual) thread until it has a slot, and withdraws its request when interrupted.
 *
 * <p>Thread-safe: each backend has its own lock. Failures: {@link SchedulerException} with a stable
 * code; from {@link #offer}, refusals are results on the ticket, not exceptions.
 */
public final class ComputeScheduler implements AutoCloseable {
    private final SchedulerPolicy policy;
    private final Clock clock;
    private final Map<String, SlotQueue> backends = new LinkedHashMap<>();

    /**
     * @param capacities each backend's id and its capacity (at least 1), e.g. from the
     *     configuration's {@code backends[].capacity}
     * @param listener hears every grant, refusal and release (see {@link SchedulerMetrics})
     * @throws SchedulerException {@code invalid_policy} when a capacity is below 1
     */
    public ComputeScheduler(
            SchedulerPolicy policy, Map<String, Integer> capacities, Clock clock, SchedulerListener listener) {
        this.policy = policy;
        this.clock = clock;
        capacities.forEach((id, capacity) -> {
            if (capacity == null || capacity < 1)
                throw new SchedulerException("invalid_policy", "backend " + id + ": capacity must be at least 1");
            backends.put(id, new SlotQueue(id, capacity, policy, clock, listener));
        });
    }

    public ComputeScheduler(SchedulerPolicy policy, Map<String, Integer> capacities, Clock clock) {
        this(policy, capacities, clock, SchedulerListener.NONE);
    }

    public SchedulerPolicy policy() {
        return policy;
    }

    /**
     * Asks for a slot without blocking, waiting at most the class's maximum wait.
     *
     * @throws SchedulerException {@code unknown_backend} or {@code unknown_class}
     */
    public SlotTicket offer(SlotRequest request) {
        return queue(request.backend()).offer(request, Long.MAX_VALUE);
    }

    /**
     * Asks for a slot without blocking, waiting at most until {@code deadline} or the class's
     * maximum wait, whichever comes first; a request whose estimated wait ends after the deadline is
     * refused at once ({@code deadline}).
     *
     * @throws SchedulerException {@code unknown_backend} or {@code unknown_class}
     */
    public SlotTicket offer(SlotRequest request, Instant deadline) {
        return queue(request.backend()).offer(request, deadline.toEpochMilli());
    }

    /**
     * Blocks until the request holds a slot, for at most {@code timeout} and its class's maximum
     * wait. The caller must release the slot exactly once (close it), whatever happens to the
     * generation.
     *
     * @throws SchedulerException a refusal ({@code overloaded}, {@code wait_expired}, {@code
     *     deadline}, {@code queue_full}, {@code closed}) with its {@link
     *     SchedulerException#retryAfter()} and {@link SchedulerException#queued()}; or {@code
     *     unknown_backend}, {@code unknown_class}
     * @throws InterruptedException when the thread is interrupted while waiting: the request is
     *     withdrawn (or its slot, if granted meanwhile, released), so nothing is left held
     */
    public Slot acquire(SlotRequest request, Duration timeout) throws InterruptedException {
        SlotQueue queue = queue(request.backend());
        long now = clock.millis();
        long deadline = timeout.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE : now + timeout.toMillis();
        return queue.await(queue.offer(request, deadline));
    }

    /**
     * Withdraws a waiting request.
     *
     * @return true when it was waiting and is now {@link SlotTicket.State#CANCELLED}; false when it had
     *     already been granted (the caller then holds its slot and must release it), refused or
     *     cancelled
     */
    public boolean cancel(SlotTicket ticket) {
        return ticket.queue.cancel(ticket);
    }

    /**
     * Refuses every waiting request whose wait has run out by the clock now ({@code wait_expired},
     * or {@code deadline}). Every other call does this first too; a server calls it only so that
     * offered (not blocking) tickets learn of it without other traffic. Blocking waiters expire on
     * their own.
     *
     * @return how many requests it refused
     */
    public int expire() {
        int expired = 0;
        for (SlotQueue q : backends.values()) expired += q.expire();
        return expired;
    }

    /** The backends' ids, in the order they were given. */
    public List<String> backends() {
        return List.copyOf(backends.keySet());
    }

    /** A backend's capacity. */
    public int capacity(String backend) {
        return queue(backend).capacity();
    }

    /** One backend's state and counts. */
    public SchedulerSnapshot snapshot(String backend) {
        return queue(backend).snapshot();
    }

    /** Every backend's state and counts. */
    public List<SchedulerSnapshot> snapshots() {
        List<SchedulerSnapshot> out = new ArrayList<>(backends.size());
        for (SlotQueue q : backends.values()) out.add(q.snapshot());
        return out;
    }

    /**
     * Refuses every waiting request and every later offer ({@code closed}). Slots held stay valid
     * until released.
     */
    @Override
    public void close() {
        for (SlotQueue q : backends.values()) q.close();
    }

    private SlotQueue queue(String backend) {
        SlotQueue q = backends.get(backend);
        if (q == null)
            throw new SchedulerException("unknown_backend", "the scheduler has no backend '" + backend + "'");
        return q;
    }
}
