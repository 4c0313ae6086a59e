package dev.breakeven.cluster;

import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * The implementations every behavioural test of {@link Counters} runs on: a test class annotated
 * {@code @ParameterizedClass @EnumSource(CountersUnderTest.class)} runs once per implementation.
 * Redis is taken from {@code BREAKEVEN_TEST_REDIS_URL} (which {@code .ci/run} sets); unset, the
 * Redis runs are skipped, saying so.
 */
enum CountersUnderTest {
    IN_PROCESS,
    REDIS;

    static final String REDIS_URL_VARIABLE = "BREAKEVEN_TEST_REDIS_URL";

    /**
     * Fresh, empty counters. In process, sweeps run in the calling thread, so nothing happens
     * behind a test's back; in Redis, each gets keys under a prefix of its own, so tests (and
     * runs) never see each other's counters.
     */
    Counters open() {
        return switch (this) {
            case IN_PROCESS -> new InProcessCounters(Duration.ofSeconds(10), Runnable::run);
            case REDIS -> {
                String prefix = "bk-test:" + UUID.randomUUID() + ":";
                RedisCounters counters = new RedisCounters(SharedRedis.link(), prefix, false);
                SharedRedis.prefixes.put(counters, prefix);
                yield counters;
            }
        };
    }

    /** Deletes what {@code counters} stored in Redis (keys would otherwise stay until their periods end). */
    static void discard(Counters counters) {
        String prefix = counters == null ? null : SharedRedis.prefixes.remove(counters);
        if (prefix == null) return;
        RedisCommands<String, String> redis = SharedRedis.link.commands();
        List<String> keys = new ArrayList<>();
        ScanIterator.scan(redis, ScanArgs.Builder.matches(prefix + "*").limit(1_000))
                .forEachRemaining(keys::add);
        if (!keys.isEmpty()) redis.unlink(keys.toArray(String[]::new));
    }

    /** One connection for every Redis test of this JVM (a client per test would start threads per test). */
    static final class SharedRedis {
        private static RedisLink link;
        private static final Map<Counters, String> prefixes = new ConcurrentHashMap<>();

        static synchronized RedisLink link() {
            String url = System.getenv(REDIS_URL_VARIABLE);
            Assumptions.assumeTrue(
                    url != null && !url.isBlank(),
                    REDIS_URL_VARIABLE + " is unset: Redis run skipped (.ci/run sets it)");
            if (link == null) link = RedisLink.open(url, Duration.ofSeconds(5));
            return link;
        }
    }

    static Lease granted(Reservation reservation) {
        if (reservation instanceof Lease lease) return lease;
        throw new AssertionError("expected a lease, got " + reservation);
    }

    static Denial denied(Reservation reservation) {
        if (reservation instanceof Denial denial) return denial;
        throw new AssertionError("expected a denial, got " + reservation);
    }

    static Leases granted(GroupReservation reservation) {
        if (reservation instanceof Leases leases) return leases;
        throw new AssertionError("expected leases, got " + reservation);
    }

    static Denial denied(GroupReservation reservation) {
        if (reservation instanceof Denial denial) return denial;
        throw new AssertionError("expected a denial, got " + reservation);
    }
}
