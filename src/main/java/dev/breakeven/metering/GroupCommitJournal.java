package dev.breakeven.metering;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Journal} with group commit: appenders only enqueue; one platform thread named {@code
 * journal-writer} takes everything waiting (up to {@link Settings#maxBatch()} events), writes it in
 * one transaction and then completes those events' futures. Concurrent appenders thus share one
 * flush per batch, and the busier the journal, the larger its batches. Each row's {@code
 * recorded_at} is the clock's time when its batch was written. An id already stored (or queued twice)
 * is acknowledged like any other and stores nothing new: the first version stored stays.
 *
 * <p>Failure behaviour: a batch the repository refuses is retried {@link Settings#attempts()} times
 * in all, with a doubling backoff from {@link Settings#backoff()}; if every attempt fails, each of
 * its futures fails with {@link MeteringException} {@code journal_unavailable} (nothing of the
 * batch is stored) and the writer goes on with the next batch. An append that finds {@link
 * Settings#capacity()} events already waiting fails at once with {@code journal_unavailable} rather
 * than let memory grow while the database is away. An append after {@link #close()} fails with
 * {@code journal_closed}; an event without an id, or with a NUL character in a text field (which
 * PostgreSQL cannot store), fails with {@code invalid_event} and is never queued, so that it cannot
 * sink a batch of others.
 *
 * <p>Futures complete on the writer thread: attach long work with the {@code …Async} methods.
 */
public final class GroupCommitJournal implements Journal {

    /**
     * How the writer batches and retries.
     *
     * @param maxBatch most events written in one transaction
     * @param capacity most events waiting to be written before appends are refused
     * @param attempts tries per batch before its events fail (at least 1)
     * @param backoff pause before the first retry, doubled before each further one
     */
    public record Settings(int maxBatch, int capacity, int attempts, Duration backoff) {
        public Settings {
            if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1");
            if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1");
            if (attempts < 1) throw new IllegalArgumentException("attempts must be >= 1");
            Objects.requireNonNull(backoff, "backoff");
        }

        /** 4096 events a batch, 262,144 waiting, 4 attempts from 20 ms (under 0.2 s in all). */
        public static Settings defaults() {
            return new Settings(4096, 262_144, 4, Duration.ofMillis(20));
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitJournal.class);

    private record Entry(UsageEvent event, CompletableFuture<Void> future) {}

    /** Put on the queue by close(): everything ahead of it is written before the writer stops. */
    private static final Entry STOP = new Entry(null, null);

    private final JournalRepository repository;
    private final Clock clock;
    private final Settings settings;
    private final LinkedBlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong batchesWritten = new AtomicLong();
    private final AtomicLong eventsWritten = new AtomicLong();
    private final AtomicLong batchesFailed = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    public GroupCommitJournal(JournalRepository repository, Clock clock) {
        this(repository, clock, Settings.defaults());
    }

    public GroupCommitJournal(JournalRepository repository, Clock clock, Settings settings) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.writer = Thread.ofPlatform().name("journal-writer").daemon(true).unstarted(this::run);
        this.writer.start();
    }

    @Override
    public CompletableFuture<Void> append(UsageEvent event) {
        String invalid = invalidReason(event);
        if (invalid != null) return CompletableFuture.failedFuture(failure("invalid_event", invalid, null));
        if (closed) return closedFuture();
        if (pending.incrementAndGet() > settings.capacity()) {
            pending.decrementAndGet();
            return CompletableFuture.failedFuture(failure(
                    "journal_unavailable",
                    "the journal has " + settings.capacity() + " events waiting for the database",
                    null));
        }
        Entry entry = new Entry(event, new CompletableFuture<>());
        queue.add(entry);
        // close() may have run between the check above and the add: if the writer has not taken the
        // entry, take it back and refuse it; if it has, it writes it before it stops.
        if (closed && queue.remove(entry)) {
            pending.decrementAndGet();
            return closedFuture();
        }
        return entry.future();
    }

    /**
     * Reads durable events straight from the repository (not those still queued).
     *
     * @throws MeteringException {@code journal_unavailable} when the database cannot be read
     */
    @Override
    public List<UsageEvent> usage(UsageQuery query) {
        try {
            return repository.usage(query);
        } catch (IllegalArgumentException | MeteringException e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure("journal_unavailable", "the journal could not be read: " + rootMessage(e), e);
        }
    }

    @Override
    public int pending() {
        return pending.get();
    }

    /** Transactions committed so far (each holds one or more events). */
    public long batchesWritten() {
        return batchesWritten.get();
    }

    /** Events acknowledged as durable so far, including duplicates that stored nothing new. */
    public long eventsWritten() {
        return eventsWritten.get();
    }

    /** Batches whose events failed with {@code journal_unavailable} after every attempt. */
    public long batchesFailed() {
        return batchesFailed.get();
    }

    /**
     * Refuses new events, writes every event already queued (retrying as usual), then stops the
     * writer. Returns when that is done; calling it again does nothing more.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (!closed) {
                closed = true;
                queue.add(STOP);
            }
        }
        if (Thread.currentThread() == writer) return; // called from a future's callback: the writer stops by itself
        boolean interrupted = false;
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private void run() {
        List<Entry> batch = new ArrayList<>(Math.min(settings.maxBatch(), 65_536));
        boolean stopping = false;
        while (true) {
            batch.clear();
            if (stopping) {
                // After STOP, only what an appender slipped in before it saw `closed` remains.
                queue.drainTo(batch, settings.maxBatch());
                if (batch.isEmpty()) return;
            } else {
                Entry first;
                try {
                    first = queue.take();
                } catch (InterruptedException e) {
                    continue; // only close() stops the writer, so that nothing queued is dropped
                }
                batch.add(first);
                queue.drainTo(batch, settings.maxBatch() - 1);
                stopping = removeStop(batch);
                if (batch.isEmpty()) continue;
            }
            write(batch);
        }
    }

    private static boolean removeStop(List<Entry> batch) {
        for (int i = batch.size() - 1; i >= 0; i--) {
            if (batch.get(i) == STOP) {
                batch.remove(i);
                return true;
            }
        }
        return false;
    }

    private void write(List<Entry> batch) {
        List<UsageEvent> events = new ArrayList<>(batch.size());
        for (Entry entry : batch) events.add(entry.event());
        RuntimeException last = null;
        long pause = settings.backoff().toMillis();
        for (int attempt = 1; attempt <= settings.attempts(); attempt++) {
            try {
                repository.insertBatch(events, clock.millis());
                batchesWritten.incrementAndGet();
                eventsWritten.addAndGet(batch.size());
                complete(batch, null);
                return;
            } catch (RuntimeException | Error e) {
                last = e instanceof RuntimeException r ? r : new RuntimeException(e);
                if (attempt < settings.attempts()) {
                    LOG.warn(
                            "journal batch of {} events failed (attempt {} of {}), retrying: {}",
                            batch.size(),
                            attempt,
                            settings.attempts(),
                            e.toString());
                    pauseQuietly(pause);
                    pause = Math.min(pause * 2, 5_000);
                }
            }
        }
        batchesFailed.incrementAndGet();
        LOG.error("journal batch of {} events failed after every attempt", batch.size(), last);
        complete(
                batch,
                failure(
                        "journal_unavailable",
                        "the journal could not write to the database after " + settings.attempts() + " attempts: "
                                + rootMessage(last),
                        last));
    }

    private void complete(List<Entry> batch, MeteringException failure) {
        for (Entry entry : batch) {
            pending.decrementAndGet();
            try {
                if (failure == null) entry.future().complete(null);
                else entry.future().completeExceptionally(failure);
            } catch (RuntimeException e) {
                // a dependent action attached without …Async threw on this thread; it must not stop the others
                LOG.warn("a journal future's dependent action failed", e);
            }
        }
    }

    private static void pauseQuietly(long millis) {
        if (millis <= 0) return;
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            // keep the writer going: only close() stops it
        }
    }

    private static String invalidReason(UsageEvent event) {
        if (event == null) return "the event is null";
        if (event.id() == null || event.id().isBlank()) return "the event has no id";
        for (String text : new String[] {
            event.id(),
            event.accountId(),
            event.keyId(),
            event.model(),
            event.backend(),
            event.upstreamModel(),
            event.errorCode()
        }) {
            if (text != null && text.indexOf('\0') >= 0)
                return "event " + event.id() + " has a NUL character in a field";
        }
        return null;
    }

    private static CompletableFuture<Void> closedFuture() {
        return CompletableFuture.failedFuture(failure("journal_closed", "the journal is closed", null));
    }

    private static MeteringException failure(String code, String message, Throwable cause) {
        return new MeteringException(code, message, cause);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
