package dev.breakeven.ledger;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Ledger} with group commit: submitters only enqueue; one platform thread named {@code
 * ledger-writer} takes every chain waiting (up to {@link Settings#maxBatch()}), applies them in
 * order in one transaction and completes their futures. On SQLite that makes this process the one
 * writer, with one flush per batch; on PostgreSQL several processes may each run one, and their
 * transactions lock shared accounts in id order.
 *
 * <p>Failure behaviour: a batch the database refuses (unavailable, or a conflict with another
 * process: a deadlock, a serialization failure, the same transfer id stored meanwhile) is retried
 * {@link Settings#attempts()} times in all with a jittered doubling backoff — each retry reads the
 * winner's rows, so a transfer stored meanwhile comes back {@code EXISTS}. If every attempt fails,
 * each chain's future fails with {@link LedgerException} {@code ledger_unavailable} and nothing of
 * the batch is stored. After {@link #close()}, submissions fail with {@code ledger_closed}.
 */
public final class GroupCommitLedger implements Ledger {

    /**
     * @param maxBatch most chains applied in one transaction
     * @param capacity most chains waiting before submissions are refused
     * @param attempts tries per batch (at least 1)
     * @param backoff pause before the first retry, doubled (with jitter) before each further one
     */
    public record Settings(int maxBatch, int capacity, int attempts, Duration backoff) {
        public Settings {
            if (maxBatch < 1 || capacity < 1 || attempts < 1)
                throw new IllegalArgumentException("settings must be >= 1");
            Objects.requireNonNull(backoff, "backoff");
        }

        /** 2,048 chains a batch, 262,144 waiting, 8 attempts from 5 ms (about 1.3 s in all). */
        public static Settings defaults() {
            return new Settings(2048, 262_144, 8, Duration.ofMillis(5));
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitLedger.class);

    private record Entry(List<Transfer> chain, CompletableFuture<List<TransferResult>> future) {}

    private static final Entry STOP = new Entry(null, null);

    private final LedgerRepository repository;
    private final Clock clock;
    private final Settings settings;
    private final LinkedBlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong transfersCreated =
            new java.util.concurrent.atomic.AtomicLong();
    private final java.util.Set<String> opened = ConcurrentHashMap.newKeySet();
    private final Thread writer;
    private volatile boolean closed;

    public GroupCommitLedger(LedgerRepository repository, Clock clock) {
        this(repository, clock, Settings.defaults());
    }

    public GroupCommitLedger(LedgerRepository repository, Clock clock, Settings settings) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.writer = Thread.ofPlatform().name("ledger-writer").daemon(true).unstarted(this::run);
        this.writer.start();
    }

    @Override
    public LedgerAccount open(LedgerAccount account) {
        if (opened.contains(account.id())) return account;
        LedgerAccount stored = read(() -> repository.open(account, clock.millis()));
        if (!stored.equals(account)) {
            throw new LedgerException(
                    "account_exists_with_different_content",
                    "ledger account " + account.id() + " exists as "
                            + stored.kind().wire());
        }
        opened.add(account.id());
        return stored;
    }

    @Override
    public List<TransferResult> submit(List<Transfer> chain) {
        try {
            return submitAsync(chain).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof LedgerException le) throw new LedgerException(le.code(), le.getMessage(), le);
            throw e;
        }
    }

    @Override
    public CompletableFuture<List<TransferResult>> submitAsync(List<Transfer> chain) {
        if (chain == null || chain.isEmpty()) {
            return CompletableFuture.failedFuture(
                    new LedgerException("invalid_argument", "a chain needs at least one transfer"));
        }
        List<TransferResult> refused = TransferBatch.refuseBeforeStorage(chain);
        if (refused != null) return CompletableFuture.completedFuture(refused);
        if (closed) return closed();
        if (waiting.incrementAndGet() > settings.capacity()) {
            waiting.decrementAndGet();
            return CompletableFuture.failedFuture(new LedgerException(
                    "ledger_unavailable",
                    "the ledger has " + settings.capacity() + " chains waiting for the database"));
        }
        Entry entry = new Entry(List.copyOf(chain), new CompletableFuture<>());
        queue.add(entry);
        if (closed && queue.remove(entry)) {
            waiting.decrementAndGet();
            return closed();
        }
        return entry.future();
    }

    @Override
    public Optional<Balance> balance(String accountId) {
        List<Balance> found = balances(List.of(accountId));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    @Override
    public List<Balance> balances(Collection<String> accountIds) {
        return read(() -> repository.balances(accountIds));
    }

    @Override
    public List<Balance> balancesOfKind(AccountKind kind) {
        return read(() -> repository.balancesOfKind(kind));
    }

    @Override
    public List<Balance> balancesOf(String owner) {
        return read(() -> repository.balancesOf(owner));
    }

    @Override
    public Optional<StoredTransfer> transfer(String id) {
        return read(() -> repository.transfer(id));
    }

    @Override
    public List<StoredTransfer> transfers(Collection<String> ids) {
        return read(() -> repository.transfersById(ids));
    }

    @Override
    public List<StoredTransfer> transfers(TransferQuery query) {
        return read(() -> repository.transfers(query));
    }

    @Override
    public Balance balanceAt(String accountId, long at) {
        return read(() -> repository.balanceAt(accountId, at))
                .orElseThrow(() ->
                        new LedgerException("account_not_found", "ledger account " + accountId + " does not exist"));
    }

    @Override
    public int expirePending(long now) {
        int voided = 0;
        while (true) {
            List<String> expired = read(() -> repository.expiredPending(now, 1000));
            if (expired.isEmpty()) return voided;
            List<CompletableFuture<List<TransferResult>>> futures = new ArrayList<>();
            for (String id : expired) {
                futures.add(submitAsync(List.of(Transfer.voiding("expire:" + id, id, "expired", id, now))));
            }
            int before = voided;
            for (var f : futures) {
                TransferResult r = f.join().get(0);
                if (r.status() == TransferResult.Status.CREATED) voided++;
            }
            if (voided == before) return voided; // resolved meanwhile by others: nothing left to do
        }
    }

    /** Transfers this instance has created since it started. */
    public long transfersCreated() {
        return transfersCreated.get();
    }

    /** Chains waiting for the writer. */
    public int waiting() {
        return waiting.get();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (!closed) {
                closed = true;
                queue.add(STOP);
            }
        }
        if (Thread.currentThread() == writer) return;
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
        List<Entry> batch = new ArrayList<>();
        boolean stopping = false;
        while (true) {
            batch.clear();
            if (stopping) {
                queue.drainTo(batch, settings.maxBatch());
                if (batch.isEmpty()) return;
            } else {
                try {
                    batch.add(queue.take());
                } catch (InterruptedException e) {
                    continue;
                }
                queue.drainTo(batch, settings.maxBatch() - 1);
                stopping = batch.remove(STOP);
                if (batch.isEmpty()) continue;
            }
            write(batch);
        }
    }

    private void write(List<Entry> batch) {
        List<List<Transfer>> chains = new ArrayList<>(batch.size());
        for (Entry e : batch) chains.add(e.chain());
        RuntimeException last = null;
        long pause = settings.backoff().toMillis();
        for (int attempt = 1; attempt <= settings.attempts(); attempt++) {
            try {
                List<List<TransferResult>> results = repository.apply(chains, clock.millis());
                for (int i = 0; i < batch.size(); i++) {
                    for (TransferResult r : results.get(i)) {
                        if (r.status() == TransferResult.Status.CREATED) transfersCreated.incrementAndGet();
                    }
                    complete(batch.get(i), results.get(i), null);
                }
                return;
            } catch (RuntimeException e) {
                last = e;
                if (attempt < settings.attempts()) {
                    LOG.debug(
                            "ledger batch of {} chains failed (attempt {}), retrying: {}",
                            batch.size(),
                            attempt,
                            e.toString());
                    pauseQuietly(pause + ThreadLocalRandom.current().nextLong(pause + 1));
                    pause = Math.min(pause * 2, 1_000);
                }
            }
        }
        LOG.error("ledger batch of {} chains failed after every attempt", batch.size(), last);
        LedgerException failure = new LedgerException(
                "ledger_unavailable",
                "the ledger could not write to the database after " + settings.attempts() + " attempts: "
                        + rootMessage(last),
                last);
        for (Entry e : batch) complete(e, null, failure);
    }

    private void complete(Entry entry, List<TransferResult> results, LedgerException failure) {
        waiting.decrementAndGet();
        try {
            if (failure == null) entry.future().complete(results);
            else entry.future().completeExceptionally(failure);
        } catch (RuntimeException e) {
            LOG.warn("a ledger future's dependent action failed", e);
        }
    }

    private static <T> T read(java.util.function.Supplier<T> query) {
        try {
            return query.get();
        } catch (LedgerException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LedgerException("ledger_unavailable", "the ledger could not be read: " + rootMessage(e), e);
        }
    }

    private static CompletableFuture<List<TransferResult>> closed() {
        return CompletableFuture.failedFuture(new LedgerException("ledger_closed", "the ledger is closed"));
    }

    private static void pauseQuietly(long millis) {
        if (millis <= 0) return;
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            // only close() stops the writer
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
