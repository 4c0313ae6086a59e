package dev.breakeven.cluster;

import static dev.breakeven.cluster.CountersUnderTest.denied;
import static dev.breakeven.cluster.CountersUnderTest.granted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Memory stays bounded: counters that hold nothing any more leave memory, and come back exactly
 * as they left when used again. (Behaviour shared with other implementations is specified in the
 * other tests of this package.)
 */
class InProcessCountersTest {
    TestClock clock = new TestClock(Instant.parse("2027-03-10T12:00:00Z"));
    AtomicInteger sweeps = new AtomicInteger();
    InProcessCounters counters = new InProcessCounters(Duration.ofSeconds(10), task -> {
        sweeps.incrementAndGet();
        task.run();
    });

    static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void aBucket_leavesMemoryOnceItHasRefilled_notBefore() {
        for (int k = 0; k < 10_000; k++) granted(counters.reserve("k" + k, Window.MINUTE, 60, 60, clock.millis()));
        assertThat(counters.size()).isEqualTo(10_000);

        clock.advance(Duration.ofMillis(59_999));
        assertThat(counters.evictExpired(clock.millis())).isZero();

        clock.advance(Duration.ofMillis(1));
        assertThat(counters.evictExpired(clock.millis())).isEqualTo(10_000);
        assertThat(counters.size()).isZero();
    }

    @Test
    void aCalendarCounter_staysUntilItsPeriodEnds_unlessItHoldsNothing() {
        for (int k = 0; k < 100; k++) granted(counters.reserve("used" + k, Window.UTC_DAY, 10, 1_000, clock.millis()));
        for (int k = 0; k < 100; k++)
            granted(counters.reserve("released" + k, Window.UTC_DAY, 10, 1_000, clock.millis()))
                    .release(clock.millis());

        assertThat(counters.evictExpired(clock.millis())).isEqualTo(100);

        clock.set(at("2027-03-10T23:59:59.999Z"));
        assertThat(counters.evictExpired(clock.millis())).isZero();
        clock.set(at("2027-03-11T00:00:00Z"));
        assertThat(counters.evictExpired(clock.millis())).isEqualTo(100);
        assertThat(counters.size()).isZero();
    }

    @Test
    void anEvictedCounter_readsAndBehavesAsItDidBefore() {
        granted(counters.reserve("a", Window.MINUTE, 60, 60, clock.millis()));
        granted(counters.reserve("a", Window.UTC_MONTH, 500, 1_000, clock.millis()))
                .release(clock.millis());
        clock.advance(Duration.ofMinutes(1));
        Usage minuteBefore = counters.usage("a", Window.MINUTE, 60, clock.millis());
        Usage monthBefore = counters.usage("a", Window.UTC_MONTH, 1_000, clock.millis());

        assertThat(counters.evictExpired(clock.millis())).isEqualTo(2);

        assertThat(counters.usage("a", Window.MINUTE, 60, clock.millis())).isEqualTo(minuteBefore);
        assertThat(counters.usage("a", Window.UTC_MONTH, 1_000, clock.millis())).isEqualTo(monthBefore);
        granted(counters.reserve("a", Window.MINUTE, 60, 60, clock.millis()));
        granted(counters.reserve("a", Window.UTC_MONTH, 1_000, 1_000, clock.millis()));
    }

    @Test
    void aLeaseSettledAfterItsCounterLeftMemory_givesNothingBack_andCountsOnlyItsExcess() {
        Lease minute = granted(counters.reserve("a", Window.MINUTE, 60, 60, clock.millis()));
        Lease released = granted(counters.reserve("b", Window.MINUTE, 60, 60, clock.millis()));
        Lease day = granted(counters.reserve("a", Window.UTC_DAY, 500, 1_000, clock.millis()));
        clock.set(at("2027-03-11T00:00:00Z"));
        assertThat(counters.evictExpired(clock.millis())).isEqualTo(3);

        minute.settle(90, clock.millis()); // 30 more than it held: counted now
        released.release(clock.millis());
        day.settle(900, clock.millis()); // yesterday's: today is not touched

        assertThat(counters.usage("a", Window.MINUTE, 60, clock.millis()).used())
                .isEqualTo(30);
        assertThat(counters.usage("b", Window.MINUTE, 60, clock.millis()).used())
                .isZero();
        assertThat(counters.usage("a", Window.UTC_DAY, 1_000, clock.millis()).used())
                .isZero();
    }

    @Test
    void aSweep_neverLetsTimeRunBack_soAnEndedPeriodIsNotReopenedByALateCaller() {
        granted(counters.reserve("a", Window.UTC_DAY, 1_000, 1_000, clock.millis()));
        clock.set(at("2027-03-11T00:00:00.001Z"));
        assertThat(counters.evictExpired(clock.millis())).isEqualTo(1);

        // a caller whose clock still says yesterday is counted in today, not in a fresh yesterday
        Lease late = granted(counters.reserve("a", Window.UTC_DAY, 1_000, 1_000, at("2027-03-10T23:59:59.999Z")));

        assertThat(late.usage().resetAt()).isEqualTo(at("2027-03-12T00:00:00Z"));
        denied(counters.reserve("a", Window.UTC_DAY, 1, 1_000, clock.millis()));
    }

    @Test
    void reservationsStartASweep_atMostOncePerInterval() {
        granted(counters.reserve("a", Window.MINUTE, 1, 60, clock.millis()));
        assertThat(sweeps.get()).isEqualTo(1);

        clock.advance(Duration.ofMillis(9_999));
        granted(counters.reserve("b", Window.MINUTE, 1, 60, clock.millis()));
        assertThat(sweeps.get()).isEqualTo(1);
        assertThat(counters.size()).isEqualTo(2);

        clock.advance(Duration.ofMillis(1));
        granted(counters.reserveAll(java.util.List.of(new Claim("c", Window.MINUTE, 1, 60)), clock.millis()));
        assertThat(sweeps.get()).isEqualTo(2);
        assertThat(counters.size()).isEqualTo(2); // a refilled after 1 s and left; b and c hold one each
    }

    @Test
    void underAStreamOfNewKeys_memoryHoldsOnlyTheCountersStillHoldingSomething() {
        // half an hour; every second 100 accounts never seen before make one request (60 a minute:
        // refilled a second later). Without eviction that would be 180,000 counters.
        int highest = 0;
        for (int second = 0; second < 1_800; second++) {
            for (int k = 0; k < 100; k++)
                granted(counters.reserve(second + ":" + k, Window.MINUTE, 1, 60, clock.millis()));
            highest = Math.max(highest, counters.size());
            clock.advance(Duration.ofSeconds(1));
        }

        // at most what the last sweep interval (10 s) and the last second brought
        assertThat(highest).isLessThanOrEqualTo(1_100);
        assertThat(sweeps.get()).isEqualTo(180);
    }

    @Test
    void byDefault_sweepsRunOnAThreadOfTheirOwn() {
        InProcessCounters defaults = new InProcessCounters();

        granted(defaults.reserve("a", Window.MINUTE, 1, 1, clock.millis()));
        denied(defaults.reserve("a", Window.MINUTE, 1, 1, clock.millis()));
    }
}
