package dev.breakeven.cluster;

import static dev.breakeven.cluster.CountersUnderTest.denied;
import static dev.breakeven.cluster.CountersUnderTest.granted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Requests and tokens per minute: a token bucket that holds the limit and refills it over a
 * minute, continuously. Remaining, reset and retry-after are OpenAI's rate-limit headers.
 */
@ParameterizedClass
@EnumSource(CountersUnderTest.class)
class MinuteBucketTest {
    static final Window MINUTE = Window.MINUTE;

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

    Reservation reserve(String key, long amount, long limit) {
        return counters.reserve(key, MINUTE, amount, limit, clock.millis());
    }

    @Test
    void aFullBucket_grantsTheWholeLimitAtOnce_thenDeniesUntilOneMoreHasRefilled() {
        for (int i = 0; i < 60; i++) granted(reserve("a:requests", 1, 60));

        Denial denial = denied(reserve("a:requests", 1, 60));

        assertThat(denial.key()).isEqualTo("a:requests");
        assertThat(denial.window()).isEqualTo(Window.MINUTE);
        assertThat(denial.limit()).isEqualTo(60);
        assertThat(denial.remaining()).isZero();
        assertThat(denial.retryAfter()).isEqualTo(Duration.ofSeconds(1)); // 60 per minute: one a second
        assertThat(denial.usage().resetAfter()).isEqualTo(Duration.ofMinutes(1)); // until full again
        assertThat(denial.canEverFit()).isTrue();
    }

    @Test
    void theBucketRefillsContinuously_notAtAMinuteBoundary() {
        for (int i = 0; i < 60; i++) granted(reserve("a:requests", 1, 60));

        clock.advance(Duration.ofMillis(10_500));

        for (int i = 0; i < 10; i++) granted(reserve("a:requests", 1, 60));
        assertThat(denied(reserve("a:requests", 1, 60)).retryAfter()).isEqualTo(Duration.ofMillis(500));
        clock.advance(Duration.ofMillis(499));
        assertThat(denied(reserve("a:requests", 1, 60)).retryAfter()).isEqualTo(Duration.ofMillis(1));
        clock.advance(Duration.ofMillis(1));
        granted(reserve("a:requests", 1, 60));
    }

    @Test
    void retryAfter_isExactToTheMillisecond_evenWhenTheRateIsNotAWholeNumberOfMilliseconds() {
        // 7 per minute: one every 8,571.43 ms
        for (int i = 0; i < 7; i++) granted(reserve("a:requests", 1, 7));
        assertThat(denied(reserve("a:requests", 1, 7)).retryAfter()).isEqualTo(Duration.ofMillis(8_572));

        clock.advance(Duration.ofMillis(8_571));
        assertThat(denied(reserve("a:requests", 1, 7)).retryAfter()).isEqualTo(Duration.ofMillis(1));
        clock.advance(Duration.ofMillis(1));
        granted(reserve("a:requests", 1, 7));
    }

    @Test
    void tokensPerMinute_theDenialSaysWhatIsLeftAndWhenTheWholeAmountFits() {
        granted(reserve("a:tokens", 80_000, 90_000));

        Denial denial = denied(reserve("a:tokens", 20_000, 90_000));

        assertThat(denial.requested()).isEqualTo(20_000);
        assertThat(denial.remaining()).isEqualTo(10_000);
        // 10,000 more tokens at 1,500 a second: 6.667 s, rounded up
        assertThat(denial.retryAfter()).isEqualTo(Duration.ofMillis(6_667));
        // 80,000 tokens back at 1,500 a second: 53.333 s, rounded up
        assertThat(denial.usage().resetAfter()).isEqualTo(Duration.ofMillis(53_334));
    }

    @Test
    void anAmountAboveTheLimit_isDeniedForEver_andHoldsNothing() {
        Denial denial = denied(reserve("a:tokens", 90_001, 90_000));

        assertThat(denial.canEverFit()).isFalse();
        assertThat(denial.retryAt()).isEqualTo(Denial.NEVER);
        assertThat(denial.remaining()).isEqualTo(90_000);
        assertThat(counters.usage("a:tokens", MINUTE, 90_000, clock.millis()).used())
                .isZero();
    }

    @Test
    void usage_readsLikeOpenAisHeaders_limitRemainingAndTimeUntilFull() {
        Usage fresh = counters.usage("a:requests", MINUTE, 60, clock.millis());
        assertThat(fresh).isEqualTo(new Usage(60, 0, 60, clock.millis(), clock.millis()));
        assertThat(fresh.resetAfter()).isZero();

        Lease lease = granted(reserve("a:requests", 30, 60));
        assertThat(lease.usage().used()).isEqualTo(30);
        assertThat(lease.usage().remaining()).isEqualTo(30);
        assertThat(lease.usage().resetAfter()).isEqualTo(Duration.ofSeconds(30));

        clock.advance(Duration.ofSeconds(15));
        Usage later = counters.usage("a:requests", MINUTE, 60, clock.millis());
        assertThat(later.used()).isEqualTo(15);
        assertThat(later.remaining()).isEqualTo(45);
        assertThat(later.resetAfter()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void usage_roundsWhatIsHeldUp_andWhatRemainsDown_soTheyAddUpToTheLimit() {
        granted(reserve("a:requests", 7, 7));
        clock.advance(Duration.ofMillis(1)); // a sliver of one request has refilled

        Usage usage = counters.usage("a:requests", MINUTE, 7, clock.millis());

        assertThat(usage.used()).isEqualTo(7);
        assertThat(usage.remaining()).isZero();
        assertThat(usage.used() + usage.remaining()).isEqualTo(7);
    }

    @Test
    void usage_holdsNothing() {
        for (int i = 0; i < 100; i++) counters.usage("a:requests", MINUTE, 1, clock.millis());

        granted(reserve("a:requests", 1, 1));
    }

    @Test
    void keysAndWindowsNameSeparateCounters() {
        granted(reserve("a:requests", 1, 1));

        granted(reserve("b:requests", 1, 1));
        granted(counters.reserve("a:requests", Window.UTC_DAY, 1, 1, clock.millis()));
        granted(counters.reserve("a:requests", new Window.Bucket(1_000), 1, 1, clock.millis()));
        denied(reserve("a:requests", 1, 1));
    }

    @Test
    void aRaisedLimit_appliesAtOnce_andALoweredOneDeniesUntilTheBucketIsBelowIt() {
        granted(reserve("a:tokens", 1_000, 1_000));
        denied(reserve("a:tokens", 1, 1_000));

        granted(reserve("a:tokens", 1_000, 2_000)); // upgraded: twice the room
        Denial lowered = denied(reserve("a:tokens", 1, 1_500)); // downgraded below what is held

        assertThat(lowered.remaining()).isZero();
        // 2,000 held, room for 1 below 1,500 means 501 must refill at 1,500 a minute: 20.04 s
        assertThat(lowered.retryAfter()).isEqualTo(Duration.ofMillis(20_040));
    }

    @Test
    void anyStretchOfTime_grantsAtMostTheLimitPlusWhatRefilledMeanwhile_soNoDoubleBurstAtABoundary() {
        // A fixed window would grant 60 at 12:00:59.9 and 60 more at 12:01:00.0. Here, requests
        // arrive at random moments for five minutes; within every stretch of d ms at most
        // 60 + 60 × d / 60,000 are granted.
        Random random = new Random(7);
        List<Long> grants = new ArrayList<>();
        long start = clock.millis();
        while (clock.millis() < start + 300_000) {
            clock.advance(Duration.ofMillis(random.nextInt(400)));
            int burst = random.nextInt(30);
            for (int i = 0; i < burst; i++) {
                if (reserve("a:requests", 1, 60) instanceof Lease) grants.add(clock.millis());
            }
        }
        assertThat(grants.size()).isBetween(300, 360); // 5 minutes at 60 a minute, plus the first full bucket
        long worstExcess = Long.MIN_VALUE;
        for (int i = 0; i < grants.size(); i++) {
            for (int j = i; j < grants.size(); j++) {
                long d = grants.get(j) - grants.get(i);
                worstExcess = Math.max(worstExcess, (j - i + 1) - (60 + 60 * d / 60_000));
            }
        }
        assertThat(worstExcess).isLessThanOrEqualTo(0);
    }

    @Test
    void timeGoingBack_refillsNothing_andTheCounterKeepsItsLatestTime() {
        granted(reserve("a:requests", 60, 60));
        clock.advance(Duration.ofSeconds(30));
        granted(reserve("a:requests", 30, 60));

        clock.advance(Duration.ofSeconds(-20)); // another node's clock, a little behind

        Denial denial = denied(reserve("a:requests", 1, 60));
        assertThat(denial.remaining()).isZero();
        assertThat(denial.usage().asOf()).isEqualTo(clock.millis() + 20_000);
        assertThat(denial.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    }
}
