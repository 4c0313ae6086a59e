package dev.breakeven.metering;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.metering.UsageEvent.Outcome;
import dev.breakeven.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The journal on each engine: durability, idempotency, grouping, shutdown and failure. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class GroupCommitJournalTest {

    static final long NOW = 1_700_000_000_123L;
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
    /** Retries without pauses, so that the failure test does not wait on backoff. */
    static final GroupCommitJournal.Settings QUICK = new GroupCommitJournal.Settings(4096, 262_144, 3, Duration.ZERO);

    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    TestDatabase.Opened opened;
    JdbiJournalRepository repository;
    GroupCommitJournal journal;

    @BeforeEach
    void open() {
        opened = engine.open(dir);
        repository = new JdbiJournalRepository(opened.db());
        journal = new GroupCommitJournal(repository, CLOCK, QUICK);
    }

    @AfterEach
    void close() {
        if (journal != null) journal.close();
        if (opened != null) opened.close();
    }

    @Test
    void anAppendedEventIsReadableAfterTheDatabaseIsClosedAndReopened() throws Exception {
        UsageEvent event = usage("chatcmpl-durable", "acct_a", 1_000);
        journal.append(event).get(30, TimeUnit.SECONDS);
        journal.close();

        opened = engine.reopen(dir, opened);
        JdbiJournalRepository reopened = new JdbiJournalRepository(opened.db());

        assertThat(reopened.usage(UsageQuery.all())).containsExactly(event);
    }

    @Test
    void everyFieldRoundTrips() throws Exception {
        UsageEvent full = new UsageEvent(
                "chatcmpl-full",
                1_699_999_999_000L,
                "acct_full",
                "key_full",
                "assistant",
                "gpu-pool-a",
                "meta-llama/Llama-3.1-8B-Instruct",
                Integer.MAX_VALUE + 7L,
                Long.MAX_VALUE,
                true,
                123,
                4_567,
                Outcome.FAILED,
                true,
                "upstream_timeout",
                3_210,
                false);
        UsageEvent sparse = new UsageEvent(
                "chatcmpl-sparse",
                0,
                "acct_sparse",
                "key_sparse",
                "assistant",
                null,
                null,
                0,
                0,
                false,
                -1,
                0,
                Outcome.CANCELLED,
                false,
                null,
                -1,
                false);
        UsageEvent completed = usage("chatcmpl-completed", "acct_c", 5);

        CompletableFuture.allOf(journal.append(full), journal.append(sparse), journal.append(completed))
                .get(30, TimeUnit.SECONDS);

        assertThat(repository.usage(UsageQuery.all())).containsExactly(sparse, completed, full);
        List<Map<String, Object>> rows = opened.db().jdbi().withHandle(h -> h.createQuery(
                        "SELECT type, recorded_at, payload, ttft_ms FROM journal ORDER BY occurred_at")
                .mapToMap()
                .list());
        assertThat(rows).hasSize(3).allSatisfy(row -> {
            assertThat(row.get("type")).isEqualTo("usage");
            assertThat(((Number) row.get("recorded_at")).longValue()).isEqualTo(NOW);
            assertThat(row.get("payload")).isNull();
        });
        assertThat(rows.get(0).get("ttft_ms"))
                .as("no first token is stored as NULL")
                .isNull();
    }

    @Test
    void anEventAppendedTwiceIsStoredOnceAndBothAppendsSucceed() throws Exception {
        journal.close();
        GatedRepository gated = new GatedRepository(repository);
        journal = new GroupCommitJournal(gated, CLOCK, QUICK);
        UsageEvent event = usage("chatcmpl-twice", "acct_a", 10);

        // The writer holds its first batch at the gate while the same event is queued twice: the
        // second batch then carries both copies.
        CompletableFuture<Void> first = journal.append(event);
        gated.entered.await(30, TimeUnit.SECONDS);
        CompletableFuture<Void> again = journal.append(event);
        CompletableFuture<Void> andAgain = journal.append(event);
        gated.release.countDown();
        CompletableFuture.allOf(first, again, andAgain).get(30, TimeUnit.SECONDS);
        // and once more, in a later transaction
        journal.append(event).get(30, TimeUnit.SECONDS);

        assertThat(gated.batchSizes).startsWith(1, 2);
        assertThat(repository.count()).isEqualTo(1);
        assertThat(repository.usage(UsageQuery.all())).containsExactly(event);
    }

    @Test
    void sixteenThreadsAppendingFiveHundredEventsEachStoreExactly8000RowsInSharedBatches() throws Exception {
        int threads = 16;
        int perThread = 500;
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Void>> futures = new CopyOnWriteArrayList<>();
        List<Thread> appenders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            appenders.add(Thread.ofPlatform().start(() -> {
                awaitQuietly(start);
                List<CompletableFuture<Void>> mine = new ArrayList<>(perThread);
                for (int i = 0; i < perThread; i++) {
                    mine.add(journal.append(usage("chatcmpl-" + thread + "-" + i, "acct_" + thread, i)));
                }
                futures.addAll(mine);
            }));
        }
        start.countDown();
        for (Thread appender : appenders) appender.join();
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        assertThat(repository.count()).isEqualTo(8000);
        assertThat(journal.eventsWritten()).isEqualTo(8000);
        assertThat(journal.batchesWritten())
                .as("8000 events should share transactions, not take one each")
                .isLessThan(8000);
        assertThat(journal.pending()).isZero();
    }

    @Test
    void closeWritesEverythingQueuedBeforeItReturns() throws Exception {
        journal.close();
        GatedRepository gated = new GatedRepository(repository);
        journal = new GroupCommitJournal(gated, CLOCK, QUICK);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        futures.add(journal.append(usage("chatcmpl-first", "acct_a", 0)));
        gated.entered.await(30, TimeUnit.SECONDS);
        for (int i = 0; i < 1000; i++) futures.add(journal.append(usage("chatcmpl-q" + i, "acct_a", i)));
        assertThat(journal.pending()).isEqualTo(1001);

        gated.release.countDown();
        journal.close();

        assertThat(futures).allSatisfy(f -> assertThat(f).isCompleted());
        assertThat(journal.pending()).isZero();
        assertThat(repository.count()).isEqualTo(1001);
    }

    @Test
    void anAppendAfterCloseFailsWithJournalClosed() {
        journal.close();

        CompletableFuture<Void> late = journal.append(usage("chatcmpl-late", "acct_a", 0));

        assertThat(failureCode(late)).isEqualTo("journal_closed");
        assertThat(repository.count()).isZero();
        journal.close(); // a second close is harmless
    }

    @Test
    void usageIsQueriedByAccountAndSinceOldestFirst() throws Exception {
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            futures.add(journal.append(usage("chatcmpl-a" + i, "acct_a", 1_000 - i * 100L)));
            futures.add(journal.append(usage("chatcmpl-b" + i, "acct_b", 1_000 - i * 100L)));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        assertThat(journal.usage(new UsageQuery("acct_a", 600, Integer.MAX_VALUE)))
                .extracting(UsageEvent::id)
                .containsExactly("chatcmpl-a4", "chatcmpl-a3", "chatcmpl-a2", "chatcmpl-a1", "chatcmpl-a0");
        assertThat(journal.usage(new UsageQuery("acct_b", 600, 2)))
                .extracting(UsageEvent::id)
                .containsExactly("chatcmpl-b4", "chatcmpl-b3");
        assertThat(journal.usage(new UsageQuery(null, 900, Integer.MAX_VALUE)))
                .extracting(UsageEvent::accountId)
                .containsExactlyInAnyOrder("acct_a", "acct_a", "acct_b", "acct_b");
        assertThat(journal.usage(new UsageQuery("acct_nobody", 0, 10))).isEmpty();
        assertThat(journal.usage(UsageQuery.all())).hasSize(20);
    }

    @Test
    void aDatabaseGoneUnderneathFailsTheFuturesWithJournalUnavailableInsteadOfHanging() {
        opened.db().close();

        CompletableFuture<Void> first = journal.append(usage("chatcmpl-lost-1", "acct_a", 0));
        CompletableFuture<Void> second = journal.append(usage("chatcmpl-lost-2", "acct_a", 0));

        assertThat(failureCode(first)).isEqualTo("journal_unavailable");
        assertThat(failureCode(second)).isEqualTo("journal_unavailable");
        assertThat(journal.batchesFailed()).isPositive();
        assertThat(journal.pending()).isZero();
    }

    static UsageEvent usage(String id, String account, long occurredAt) {
        return new UsageEvent(
                id,
                occurredAt,
                account,
                "key_" + account,
                "assistant",
                "gpu-pool-a",
                "llama-3.1-8b",
                12,
                34,
                false,
                56,
                78,
                Outcome.COMPLETED,
                true,
                null,
                40,
                false);
    }

    static String failureCode(CompletableFuture<?> future) {
        try {
            future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(MeteringException.class);
            return ((MeteringException) e.getCause()).code();
        } catch (Exception e) {
            throw new AssertionError("the future neither completed nor failed: " + e, e);
        }
        throw new AssertionError("the future completed normally");
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Holds the writer inside its first batch until released, and records every batch's size. */
    static final class GatedRepository implements JournalRepository {
        final JournalRepository delegate;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

        GatedRepository(JournalRepository delegate) {
            this.delegate = delegate;
        }

        @Override
        public void insertBatch(List<UsageEvent> events, long recordedAt) {
            batchSizes.add(events.size());
            entered.countDown();
            awaitQuietly(release);
            delegate.insertBatch(events, recordedAt);
        }

        @Override
        public List<UsageEvent> usage(UsageQuery query) {
            return delegate.usage(query);
        }

        @Override
        public long count() {
            return delegate.count();
        }
    }
}
