package dev.breakeven.plans;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** A listener that tests wait on ("until 3 requests are queued"), so that no test sleeps. */
final class SchedulerEvents implements SchedulerListener {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long queued;
    private long granted;

    @Override
    public void queued(SlotRequest request, long estimatedWaitMillis) {
        bump(true);
    }

    @Override
    public void granted(Slot slot) {
        bump(false);
    }

    private void bump(boolean queuedEvent) {
        lock.lock();
        try {
            if (queuedEvent) queued++;
            else granted++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Requests queued so far. */
    long queued() {
        lock.lock();
        try {
            return queued;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until at least {@code n} requests have been queued since the start; fails after 10 s. */
    void awaitQueued(long n) throws InterruptedException {
        await(n, true);
    }

    /** Waits until at least {@code n} slots have been granted since the start; fails after 10 s. */
    void awaitGranted(long n) throws InterruptedException {
        await(n, false);
    }

    private void await(long n, boolean queuedEvent) throws InterruptedException {
        long remaining = Duration.ofSeconds(10).toNanos();
        lock.lock();
        try {
            while ((queuedEvent ? queued : granted) < n) {
                if (remaining <= 0)
                    throw new AssertionError("waited 10 s for " + n + (queuedEvent ? " queued" : " granted") + ", saw "
                            + (queuedEvent ? queued : granted));
                remaining = changed.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }
}
