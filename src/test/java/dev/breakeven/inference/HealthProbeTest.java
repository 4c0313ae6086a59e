package dev.breakeven.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakeven.testing.MockError;
import dev.breakeven.testing.MockUpstream;
import dev.breakeven.testing.TestClock;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /models} probes of real backends, and the checker that runs them on a schedule. */
class HealthProbeTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofMillis(500);

    MockUpstream mock;
    IdleWatch idle;
    TestClock clock;

    @BeforeEach
    void start() {
        mock = MockUpstream.start();
        idle = new IdleWatch();
        clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
    }

    @AfterEach
    void stop() {
        idle.close();
        mock.close();
    }

    private OpenAiBackend backend(String id, String baseUrl, String key) {
        var settings = new OpenAiBackend.Settings(
                id, URI.create(baseUrl), key, 4, Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5));
        return new OpenAiBackend(settings, JSON, idle);
    }

    private ProbeResult probe(OpenAiBackend backend) {
        return backend.probe(TIMEOUT).orElseThrow();
    }

    @Test
    void aServerListingItsModels_isHealthy_andTheProbeCarriesTheKey() {
        mock.settings().apiKey("upstream-secret");
        try (OpenAiBackend b = backend("gpu", mock.baseUrl(), "upstream-secret")) {
            assertThat(probe(b)).isEqualTo(ProbeResult.healthy("HTTP 200"));
        }
        assertThat(mock.lastRequest().method()).isEqualTo("GET");
        assertThat(mock.lastRequest().path()).isEqualTo("/v1/models");
    }

    @Test
    void overloadedServersAndRefusedKeys_areUnhealthy_aServerWithoutAModelListIsNot() {
        try (OpenAiBackend b = backend("gpu", mock.baseUrl(), "wrong")) {
            mock.settings().failModels(MockError.overloaded());
            assertThat(probe(b)).isEqualTo(ProbeResult.unhealthy("HTTP 503"));
            mock.settings().failModels(MockError.rateLimited());
            assertThat(probe(b)).isEqualTo(ProbeResult.unhealthy("HTTP 429"));
            mock.settings().failModels(null).apiKey("right");
            assertThat(probe(b)).isEqualTo(ProbeResult.unhealthy("credentials refused (HTTP 401)"));
        }
        try (OpenAiBackend b = backend("gpu", mock.baseUrl() + "/nowhere", null)) {
            mock.settings().apiKey(null);
            ProbeResult result = probe(b);
            assertThat(result.healthy()).isTrue();
            assertThat(result.detail()).contains("404");
        }
    }

    @Test
    void anUnreachableServer_isUnhealthy() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (OpenAiBackend b = backend("gone", "http://127.0.0.1:" + closedPort + "/v1", null)) {
            ProbeResult result = probe(b);
            assertThat(result.healthy()).isFalse();
            assertThat(result.detail()).contains("not reachable");
        }
    }

    @Test
    void aServerThatNeverAnswers_isUnhealthy_afterTheProbeTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0); // accepts connections (backlog), never answers
                OpenAiBackend b = backend("silent", "http://127.0.0.1:" + silent.getLocalPort() + "/v1", null)) {
            assertThat(probe(b)).isEqualTo(ProbeResult.unhealthy("no answer within 500 ms"));
        }
    }

    @Test
    void scheduledProbes_openADeadBackendWithoutAnyRequest_andLetItBackWhenItAnswers() throws Exception {
        mock.settings().failModels(MockError.overloaded());
        try (OpenAiBackend b = backend("gpu", mock.baseUrl(), null)) {
            Router router = new Router(
                    List.of(new Router.Member(b, "openai", CircuitBreaker.Settings.of(3, Duration.ofMinutes(5)))),
                    clock);
            HealthProbe health =
                    new HealthProbe(router, List.of(new HealthProbe.Target(b, Duration.ofMillis(5), TIMEOUT))).start();
            try {
                // probes of one backend never overlap: the 4th arrives after the 3rd was recorded
                assertThat(mock.awaitRequests(4, Duration.ofSeconds(10))).isTrue();
                assertThat(router.breaker("gpu").state()).isEqualTo(CircuitBreaker.State.OPEN);
                assertThat(router.backends().getFirst().lastProbe().detail()).isEqualTo("HTTP 503");

                mock.settings().failModels(null);
                long seen = mock.requestCount();
                // one probe may have read the old setting; the next one passes; a third proves it was recorded
                assertThat(mock.awaitRequests(seen + 3, Duration.ofSeconds(10))).isTrue();
                assertThat(router.breaker("gpu").state())
                        .as("back before the 5-minute cool-down, for a trial request")
                        .isEqualTo(CircuitBreaker.State.HALF_OPEN);
            } finally {
                health.close();
            }
            assertThat(health.isStopped()).isTrue();
            assertThat(mock.requests()).allSatisfy(r -> assertThat(r.path()).isEqualTo("/v1/models"));
        }
    }

    @Test
    void backendsWithNothingToProbe_areLeftAlone_andAProbeThatThrowsIsAFailedProbe() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch thirdCall = new CountDownLatch(3);
        Backend inProcess = new StubBackend("cpu", null); // keeps Backend's default probe()
        Backend flaky = new StubBackend("flaky", () -> {
            calls.incrementAndGet();
            thirdCall.countDown();
            throw new IllegalStateException("boom");
        });
        CircuitBreaker.Settings breaker = CircuitBreaker.Settings.of(5, Duration.ofSeconds(30));
        Router router = new Router(
                List.of(new Router.Member(inProcess, "llama", breaker), new Router.Member(flaky, "openai", breaker)),
                clock);
        HealthProbe health = new HealthProbe(
                router,
                List.of(
                        new HealthProbe.Target(inProcess, Duration.ofMillis(5), TIMEOUT),
                        new HealthProbe.Target(flaky, Duration.ofMillis(5), TIMEOUT)));

        assertThat(health.probeNow("cpu")).isEmpty();
        health.start();
        try {
            assertThat(thirdCall.await(10, TimeUnit.SECONDS))
                    .as("an exception does not stop later probes")
                    .isTrue();
        } finally {
            health.close();
        }

        assertThat(router.backends().getFirst().lastProbe()).isNull();
        BackendStatus.LastProbe last = router.backends().get(1).lastProbe();
        assertThat(last.healthy()).isFalse();
        assertThat(last.detail()).contains("boom");
        assertThat(router.breaker("flaky").consecutiveProbeFailures()).isEqualTo(calls.get());
    }

    @Test
    void aZeroInterval_meansNoScheduledProbes() {
        try (OpenAiBackend b = backend("gpu", mock.baseUrl(), null)) {
            Router router =
                    new Router(List.of(new Router.Member(b, "openai", CircuitBreaker.Settings.defaults())), clock);
            HealthProbe health =
                    new HealthProbe(router, List.of(new HealthProbe.Target(b, Duration.ZERO, TIMEOUT))).start();
            health.close();
            assertThat(mock.requestCount()).isZero();

            assertThat(health.probeNow("gpu")).contains(ProbeResult.healthy("HTTP 200"));
            assertThat(router.backends().getFirst().lastProbe().healthy()).isTrue();
        }
    }

    /** A backend that only answers probes (an in-process one, or one that breaks). */
    private record StubBackend(String id, java.util.function.Supplier<Optional<ProbeResult>> probes)
            implements Backend {
        @Override
        public int capacity() {
            return 1;
        }

        @Override
        public Completion complete(GenerationRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public StreamEnd stream(GenerationRequest request, ChunkSink sink) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<ProbeResult> probe(Duration timeout) {
            return probes == null ? Backend.super.probe(timeout) : probes.get();
        }
    }
}
