package dev.breakeven.plans;

import java.util.concurrent.locks.Condition;

/**
 * The answer to {@link ComputeScheduler#offer}: a request's place with one backend. It is {@link
 * State#GRANTED} at once when a slot was free for its class, {@link State#REFUSED} at once when it
 * would wait too long, or else {@link State#WAITING} until the scheduler grants it a slot, refuses
 * it (its wait ran out, or the scheduler closed) or the caller {@link ComputeScheduler#cancel
 * cancels} it. Thread-safe; the state only moves out of {@code WAITING}, once.
 */
public final class SlotTicket {

    /** Where the request stands. */
    public enum State {
        WAITING,
        GRANTED,
        REFUSED,
        CANCELLED
    }

    final SlotQueue queue;
    final SlotRequest request;
    final int classIndex;
    final long seq;
    final long offeredAtMillis;
    final Condition changed;
    // set once under queue.lock, before the ticket is visible to anyone but the offering thread
    long deadlineMillis;
    boolean callerDeadline;
    long estimatedWaitMillis;
    // guarded by queue.lock; volatile for the getters
    private volatile State state = State.WAITING;
    private volatile Slot slot;
    private volatile SlotRefusal refusal;

    SlotTicket(
            SlotQueue queue, SlotRequest request, int classIndex, long seq, long offeredAtMillis, Condition changed) {
        this.queue = queue;
        this.request = request;
        this.classIndex = classIndex;
        this.seq = seq;
        this.offeredAtMillis = offeredAtMillis;
        this.changed = changed;
    }

    public State state() {
        return state;
    }

    public SlotRequest request() {
        return request;
    }

    /** The slot once {@link State#GRANTED}, else null. The caller must release it. */
    public Slot slot() {
        return slot;
    }

    /** Why it was refused once {@link State#REFUSED}, else null. */
    public SlotRefusal refusal() {
        return refusal;
    }

    /**
     * The wait the scheduler estimated when the request arrived, in milliseconds: 0 when granted at
     * once.
     */
    public long estimatedWaitMillis() {
        return estimatedWaitMillis;
    }

    /** When the request arrived, epoch milliseconds of the scheduler's clock. */
    public long offeredAtMillis() {
        return offeredAtMillis;
    }

    void grant(Slot granted) {
        slot = granted;
        state = State.GRANTED;
        changed.signalAll();
    }

    void refuse(SlotRefusal why) {
        refusal = why;
        state = State.REFUSED;
        changed.signalAll();
    }

    void cancel() {
        state = State.CANCELLED;
        changed.signalAll();
    }

    @Override
    public String toString() {
        return "SlotTicket[" + request.account() + ", " + request.priorityClass() + ", " + state + "]";
    }
}
