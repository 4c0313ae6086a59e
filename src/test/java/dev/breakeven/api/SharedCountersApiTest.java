package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.TestClock;
import dev.breakeven.testing.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counters in Redis ({@code cluster.counters: redis}) at the HTTP boundary: nodes that share one
 * Redis enforce one limit between them, and a Redis that cannot be reached refuses admission
 * (503, Retry-After) rather than admitting unchecked.
 */
class SharedCountersApiTest {
    static final String PLAN = """
            plans:
              - {id: free, name: Free, models: [assistant], requests_per_minute: 5, overage: refuse}
            default_plan: free
            cluster: {counters: redis, redis_timeout_ms: 500}
            """;

    @TempDir
    Path dir;

    @Test
    void twoNodesSharingOneRedis_admitExactlyThePlansRequestsPerMinute_betweenThem() throws Exception {
        String redis = System.getenv("BREAKEVEN_TEST_REDIS_URL");
        Assumptions.assumeTrue(
                redis != null && !redis.isBlank(),
                "BREAKEVEN_TEST_REDIS_URL is unset: two-node Redis run skipped (.ci/run sets it)");
        String database = TestDatabase.POSTGRESQL.freshUrl(dir); // one database for both, as in production
        TestClock clock = new TestClock(Instant.now()); // stands still: the bucket refills nothing meanwhile
        try (Gateway a = node("a", database, redis, clock);
                Gateway b = node("b", database, redis, clock)) {
            List<Integer> statuses = race(12, i -> (i % 2 == 0 ? a : b)
                    .post("/v1/chat/completions", a.userKey, Gateway.chat("assistant", false, "")));

            assertThat(statuses).filteredOn(s -> s == 200).hasSize(5);
            assertThat(statuses).filteredOn(s -> s == 429).hasSize(7);
            assertThat(a.upstream.requestCount() + b.upstream.requestCount()).isEqualTo(5);
        }
    }

    @Test
    void anUnreachableRedis_refusesTheRequestWith503AndRetryAfter_andNothingReachesTheModel() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (Gateway gw = Gateway.in(dir)
                .yaml(PLAN)
                .env("BREAKEVEN_REDIS_URL", "redis://127.0.0.1:" + closedPort)
                .start()) {
            HttpResponse<String> res =
                    gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", false, ""));

            assertThat(res.statusCode()).isEqualTo(503);
            assertThat(res.headers().firstValue("retry-after")).hasValue("1");
            assertThat(Gateway.json(res).get("error").get("code").asText()).isEqualTo("counters_unavailable");
            assertThat(gw.upstream.requestCount()).isZero();
        }
    }

    Gateway node(String name, String database, String redis, TestClock clock) {
        return Gateway.in(dir.resolve(name))
                .database(database)
                .clock(clock)
                .yaml(PLAN)
                .env("BREAKEVEN_REDIS_URL", redis)
                .start();
    }

    interface Call {
        HttpResponse<String> send(int index);
    }

    /** Sends {@code n} requests at once (released together by a latch); their statuses in order. */
    static List<Integer> race(int n, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.send(index).statusCode();
                }));
            }
            start.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : futures) statuses.add(f.get());
            return statuses;
        } finally {
            pool.shutdownNow();
        }
    }
}
