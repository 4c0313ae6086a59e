package dev.breakeven.cluster;

import static dev.breakeven.cluster.CountersUnderTest.denied;
import static dev.breakeven.cluster.CountersUnderTest.granted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One request holds its requests per minute, tokens per minute, tokens today and tokens this month
 * at once, or none of them; a refusal says the longest wait.
 */
@ParameterizedClass
@EnumSource(CountersUnderTest.class)
class GroupReservationTest {
    static final long RPM = 3;
    static final long TPM = 10_000;
    static final long DAY = 50_000;
    static final long MONTH = 1_000_000;

    @Parameter
    CountersUnderTest implementation;

    Counters counters;
    TestClock clock = new TestClock(Instant.parse("2027-03-10T18:00:00Z"));

    @BeforeEach
    void open() {
        counters = implementation.open();
    }

    @AfterEach
    void discard() {
        CountersUnderTest.discard(counters);
    }

    /** What admission of one chat request would claim for account {@code a}. */
    static List<Claim> request(long tokens) {
        return List.of(
                new Claim("a:requests", Window.MINUTE, 1, RPM),
                new Claim("a:tokens", Window.MINUTE, tokens, TPM),
                new Claim("a:tokens", Window.UTC_DAY, tokens, DAY),
                new Claim("a:tokens", Window.UTC_MONTH, tokens, MONTH));
    }

    Usage usage(String key, Window window, long limit) {
        return counters.usage(key, window, limit, clock.millis());
    }

    @Test
    void whenEveryClaimFits_oneLeasePerClaim_inTheClaimsOrder() {
        Leases leases = granted(counters.reserveAll(request(4_000), clock.millis()));

        assertThat(leases.leases())
                .extracting(Lease::key, Lease::window, Lease::amount)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a:requests", Window.MINUTE, 1L),
                        org.assertj.core.groups.Tuple.tuple("a:tokens", Window.MINUTE, 4_000L),
                        org.assertj.core.groups.Tuple.tuple("a:tokens", Window.UTC_DAY, 4_000L),
                        org.assertj.core.groups.Tuple.tuple("a:tokens", Window.UTC_MONTH, 4_000L));
        assertThat(leases.get(1).usage().remaining()).isEqualTo(6_000);
    }

    @Test
    void aRequestIsSettledPerCounter_oneRequest_andTheTokensItReallyUsed() {
        Leases leases = granted(counters.reserveAll(request(4_000), clock.millis()));

        leases.get(0).settle(1, clock.millis());
        for (int i = 1; i < 4; i++) leases.get(i).settle(1_250, clock.millis());

        assertThat(usage("a:requests", Window.MINUTE, RPM).used()).isEqualTo(1);
        assertThat(usage("a:tokens", Window.MINUTE, TPM).used()).isEqualTo(1_250);
        assertThat(usage("a:tokens", Window.UTC_DAY, DAY).used()).isEqualTo(1_250);
        assertThat(usage("a:tokens", Window.UTC_MONTH, MONTH).used()).isEqualTo(1_250);
    }

    @Test
    void whenOneClaimDoesNotFit_noneIsHeld_andItsDenialIsReturned() {
        granted(counters.reserve("a:tokens", Window.MINUTE, 8_000, TPM, clock.millis()));

        Denial denial = denied(counters.reserveAll(request(4_000), clock.millis()));

        assertThat(denial.key()).isEqualTo("a:tokens");
        assertThat(denial.window()).isEqualTo(Window.MINUTE);
        assertThat(denial.remaining()).isEqualTo(2_000);
        assertThat(usage("a:requests", Window.MINUTE, RPM).used()).isZero();
        assertThat(usage("a:tokens", Window.MINUTE, TPM).used()).isEqualTo(8_000);
        assertThat(usage("a:tokens", Window.UTC_DAY, DAY).used()).isZero();
        assertThat(usage("a:tokens", Window.UTC_MONTH, MONTH).used()).isZero();
    }

    @Test
    void whenSeveralDoNotFit_theDenialWithTheLongestWaitIsReturned() {
        for (int i = 0; i < RPM; i++) granted(counters.reserve("a:requests", Window.MINUTE, 1, RPM, clock.millis()));
        granted(counters.reserve("a:tokens", Window.UTC_DAY, DAY, DAY, clock.millis()));

        Denial denial = denied(counters.reserveAll(request(100), clock.millis()));

        // requests per minute would fit again in 20 s; the day's tokens at midnight, in 6 h
        assertThat(denial.window()).isEqualTo(Window.UTC_DAY);
        assertThat(denial.retryAfter()).isEqualTo(Duration.ofHours(6));
    }

    @Test
    void anAmountAboveALimit_isTheLongestWaitOfAll() {
        granted(counters.reserve("a:tokens", Window.UTC_MONTH, MONTH, MONTH, clock.millis()));

        Denial denial = denied(counters.reserveAll(request(TPM + 1), clock.millis()));

        assertThat(denial.window()).isEqualTo(Window.MINUTE);
        assertThat(denial.key()).isEqualTo("a:tokens");
        assertThat(denial.canEverFit()).isFalse();
    }

    @Test
    void aDeniedGroup_leavesTheOtherCountersAsTheyWere_evenLaterInTime() {
        Leases first = granted(counters.reserveAll(request(6_000), clock.millis()));
        clock.advance(Duration.ofSeconds(6)); // 1,000 tokens and 0.3 requests refilled

        denied(counters.reserveAll(request(6_000), clock.millis()));

        assertThat(usage("a:tokens", Window.MINUTE, TPM).used()).isEqualTo(5_000);
        assertThat(usage("a:tokens", Window.UTC_DAY, DAY).used()).isEqualTo(6_000);
        first.release(clock.millis());
        assertThat(usage("a:tokens", Window.UTC_DAY, DAY).used()).isZero();
        assertThat(usage("a:tokens", Window.MINUTE, TPM).used()).isZero();
    }

    @Test
    void theSameCounterTwice_orNoClaimAtAll_isRefused() {
        List<Claim> twice =
                List.of(new Claim("a:tokens", Window.UTC_DAY, 1, DAY), new Claim("a:tokens", Window.UTC_DAY, 2, DAY));

        assertThatThrownBy(() -> counters.reserveAll(twice, clock.millis()))
                .isInstanceOfSatisfying(
                        ClusterException.class, e -> assertThat(e.code()).isEqualTo("invalid_argument"));
        assertThatThrownBy(() -> counters.reserveAll(List.of(), clock.millis()))
                .isInstanceOfSatisfying(
                        ClusterException.class, e -> assertThat(e.code()).isEqualTo("invalid_argument"));
        assertThat(usage("a:tokens", Window.UTC_DAY, DAY).used()).isZero();
    }

    @Test
    void badClaims_areRefusedWithInvalidArgument_andLimitsStayWhereEveryStoreCountsExactly() {
        assertThatThrownBy(() -> new Claim("a", Window.UTC_DAY, -1, 10))
                .isInstanceOfSatisfying(
                        ClusterException.class, e -> assertThat(e.code()).isEqualTo("invalid_argument"));
        assertThatThrownBy(() -> counters.reserve("a", Window.UTC_DAY, 1, 0, clock.millis()))
                .isInstanceOfSatisfying(
                        ClusterException.class, e -> assertThat(e.code()).isEqualTo("invalid_argument"));
        assertThatThrownBy(() -> counters.reserve("", Window.MINUTE, 1, 1, clock.millis()))
                .isInstanceOfSatisfying(
                        ClusterException.class, e -> assertThat(e.code()).isEqualTo("invalid_argument"));
        long largestPerMinute = Claim.MAX_UNITS / 60_000;
        granted(counters.reserve("a", Window.MINUTE, largestPerMinute, largestPerMinute, clock.millis()));
        assertThatThrownBy(() -> counters.reserve("a", Window.MINUTE, 1, largestPerMinute + 1, clock.millis()))
                .isInstanceOfSatisfying(
                        ClusterException.class, e -> assertThat(e.code()).isEqualTo("invalid_argument"));
        granted(counters.reserve("a", Window.UTC_MONTH, Claim.MAX_UNITS, Claim.MAX_UNITS, clock.millis()));
        assertThatThrownBy(() -> counters.reserve("a", Window.UTC_MONTH, 1, Claim.MAX_UNITS + 1, clock.millis()))
                .isInstanceOfSatisfying(
                        ClusterException.class, e -> assertThat(e.code()).isEqualTo("invalid_argument"));
    }
}
