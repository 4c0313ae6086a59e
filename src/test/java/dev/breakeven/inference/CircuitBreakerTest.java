package dev.breakeven.inference;

import static dev.breakeven.inference.CircuitBreaker.Permit.NORMAL;
import static dev.breakeven.inference.CircuitBreaker.Permit.REFUSED;
import static dev.breakeven.inference.CircuitBreaker.Permit.TRIAL;
import static dev.breakeven.inference.CircuitBreaker.State.CLOSED;
import static dev.breakeven.inference.CircuitBreaker.State.HALF_OPEN;
import static dev.breakeven.inference.CircuitBreaker.State.OPEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The breaker's state machine, with time moved by hand. */
class CircuitBreakerTest {
    static final Duration COOL_DOWN = Duration.ofSeconds(30);

    TestClock clock;
    CircuitBreaker breaker;

    @BeforeEach
    void setUp() {
        clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
        breaker = new CircuitBreaker("gpu", CircuitBreaker.Settings.of(3, COOL_DOWN), clock);
    }

    private void fail(int times) {
        for (int i = 0; i < times; i++) breaker.onFailure(breaker.tryAcquire());
    }

    private void open() {
        fail(3);
        assertThat(breaker.state()).isEqualTo(OPEN);
    }

    @Test
    void startsClosed_andLetsEveryRequestThrough() {
        assertThat(breaker.state()).isEqualTo(CLOSED);
        for (int i = 0; i < 100; i++) assertThat(breaker.tryAcquire()).isEqualTo(NORMAL);
        assertThat(breaker.remainingCoolDown()).isZero();
    }

    @Test
    void opensAfterThresholdConsecutiveFailures() {
        fail(2);
        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.consecutiveFailures()).isEqualTo(2);

        fail(1);

        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(breaker.tryAcquire()).isEqualTo(REFUSED);
        assertThat(breaker.remainingCoolDown()).isEqualTo(COOL_DOWN);
    }

    @Test
    void aSuccessResetsTheCount_soOnlyFailuresInARowOpenIt() {
        fail(2);
        breaker.onSuccess(breaker.tryAcquire());
        fail(2);

        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.consecutiveFailures()).isEqualTo(2);
    }

    @Test
    void staysOpenThroughTheCoolDown_thenLetsOneTrialThrough() {
        open();
        clock.advance(COOL_DOWN.minusMillis(1));
        assertThat(breaker.tryAcquire()).isEqualTo(REFUSED);
        assertThat(breaker.remainingCoolDown()).isEqualTo(Duration.ofMillis(1));

        clock.advance(Duration.ofMillis(1));

        assertThat(breaker.state())
                .as("reads half-open once the cool-down is over")
                .isEqualTo(HALF_OPEN);
        assertThat(breaker.tryAcquire()).isEqualTo(TRIAL);
        assertThat(breaker.tryAcquire()).as("one trial at a time").isEqualTo(REFUSED);
    }

    @Test
    void aTrialThatSucceedsCloses() {
        open();
        clock.advance(COOL_DOWN);
        CircuitBreaker.Permit trial = breaker.tryAcquire();

        breaker.onSuccess(trial);

        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.consecutiveFailures()).isZero();
        assertThat(breaker.tryAcquire()).isEqualTo(NORMAL);
    }

    @Test
    void aTrialThatFailsReopensForAnotherFullCoolDown() {
        open();
        clock.advance(COOL_DOWN.plusSeconds(5));
        CircuitBreaker.Permit trial = breaker.tryAcquire();

        breaker.onFailure(trial);

        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(breaker.remainingCoolDown()).isEqualTo(COOL_DOWN);
        clock.advance(COOL_DOWN.minusMillis(1));
        assertThat(breaker.tryAcquire()).isEqualTo(REFUSED);
    }

    @Test
    void aReleasedTrialLetsTheNextRequestBeTheTrial() {
        open();
        clock.advance(COOL_DOWN);
        breaker.release(breaker.tryAcquire()); // e.g. the client went away

        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        assertThat(breaker.tryAcquire()).isEqualTo(TRIAL);
    }

    @Test
    void aTrialThatNeverReportsIsForgottenAfterACoolDown() {
        open();
        clock.advance(COOL_DOWN);
        assertThat(breaker.tryAcquire()).isEqualTo(TRIAL); // lost: never reported

        clock.advance(COOL_DOWN.minusMillis(1));
        assertThat(breaker.tryAcquire()).isEqualTo(REFUSED);
        clock.advance(Duration.ofMillis(1));
        assertThat(breaker.tryAcquire()).isEqualTo(TRIAL);
    }

    @Test
    void outcomesOfRequestsAdmittedBeforeItOpened_doNotMoveIt() {
        CircuitBreaker.Permit early = breaker.tryAcquire();
        open();
        clock.advance(COOL_DOWN);
        CircuitBreaker.Permit trial = breaker.tryAcquire();

        breaker.onSuccess(early);
        assertThat(breaker.state()).as("only the trial decides").isEqualTo(HALF_OPEN);
        breaker.onFailure(early);
        assertThat(breaker.state()).isEqualTo(HALF_OPEN);

        breaker.onSuccess(trial);
        assertThat(breaker.state()).isEqualTo(CLOSED);
    }

    @Test
    void severalTrialsMayBeAllowed() {
        breaker = new CircuitBreaker("gpu", new CircuitBreaker.Settings(1, COOL_DOWN, 2), clock);
        fail(1);
        clock.advance(COOL_DOWN);

        assertThat(breaker.tryAcquire()).isEqualTo(TRIAL);
        assertThat(breaker.tryAcquire()).isEqualTo(TRIAL);
        assertThat(breaker.tryAcquire()).isEqualTo(REFUSED);
    }

    @Test
    void thresholdZero_neverOpens_butStillCounts() {
        breaker = new CircuitBreaker("gpu", CircuitBreaker.Settings.of(0, COOL_DOWN), clock);
        fail(50);
        for (int i = 0; i < 50; i++) breaker.probeFailed();

        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.tryAcquire()).isEqualTo(NORMAL);
        assertThat(breaker.consecutiveFailures()).isEqualTo(50);
    }

    @Test
    void failedProbesOpenIt_withoutAnyRequest() {
        breaker.probeFailed();
        breaker.probeFailed();
        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.consecutiveProbeFailures()).isEqualTo(2);

        breaker.probeFailed();

        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(breaker.consecutiveFailures()).as("no request failed").isZero();
    }

    @Test
    void aPassingProbeClearsFailedProbes_butNotFailedRequests() {
        breaker.probeFailed();
        breaker.probeFailed();
        fail(2);

        breaker.probePassed();

        assertThat(breaker.consecutiveProbeFailures()).isZero();
        assertThat(breaker.consecutiveFailures())
                .as("a server can list its models and still fail every generation")
                .isEqualTo(2);
        fail(1);
        assertThat(breaker.state()).isEqualTo(OPEN);
    }

    @Test
    void aPassingProbeWhileOpen_letsATrialThroughBeforeTheCoolDownEnds() {
        open();

        breaker.probePassed();

        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        CircuitBreaker.Permit trial = breaker.tryAcquire();
        assertThat(trial).isEqualTo(TRIAL);
        breaker.onSuccess(trial);
        assertThat(breaker.state()).isEqualTo(CLOSED);
    }

    @Test
    void aFailingProbeWhileOpen_restartsTheCoolDown() {
        open();
        clock.advance(Duration.ofSeconds(20));

        breaker.probeFailed();

        assertThat(breaker.remainingCoolDown()).isEqualTo(COOL_DOWN);
        clock.advance(Duration.ofSeconds(10));
        assertThat(breaker.tryAcquire()).isEqualTo(REFUSED);
    }

    @Test
    void aFailingProbeWhileHalfOpen_reopens() {
        open();
        breaker.probePassed();

        breaker.probeFailed();

        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(breaker.remainingCoolDown()).isEqualTo(COOL_DOWN);
    }

    @ParameterizedTest
    @CsvSource({
        "upstream_unavailable, true",
        "upstream_timeout, true",
        "upstream_error, true",
        "upstream_rejected, false",
        "invalid_request, false",
        "request_too_large, false",
    })
    void onlyTheBackendsOwnFailuresCount(String code, boolean failure) {
        assertThat(CircuitBreaker.isFailure(code)).isEqualTo(failure);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> CircuitBreaker.Settings.of(-1, COOL_DOWN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CircuitBreaker.Settings.of(1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CircuitBreaker.Settings(1, COOL_DOWN, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentFailuresAreAllCounted_andHalfOpenGrantsExactlyOneTrial() throws Exception {
        breaker = new CircuitBreaker("gpu", CircuitBreaker.Settings.of(1_000_000, COOL_DOWN), clock);
        int threads = 8;
        int each = 2_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                awaitQuietly(go);
                for (int i = 0; i < each; i++) breaker.onFailure(breaker.tryAcquire());
            }));
        }
        go.countDown();
        for (Thread w : workers) w.join();
        assertThat(breaker.consecutiveFailures()).isEqualTo(threads * each);

        breaker = new CircuitBreaker("gpu", CircuitBreaker.Settings.of(1, COOL_DOWN), clock);
        fail(1);
        clock.advance(COOL_DOWN);
        AtomicInteger trials = new AtomicInteger();
        CountDownLatch race = new CountDownLatch(1);
        workers.clear();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                awaitQuietly(race);
                if (breaker.tryAcquire() == TRIAL) trials.incrementAndGet();
            }));
        }
        race.countDown();
        for (Thread w : workers) w.join();
        assertThat(trials).hasValue(1);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
