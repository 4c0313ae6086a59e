package dev.breakeven.cluster;

import static dev.breakeven.cluster.CountersUnderTest.denied;
import static dev.breakeven.cluster.CountersUnderTest.granted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Token allowances per UTC day and per UTC calendar month: what was used counts until the period
 * ends, then the counter starts from zero. A lease settled after its period ended changes nothing.
 */
@ParameterizedClass
@EnumSource(CountersUnderTest.class)
class CalendarWindowTest {

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

    Reservation day(long amount) {
        return counters.reserve("a:tokens", Window.UTC_DAY, amount, 1_000, clock.millis());
    }

    Usage dayUsage() {
        return counters.usage("a:tokens", Window.UTC_DAY, 1_000, clock.millis());
    }

    static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void aDay_grantsItsAllowance_thenDeniesUntilMidnightUtc() {
        granted(day(600));
        granted(day(400));

        Denial denial = denied(day(1));

        assertThat(denial.remaining()).isZero();
        assertThat(denial.retryAt()).isEqualTo(at("2027-03-11T00:00:00Z"));
        assertThat(denial.retryAfter()).isEqualTo(Duration.ofHours(12));
        assertThat(denial.usage().resetAt()).isEqualTo(at("2027-03-11T00:00:00Z"));
    }

    @Test
    void aDenial_forMoreThanIsLeft_waitsForTheNextPeriod_evenIfSomethingIsLeft() {
        granted(day(900));

        Denial denial = denied(day(200));

        assertThat(denial.remaining()).isEqualTo(100);
        assertThat(denial.retryAt()).isEqualTo(at("2027-03-11T00:00:00Z"));
        granted(day(100));
    }

    @Test
    void theDayStartsAgainAtMidnightUtc_notAMillisecondBefore() {
        granted(day(1_000));

        clock.set(at("2027-03-10T23:59:59.999Z"));
        assertThat(denied(day(1)).retryAfter()).isEqualTo(Duration.ofMillis(1));

        clock.set(at("2027-03-11T00:00:00Z"));
        assertThat(dayUsage()).isEqualTo(new Usage(1_000, 0, 1_000, at("2027-03-12T00:00:00Z"), clock.millis()));
        granted(day(1_000));
    }

    @Test
    void usage_ofAnAllowanceNeverUsed_isTheWholeAllowance_resettingAtTheEndOfThePeriod() {
        assertThat(counters.usage("a:tokens", Window.UTC_MONTH, 5_000_000, clock.millis()))
                .isEqualTo(new Usage(5_000_000, 0, 5_000_000, at("2027-04-01T00:00:00Z"), clock.millis()));
    }

    @Test
    void anAmountAboveTheAllowance_isDeniedForEver() {
        Denial denial = denied(day(1_001));

        assertThat(denial.canEverFit()).isFalse();
        assertThat(denial.remaining()).isEqualTo(1_000);
    }

    @ParameterizedTest(name = "{0} has {1} days")
    @CsvSource({"2027-01, 31", "2027-04, 30", "2027-02, 28", "2028-02, 29", "2027-12, 31"})
    void aMonth_runsFromTheFirstAtMidnightUtc_toTheFirstOfTheNext(YearMonth month, int days) {
        long first = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        long next = first + days * 86_400_000L;
        clock.set(first);
        granted(counters.reserve("a:tokens", Window.UTC_MONTH, 5_000, 5_000, clock.millis()));

        clock.set(first + days * 86_400_000L / 2);
        Denial denial = denied(counters.reserve("a:tokens", Window.UTC_MONTH, 1, 5_000, clock.millis()));
        assertThat(denial.retryAt()).isEqualTo(next);
        assertThat(Window.UTC_MONTH.start(clock.millis())).isEqualTo(first);
        assertThat(Window.UTC_MONTH.end(clock.millis())).isEqualTo(next);

        clock.set(next - 1);
        denied(counters.reserve("a:tokens", Window.UTC_MONTH, 1, 5_000, clock.millis()));

        clock.set(next);
        granted(counters.reserve("a:tokens", Window.UTC_MONTH, 5_000, 5_000, clock.millis()));
    }

    @Test
    void aDayAndAMonthOfTheSameKey_countIndependently() {
        granted(day(1_000));

        granted(counters.reserve("a:tokens", Window.UTC_MONTH, 30_000, 30_000, clock.millis()));
        denied(day(1));
    }

    @Test
    void aLeaseSettledInItsOwnDay_keepsWhatWasUsed_givingBackOrAddingTheDifference() {
        Lease less = granted(day(500));
        less.settle(200, clock.millis());
        assertThat(dayUsage().used()).isEqualTo(200);

        Lease more = granted(day(100));
        more.settle(300, clock.millis());
        assertThat(dayUsage().used()).isEqualTo(500);
        assertThat(dayUsage().remaining()).isEqualTo(500);
    }

    @Test
    void aLeaseSettledAboveTheAllowance_takesTheDayOverIt_andEverythingWaitsForMidnight() {
        granted(day(1_000)).settle(1_200, clock.millis());

        assertThat(dayUsage().used()).isEqualTo(1_200);
        assertThat(dayUsage().remaining()).isZero();
        assertThat(denied(day(1)).retryAt()).isEqualTo(at("2027-03-11T00:00:00Z"));
    }

    @Test
    void leasesSettledAfterMidnight_leaveTheNewDayAlone_whetherTheyGiveBackOrAdd() {
        clock.set(at("2027-03-10T23:59:00Z"));
        Lease givesBack = granted(day(500));
        Lease adds = granted(day(300));
        Lease released = granted(day(200));

        clock.set(at("2027-03-11T00:01:00Z"));
        granted(day(800));
        assertThat(givesBack.settle(100, clock.millis())).isTrue();
        assertThat(adds.settle(900, clock.millis())).isTrue();
        assertThat(released.release(clock.millis())).isTrue();

        assertThat(dayUsage().used()).isEqualTo(800);
        granted(day(200));
        denied(day(1));
    }

    @Test
    void aLeaseSettledAfterItsMonthEnded_leavesTheNewMonthAlone() {
        clock.set(at("2027-02-28T23:59:59Z"));
        Lease lease = granted(counters.reserve("a:tokens", Window.UTC_MONTH, 4_000, 5_000, clock.millis()));

        clock.set(at("2027-03-01T00:00:01Z"));
        lease.settle(10_000, clock.millis());

        assertThat(counters.usage("a:tokens", Window.UTC_MONTH, 5_000, clock.millis())
                        .used())
                .isZero();
    }

    @Test
    void periodsAreUtcCalendarPeriods_atAnyInstant() {
        assertThat(Window.UTC_DAY.start(at("2027-03-10T23:30:00Z"))).isEqualTo(at("2027-03-10T00:00:00Z"));
        assertThat(Window.UTC_DAY.end(at("2027-03-10T00:00:00Z"))).isEqualTo(at("2027-03-11T00:00:00Z"));
        assertThat(Window.UTC_MONTH.start(at("2028-02-29T23:59:59.999Z"))).isEqualTo(at("2028-02-01T00:00:00Z"));
        assertThat(Window.UTC_MONTH.end(at("2028-02-29T23:59:59.999Z"))).isEqualTo(at("2028-03-01T00:00:00Z"));
        assertThat(Window.UTC_DAY.start(at("1969-12-31T12:00:00Z"))).isEqualTo(at("1969-12-31T00:00:00Z"));
    }
}
