package dev.breakeven.testing;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** A counter that tests can wait on until it reaches a value, without sleeping. */
final class AwaitableCounter {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long count;

    void increment() {
        lock.lock();
        try {
            count++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long get() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    void reset() {
        lock.lock();
        try {
            count = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the count is at least {@code target}; false if the timeout passed first. */
    boolean await(long target, Duration timeout) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (count < target) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = changed.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
