package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.testing.Gateway;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The compute scheduler at the HTTP boundary: a backend's capacity holds, waits are reported. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SchedulerApiTest {
    @TempDir
    static Path dir;

    Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.in(dir).mockCapacity(1).start();
        gw.upstream.settings().timeToFirstToken(Duration.ofMillis(300));
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void aBackendRunsNoMoreThanItsCapacity_andTheWaitIsReportedInAHeaderAndOnMetrics() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sent.add(pool.submit(
                    () -> gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", false, ""))));
        }
        List<Long> waits = new ArrayList<>();
        for (Future<HttpResponse<String>> f : sent) {
            HttpResponse<String> res = f.get();
            assertThat(res.statusCode()).isEqualTo(200);
            waits.add(Long.parseLong(
                    res.headers().firstValue("x-breakeven-queue-ms").orElseThrow()));
        }
        pool.shutdown();

        assertThat(gw.upstream.maxConcurrent())
                .as("the mock never ran two at once")
                .isEqualTo(1);
        assertThat(waits.stream().sorted().toList().get(2))
                .as("the last one waited for the two before it")
                .isGreaterThanOrEqualTo(500);
        String metrics = gw.get("/metrics", null).body();
        assertThat(metrics).contains("breakeven_scheduler_queue_ms").contains("breakeven_scheduler_capacity");
    }
}
