package dev.breakeven.metering;

import static dev.breakeven.metering.GroupCommitJournalTest.failureCode;
import static dev.breakeven.metering.GroupCommitJournalTest.usage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How the journal behaves when the repository fails or the caller misbehaves (no database). */
class GroupCommitJournalFailureTest {

    @Test
    void aBatchThatFailsAndThenSucceedsOnRetryIsAcknowledged() throws Exception {
        FakeRepository repository = new FakeRepository(2);
        try (GroupCommitJournal journal = new GroupCommitJournal(
                repository, Clock.systemUTC(), new GroupCommitJournal.Settings(16, 100, 3, Duration.ZERO))) {
            journal.append(usage("chatcmpl-retried", "acct_a", 0)).get(30, TimeUnit.SECONDS);

            assertThat(repository.stored).extracting(UsageEvent::id).containsExactly("chatcmpl-retried");
            assertThat(repository.calls).hasValue(3);
            assertThat(journal.batchesFailed()).isZero();
        }
    }

    @Test
    void aBatchThatFailsEveryAttemptFailsWithJournalUnavailableAndTheWriterGoesOn() throws Exception {
        FakeRepository repository = new FakeRepository(2);
        try (GroupCommitJournal journal = new GroupCommitJournal(
                repository, Clock.systemUTC(), new GroupCommitJournal.Settings(16, 100, 2, Duration.ZERO))) {
            assertThat(failureCode(journal.append(usage("chatcmpl-lost", "acct_a", 0))))
                    .isEqualTo("journal_unavailable");

            journal.append(usage("chatcmpl-next", "acct_a", 0)).get(30, TimeUnit.SECONDS);

            assertThat(repository.stored).extracting(UsageEvent::id).containsExactly("chatcmpl-next");
            assertThat(journal.batchesFailed()).isEqualTo(1);
        }
    }

    @Test
    void anEventWithoutAnIdOrWithANulCharacterFailsAloneWithInvalidEvent() throws Exception {
        FakeRepository repository = new FakeRepository(0);
        try (GroupCommitJournal journal = new GroupCommitJournal(repository, Clock.systemUTC())) {
            assertThat(failureCode(journal.append(null))).isEqualTo("invalid_event");
            assertThat(failureCode(journal.append(usage(null, "acct_a", 0)))).isEqualTo("invalid_event");
            assertThat(failureCode(journal.append(usage(" ", "acct_a", 0)))).isEqualTo("invalid_event");
            assertThat(failureCode(journal.append(usage("chatcmpl-nul", "acct\0a", 0))))
                    .isEqualTo("invalid_event");
            journal.append(usage("chatcmpl-fine", "acct_a", 0)).get(30, TimeUnit.SECONDS);

            assertThat(repository.stored).extracting(UsageEvent::id).containsExactly("chatcmpl-fine");
        }
    }

    @Test
    void appendsBeyondCapacityFailAtOnceWithJournalUnavailable() throws Exception {
        FakeRepository repository = new FakeRepository(0);
        try (GroupCommitJournal journal = new GroupCommitJournal(
                repository, Clock.systemUTC(), new GroupCommitJournal.Settings(16, 3, 1, Duration.ZERO))) {
            repository.hold();
            List<CompletableFuture<Void>> accepted = new ArrayList<>();
            accepted.add(journal.append(usage("chatcmpl-0", "acct_a", 0)));
            repository.entered.await(30, TimeUnit.SECONDS);
            accepted.add(journal.append(usage("chatcmpl-1", "acct_a", 0)));
            accepted.add(journal.append(usage("chatcmpl-2", "acct_a", 0)));

            CompletableFuture<Void> refused = journal.append(usage("chatcmpl-3", "acct_a", 0));

            assertThat(failureCode(refused)).isEqualTo("journal_unavailable");
            assertThat(journal.pending()).isEqualTo(3);
            repository.release.countDown();
            CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(journal.pending()).isZero();
        }
    }

    @Test
    void closeCalledFromAFuturesCallbackDoesNotDeadlockTheWriter() throws Exception {
        FakeRepository repository = new FakeRepository(0);
        GroupCommitJournal journal = new GroupCommitJournal(repository, Clock.systemUTC());
        CompletableFuture<Void> closedInCallback =
                journal.append(usage("chatcmpl-last", "acct_a", 0)).thenRun(journal::close);

        closedInCallback.get(30, TimeUnit.SECONDS);
        journal.close();

        assertThat(failureCode(journal.append(usage("chatcmpl-after", "acct_a", 0))))
                .isEqualTo("journal_closed");
        assertThat(repository.stored).extracting(UsageEvent::id).containsExactly("chatcmpl-last");
    }

    @Test
    void aFailedReadIsReportedAsJournalUnavailable() {
        JournalRepository broken = new FakeRepository(0) {
            @Override
            public List<UsageEvent> usage(UsageQuery query) {
                throw new IllegalStateException("database is down");
            }
        };
        try (GroupCommitJournal journal = new GroupCommitJournal(broken, Clock.systemUTC())) {
            assertThatThrownBy(() -> journal.usage(UsageQuery.all()))
                    .isInstanceOfSatisfying(
                            MeteringException.class, e -> assertThat(e.code()).isEqualTo("journal_unavailable"));
        }
    }

    /** Fails its first {@code failures} calls, then stores in memory; can hold the writer once. */
    static class FakeRepository implements JournalRepository {
        final List<UsageEvent> stored = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final int failures;
        private volatile boolean holding;

        FakeRepository(int failures) {
            this.failures = failures;
        }

        void hold() {
            holding = true;
        }

        @Override
        public void insertBatch(List<UsageEvent> events, long recordedAt) {
            if (calls.incrementAndGet() <= failures) throw new IllegalStateException("database is down");
            if (holding) {
                holding = false;
                entered.countDown();
                GroupCommitJournalTest.awaitQuietly(release);
            }
            stored.addAll(events);
        }

        @Override
        public List<UsageEvent> usage(UsageQuery query) {
            return List.copyOf(stored);
        }

        @Override
        public long count() {
            return stored.size();
        }
    }
}
