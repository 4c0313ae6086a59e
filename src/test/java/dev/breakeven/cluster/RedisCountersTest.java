package dev.breakeven.cluster;

import static dev.breakeven.cluster.CountersUnderTest.granted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.testing.TestClock;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What only the Redis implementation has to do (the behaviour it shares with the others is
 * specified in the other tests of this package): keys of one account in one hash slot, expiry
 * instead of a sweep, scripts that survive a flushed Redis, and refusal when Redis cannot be reached.
 */
class RedisCountersTest {
    TestClock clock = new TestClock(Instant.parse("2027-03-10T12:00:00Z"));
    Counters counters = CountersUnderTest.REDIS.open();
    RedisCounters redisCounters = (RedisCounters) counters;
    RedisCommands<String, String> redis = CountersUnderTest.SharedRedis.link().commands();

    @AfterEach
    void discard() {
        CountersUnderTest.discard(counters);
    }

    @Test
    void aCounter_isStoredUnderItsAccountsHashTag_andExpiresWhenItWouldHoldNothing() {
        granted(counters.reserve("acct_1:tpm", Window.MINUTE, 30_000, 60_000, clock.millis()));
        granted(counters.reserve("acct_1:day", Window.UTC_DAY, 500, 1_000, clock.millis()));

        String bucket = redisCounters.counterKey("acct_1:tpm", Window.MINUTE);
        String day = redisCounters.counterKey("acct_1:day", Window.UTC_DAY);
        assertThat(bucket).endsWith("ctr:{acct_1}:tpm:minute");
        assertThat(day).endsWith("ctr:{acct_1}:day:day");
        // half the bucket refills in 30 s; the day ends in 12 h (Redis counts the ttl down meanwhile)
        assertThat(redis.pttl(bucket)).isBetween(25_000L, 30_000L);
        assertThat(redis.pttl(day))
                .isBetween(
                        Duration.ofHours(12).minusSeconds(5).toMillis(),
                        Duration.ofHours(12).toMillis());
    }

    @Test
    void aCounterBackAtZero_isDeletedAtOnce() {
        Lease lease = granted(counters.reserve("acct_1:day", Window.UTC_DAY, 500, 1_000, clock.millis()));

        lease.release(clock.millis());

        assertThat(redis.exists(redisCounters.counterKey("acct_1:day", Window.UTC_DAY)))
                .isZero();
        assertThat(counters.usage("acct_1:day", Window.UTC_DAY, 1_000, clock.millis())
                        .used())
                .isZero();
    }

    @Test
    void aSettlementsMarker_isForgottenWithinTheRetryWindow_evenForAMonth() {
        Lease lease = granted(counters.reserve("acct_1:month", Window.UTC_MONTH, 500, 1_000, clock.millis()));

        lease.settle(200, clock.millis());

        List<String> markers = redis.keys(redisCounters
                .counterKey("acct_1:x", Window.UTC_MONTH)
                .replace("ctr:{acct_1}:x:month", "lease:{acct_1}:*"));
        assertThat(markers).hasSize(1);
        assertThat(redis.pttl(markers.getFirst())).isBetween(1L, RedisCounters.RETRY_WINDOW_MILLIS);
    }

    @Test
    void aGroupOverTwoAccounts_isRefused_andHoldsNothing() {
        List<Claim> group = List.of(
                new Claim("acct_1:tokens", Window.UTC_DAY, 1, 10), new Claim("acct_2:tokens", Window.UTC_DAY, 1, 10));

        assertThatThrownBy(() -> counters.reserveAll(group, clock.millis()))
                .isInstanceOfSatisfying(
                        ClusterException.class, e -> assertThat(e.code()).isEqualTo("invalid_argument"));
        assertThat(counters.usage("acct_1:tokens", Window.UTC_DAY, 10, clock.millis())
                        .used())
                .isZero();
    }

    @Test
    void aRedisThatLostItsScripts_isGivenThemAgain() {
        granted(counters.reserve("acct_1:rpm", Window.MINUTE, 1, 2, clock.millis()));

        redis.scriptFlush();

        granted(counters.reserve("acct_1:rpm", Window.MINUTE, 1, 2, clock.millis()));
        assertThat(counters.reserve("acct_1:rpm", Window.MINUTE, 1, 2, clock.millis()))
                .isInstanceOf(Denial.class);
    }

    @Test
    void anUnreachableRedis_isCountersUnavailable_onEveryCall_withinTheTimeout() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (RedisCounters unreachable =
                RedisCounters.connect("redis://127.0.0.1:" + closedPort, Duration.ofMillis(500))) {
            long started = System.nanoTime();

            assertThatThrownBy(() -> unreachable.reserve("acct_1:rpm", Window.MINUTE, 1, 10, clock.millis()))
                    .isInstanceOfSatisfying(
                            ClusterException.class, e -> assertThat(e.code()).isEqualTo("counters_unavailable"));
            assertThatThrownBy(() -> unreachable.usage("acct_1:rpm", Window.MINUTE, 10, clock.millis()))
                    .isInstanceOfSatisfying(
                            ClusterException.class, e -> assertThat(e.code()).isEqualTo("counters_unavailable"));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void aUrlThatIsNotRedis_isRefusedAsAnInvalidArgument() {
        assertThatThrownBy(() -> RedisCounters.connect("http://127.0.0.1:6379", Duration.ofMillis(500)))
                .isInstanceOfSatisfying(
                        ClusterException.class, e -> assertThat(e.code()).isEqualTo("invalid_argument"));
    }
}
