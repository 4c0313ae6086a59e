package dev.breakeven.inference;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes upstream responses that go quiet for longer than their limit, so a model server that
 * stops sending mid-answer cannot hold a request (and its capacity) forever. One thread checks
 * every watched response a few times a second; touching a watch is a volatile write.
 */
public final class IdleWatch implements AutoCloseable {
    private final Set<Watch> active = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "upstream-idle-watch");
        t.setDaemon(true);
        return t;
    });

    public IdleWatch() {
        ticker.scheduleAtFixedRate(this::expireIdle, 100, 100, TimeUnit.MILLISECONDS);
    }

    /** Starts watching {@code resource}; it is closed if not touched for {@code limit}. */
    public Watch watch(Closeable resource, Duration limit) {
        Watch w = new Watch(resource, limit.toNanos());
        active.add(w);
        return w;
    }

    private void expireIdle() {
        long now = System.nanoTime();
        for (Watch w : active) {
            if (now - w.lastActivity > w.limitNanos) w.expire();
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }

    /** One watched response. Closing the watch stops watching (it does not close the resource). */
    public final class Watch implements AutoCloseable {
        private final Closeable resource;
        private final long limitNanos;
        private volatile long lastActivity = System.nanoTime();
        private volatile boolean expired;

        private Watch(Closeable resource, long limitNanos) {
            this.resource = resource;
            this.limitNanos = limitNanos;
        }

        public void touch() {
            lastActivity = System.nanoTime();
        }

        /** True when the watch closed the resource because it was idle too long. */
        public boolean expired() {
            return expired;
        }

        private void expire() {
            expired = true;
            active.remove(this);
            try {
                resource.close();
            } catch (IOException | RuntimeException e) {
                // the reader sees the closed stream either way
            }
        }

        @Override
        public void close() {
            active.remove(this);
        }
    }
}
