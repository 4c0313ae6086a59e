package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.TestClock;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

    final TestClock clock = new TestClock(Instant.parse("2026-06-15T12:00:00Z"));
    final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.in(dir).mockCapacity(1).clock(clock).start();
        gw.upstream.settings().hold(true);
    }

    @AfterAll
    void stop() {
        clients.shutdownNow();
        gw.close();
    }

    Future<HttpResponse<String>> send() {
        return clients.submit(() -> gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", false, "")));
    }

    @Test
    void aBackendRunsNoMoreThanItsCapacity_andTheWaitIsReportedInAHeaderAndOnMetrics() throws Exception {
        Future<HttpResponse<String>> first = send();
        assertThat(gw.upstream.awaitRequests(1, Duration.ofSeconds(10))).isTrue();
        Future<HttpResponse<String>> second = send();
        gw.awaitWaiting("mock", "default", 1);

        clock.advance(Duration.ofMillis(700));
        gw.upstream.releaseHeld(1);
        assertThat(gw.upstream.awaitRequests(2, Duration.ofSeconds(10))).isTrue();
        gw.upstream.releaseHeld(1);
        HttpResponse<String> ran = first.get(10, TimeUnit.SECONDS);
        HttpResponse<String> waited = second.get(10, TimeUnit.SECONDS);

        assertThat(gw.upstream.maxConcurrent())
                .as("the mock never ran two at once")
                .isEqualTo(1);
        assertThat(ran.statusCode()).isEqualTo(200);
        assertThat(ran.headers().firstValue("x-breakeven-queue-ms")).hasValue("0");
        assertThat(waited.statusCode()).isEqualTo(200);
        assertThat(waited.headers().firstValue("x-breakeven-queue-ms"))
                .as("it waited while the clock moved 700 ms")
                .hasValue("700");
        String metrics = gw.get("/metrics", null).body();
        assertThat(metrics)
                .contains("breakeven_scheduler_queue_ms_max{backend=\"mock\",class=\"default\"} 700.0")
                .contains("breakeven_scheduler_capacity{backend=\"mock\"} 1.0");
    }
}
