package dev.breakeven.cluster;

import static dev.breakeven.cluster.CountersUnderTest.granted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A lease is settled (keeps what was really used) or released (nothing used), exactly once. In a
 * bucket, it gives back only what the bucket has not yet refilled of it.
 */
@ParameterizedClass
@EnumSource(CountersUnderTest.class)
class LeaseTest {

    @Parameter
    CountersUnderTest implementation;

    Counters counters;
    TestClock clock = new TestClock(Instant.parse("2027-03-10T12:00:00Z"));

    @BeforeEach
    void open() {
        counters = implementation.open();
    }

    @AfterEach
    void discard() {
        CountersUnderTest.discard(counters);
    }

    Lease tokens(long amount) {
        return granted(counters.reserve("a:tokens", Window.MINUTE, amount, 90_000, clock.millis()));
    }

    long tokensUsed() {
        return counters.usage("a:tokens", Window.MINUTE, 90_000, clock.millis()).used();
    }

    Lease today(long amount) {
        return granted(counters.reserve("a:tokens", Window.UTC_DAY, amount, 1_000, clock.millis()));
    }

    long usedToday() {
        return counters.usage("a:tokens", Window.UTC_DAY, 1_000, clock.millis()).used();
    }

    @Test
    void aLease_saysWhatItHolds_andTheCounterRightAfterIt() {
        today(300);
        Lease lease = today(500);

        assertThat(lease.key()).isEqualTo("a:tokens");
        assertThat(lease.window()).isEqualTo(Window.UTC_DAY);
        assertThat(lease.amount()).isEqualTo(500);
        assertThat(lease.usage().used()).isEqualTo(800);
        assertThat(lease.usage().remaining()).isEqualTo(200);
    }

    @Test
    void settlingTwice_changesNothingTheSecondTime() {
        Lease lease = today(500);

        assertThat(lease.settle(200, clock.millis())).isTrue();
        assertThat(lease.settle(100, clock.millis())).isFalse();
        assertThat(lease.settle(200, clock.millis())).isFalse();

        assertThat(usedToday()).isEqualTo(200);
    }

    @Test
    void aSettledLease_cannotBeReleased_andAReleasedOne_cannotBeSettled() {
        Lease settled = today(500);
        Lease released = today(300);

        settled.settle(400, clock.millis());
        released.release(clock.millis());

        assertThat(settled.release(clock.millis())).isFalse();
        assertThat(released.settle(300, clock.millis())).isFalse();
        assertThat(released.release(clock.millis())).isFalse();
        assertThat(usedToday()).isEqualTo(400);
    }

    @Test
    void settlingWhatWasReserved_changesNothing() {
        today(500).settle(500, clock.millis());

        assertThat(usedToday()).isEqualTo(500);
    }

    @Test
    void aNegativeAmount_isRefused_andTheLeaseStaysOpen() {
        Lease lease = today(500);

        assertThatThrownBy(() -> lease.settle(-1, clock.millis()))
                .isInstanceOfSatisfying(
                        ClusterException.class, e -> assertThat(e.code()).isEqualTo("invalid_argument"));

        assertThat(lease.settle(100, clock.millis())).isTrue();
        assertThat(usedToday()).isEqualTo(100);
    }

    @Test
    void manyThreadsSettlingOneLease_exactlyOneWins_andOnlyItsAmountCounts() throws Exception {
        Lease lease = today(1_000);
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long actual = t * 100L;
                results.add(pool.submit(() -> {
                    start.await();
                    return actual == 0 ? lease.release(clock.millis()) : lease.settle(actual, clock.millis());
                }));
            }
            start.countDown();
            List<Long> winners = new ArrayList<>();
            for (int t = 0; t < threads; t++) if (results.get(t).get()) winners.add(t * 100L);

            assertThat(winners).hasSize(1);
            assertThat(usedToday()).isEqualTo(winners.getFirst());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void inABusyBucket_settlingBelowTheReservation_givesTheRestBack() {
        tokens(80_000);
        Lease generation = tokens(4_000); // prompt + max_tokens
        clock.advance(Duration.ofSeconds(2)); // 3,000 tokens refilled: the oldest, not this lease's

        generation.settle(1_000, clock.millis());

        assertThat(tokensUsed()).isEqualTo(84_000 - 3_000 - 3_000);
    }

    @Test
    void inABucket_aLeaseGivesBackOnlyWhatHasNotRefilledYet() {
        Lease generation = tokens(4_000);
        clock.advance(Duration.ofSeconds(2)); // 3,000 of its 4,000 are back already

        generation.release(clock.millis());

        assertThat(tokensUsed()).isZero();
        assertThat(counters.usage("a:tokens", Window.MINUTE, 90_000, clock.millis())
                        .remaining())
                .isEqualTo(90_000);
    }

    @Test
    void aLeaseReleasedAfterTheBucketRefilledIt_givesNothingBack_soTheNextMinuteIsNotDoubled() {
        Lease first = granted(counters.reserve("a:requests", Window.MINUTE, 60, 60, clock.millis()));
        clock.advance(Duration.ofMinutes(1)); // full again
        granted(counters.reserve("a:requests", Window.MINUTE, 60, 60, clock.millis()));

        first.release(clock.millis());

        assertThat(counters.reserve("a:requests", Window.MINUTE, 1, 60, clock.millis()))
                .isInstanceOf(Denial.class);
    }

    @Test
    void inABucket_settlingAboveTheReservation_countsTheExcess_andDelaysWhatFollows() {
        tokens(90_000).settle(100_000, clock.millis());

        assertThat(tokensUsed()).isEqualTo(100_000);
        Denial denial =
                CountersUnderTest.denied(counters.reserve("a:tokens", Window.MINUTE, 1, 90_000, clock.millis()));
        assertThat(denial.remaining()).isZero();
        // 10,001 tokens must refill at 1,500 a second: 6.667 s, rounded up
        assertThat(denial.retryAfter()).isEqualTo(Duration.ofMillis(6_668));
    }

    @Test
    void releasingEveryLeaseOfAGroup_givesEverythingBack() {
        Leases leases = granted(counters.reserveAll(
                List.of(
                        new Claim("a:requests", Window.MINUTE, 1, 60),
                        new Claim("a:tokens", Window.MINUTE, 4_000, 90_000),
                        new Claim("a:tokens", Window.UTC_DAY, 4_000, 100_000)),
                clock.millis()));
        leases.get(1).settle(3_000, clock.millis());

        assertThat(leases.release(clock.millis())).isEqualTo(2);

        assertThat(counters.usage("a:requests", Window.MINUTE, 60, clock.millis())
                        .used())
                .isZero();
        assertThat(tokensUsed()).isEqualTo(3_000);
        assertThat(counters.usage("a:tokens", Window.UTC_DAY, 100_000, clock.millis())
                        .used())
                .isZero();
    }
}
