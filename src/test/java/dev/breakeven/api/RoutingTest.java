package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageQuery;
import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.MockError;
import dev.breakeven.testing.MockUpstream;
import dev.breakeven.testing.TestClock;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing through a real gateway: the {@code assistant} model prefers {@code primary} (a second
 * mock upstream) and falls back to {@code mock}. Time moves only when a test moves the clock.
 */
class RoutingTest {
    static final Duration COOL_DOWN = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
    MockUpstream primary;
    Gateway gw;

    @BeforeEach
    void startPrimary() {
        primary = MockUpstream.start();
    }

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        primary.close();
    }

    private Gateway.Builder gateway() {
        return Gateway.in(dir).preferredBackend("primary", primary.baseUrl()).clock(clock);
    }

    private HttpResponse<String> chat(boolean stream) {
        return gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", stream, ""));
    }

    /** The backend that served the latest turn, from its usage event. */
    private String lastBackend() {
        return lastEvent().backend();
    }

    private UsageEvent lastEvent() {
        return gw.server.journal().usage(UsageQuery.all()).getLast();
    }

    private JsonNode backend(String id) {
        HttpResponse<String> res = gw.get("/admin/v1/backends", gw.operatorKey);
        assertThat(res.statusCode()).isEqualTo(200);
        for (JsonNode b : Gateway.json(res).get("data")) {
            if (b.get("id").asText().equals(id)) return b;
        }
        throw new AssertionError("no backend " + id + " in " + res.body());
    }

    private String metrics() {
        return gw.get("/metrics", null).body();
    }

    @Test
    void aFailingPreferredBackend_isLeftAlone_afterTheThreshold_andGetsTrafficBackAfterTheCoolDown() {
        gw = gateway().breakers(3, COOL_DOWN).start();
        primary.settings().failAlways(MockError.overloaded());

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> res = chat(i % 2 == 0);
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(lastBackend()).isEqualTo("mock");
        }
        assertThat(primary.requestCount()).isEqualTo(3);
        JsonNode state = backend("primary");
        assertThat(state.get("state").asText()).isEqualTo("open");
        assertThat(state.get("consecutive_failures").asInt()).isEqualTo(3);
        assertThat(state.get("cool_down_remaining_ms").asLong()).isEqualTo(COOL_DOWN.toMillis());
        assertThat(metrics())
                .contains("breakeven_backend_state{backend=\"primary\"} 2.0")
                .contains("breakeven_backend_state{backend=\"mock\"} 0.0");

        long mockBefore = gw.upstream.requestCount();
        for (int i = 0; i < 4; i++) assertThat(chat(i % 2 == 0).statusCode()).isEqualTo(200);
        assertThat(primary.requestCount())
                .as("an open backend gets no requests")
                .isEqualTo(3);
        assertThat(gw.upstream.requestCount()).isEqualTo(mockBefore + 4);

        primary.settings().clearFailures();
        clock.advance(COOL_DOWN.minusSeconds(1));
        assertThat(chat(false).statusCode()).isEqualTo(200);
        assertThat(primary.requestCount()).as("still cooling down").isEqualTo(3);

        clock.advance(Duration.ofSeconds(1));
        assertThat(metrics()).contains("breakeven_backend_state{backend=\"primary\"} 1.0");
        assertThat(chat(true).statusCode()).isEqualTo(200);
        assertThat(lastBackend()).as("the trial request").isEqualTo("primary");
        assertThat(backend("primary").get("state").asText()).isEqualTo("closed");

        for (int i = 0; i < 3; i++) {
            assertThat(chat(i % 2 == 0).statusCode()).isEqualTo(200);
            assertThat(lastBackend()).isEqualTo("primary");
        }
        assertThat(primary.requestCount()).isEqualTo(7);
        assertThat(metrics()).contains("breakeven_backend_state{backend=\"primary\"} 0.0");
    }

    @Test
    void whenEveryBackendIsOpen_requestsFailFast_with503AndRetryAfterTheRemainingCoolDown() {
        gw = gateway().breakers(2, COOL_DOWN).start();
        primary.settings().failAlways(MockError.overloaded());
        gw.upstream.settings().failAlways(MockError.serverError());
        for (int i = 0; i < 2; i++) assertThat(chat(false).statusCode()).isEqualTo(502);
        long upstreamRequests = primary.requestCount() + gw.upstream.requestCount();
        clock.advance(Duration.ofSeconds(10));

        for (boolean stream : List.of(false, true)) {
            HttpResponse<String> res = chat(stream);
            assertThat(res.statusCode()).isEqualTo(503);
            assertThat(Gateway.json(res).get("error").get("code").asText()).isEqualTo("upstream_unavailable");
            assertThat(res.headers().firstValue("retry-after")).contains("20");
        }

        assertThat(primary.requestCount() + gw.upstream.requestCount()).isEqualTo(upstreamRequests);
        UsageEvent event = lastEvent();
        assertThat(event.outcome()).isEqualTo(UsageEvent.Outcome.FAILED);
        assertThat(event.errorCode()).isEqualTo("upstream_unavailable");
        assertThat(event.backend()).as("no backend was reached").isNull();
    }

    @Test
    void healthProbes_openADeadBackend_beforeAnyUserRequestFailsOnIt() throws Exception {
        primary.settings().failModels(MockError.overloaded());
        gw = gateway()
                .breakers(3, Duration.ofMinutes(5))
                .healthChecks(Duration.ofMillis(5))
                .start();

        // probes of one backend never overlap: the 4th arrives after the 3rd was recorded
        assertThat(primary.awaitRequests(4, Duration.ofSeconds(10))).isTrue();
        JsonNode state = backend("primary");
        assertThat(state.get("state").asText()).isEqualTo("open");
        assertThat(state.get("consecutive_failures").asInt())
                .as("no request failed")
                .isZero();
        assertThat(state.get("consecutive_probe_failures").asInt()).isGreaterThanOrEqualTo(3);
        assertThat(state.get("last_probe").get("healthy").asBoolean()).isFalse();
        assertThat(state.get("last_probe").get("detail").asText()).isEqualTo("HTTP 503");
        assertThat(state.get("last_probe").get("at").asLong()).isEqualTo(clock.millis());
        assertThat(backend("mock").get("last_probe").get("healthy").asBoolean()).isTrue();

        assertThat(chat(true).statusCode()).isEqualTo(200);
        assertThat(lastBackend()).isEqualTo("mock");
        assertThat(primary.requests())
                .as("only probes reached the dead backend")
                .allSatisfy(r -> assertThat(r.path()).isEqualTo("/v1/models"));
    }

    @Test
    void anyBackendFailure_beforeTheFirstChunk_fallsBackToTheNextRoute() {
        gw = gateway().start();
        for (MockError error : List.of(
                MockError.serverError(),
                MockError.overloaded(),
                MockError.rateLimited(),
                MockError.of(504, "server_error", "gateway timeout", null),
                MockError.invalidApiKey())) {
            primary.settings().failNext(2, error);
            for (boolean stream : List.of(false, true)) {
                assertThat(chat(stream).statusCode())
                        .as(error.status() + " stream=" + stream)
                        .isEqualTo(200);
                assertThat(lastBackend()).isEqualTo("mock");
            }
        }
    }

    @Test
    void aFailureAfterChunksWereSent_isNeverRetriedElsewhere() {
        gw = gateway().timeouts(Duration.ofSeconds(10), Duration.ofMillis(500)).start();
        primary.settings().stallStreamsAfterChunks(3);
        try {
            HttpResponse<String> res = chat(true);

            assertThat(res.statusCode()).isEqualTo(200);
            List<String> events = Sse.dataLines(res.body());
            assertThat(events).doesNotContain("[DONE]");
            assertThat(events.getLast()).contains("\"code\":\"upstream_timeout\"");
            assertThat(gw.upstream.requestCount())
                    .as("the client already has part of an answer")
                    .isZero();
            assertThat(lastEvent().backend()).isEqualTo("primary");
        } finally {
            primary.releaseHung();
        }
    }

    @Test
    void aRequestThePreferredBackendRejects_isNotRetried_andDoesNotCountAgainstIt() {
        gw = gateway().breakers(1, COOL_DOWN).start();
        primary.settings().failAlways(MockError.badRequest("context too long"));

        HttpResponse<String> res = chat(false);

        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(Gateway.json(res).get("error").get("code").asText()).isEqualTo("upstream_rejected");
        assertThat(gw.upstream.requestCount()).isZero();
        assertThat(backend("primary").get("state").asText()).isEqualTo("closed");
    }

    @Test
    void backendsList_showsTypeCapacityAndState_toOperatorsOnly() {
        gw = gateway().start();

        HttpResponse<String> res = gw.get("/admin/v1/backends", gw.operatorKey);

        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode body = Gateway.json(res);
        assertThat(body.get("object").asText()).isEqualTo("list");
        assertThat(body.get("data")).extracting(b -> b.get("id").asText()).containsExactly("primary", "mock");
        JsonNode mock = body.get("data").get(1);
        assertThat(mock.get("object").asText()).isEqualTo("backend");
        assertThat(mock.get("type").asText()).isEqualTo("openai");
        assertThat(mock.get("capacity").asInt()).isEqualTo(64);
        assertThat(mock.get("state").asText()).isEqualTo("closed");
        assertThat(mock.get("consecutive_failures").asInt()).isZero();
        assertThat(mock.get("last_probe").isNull()).isTrue();
        assertThat(res.body()).doesNotContain("upstream-secret").doesNotContain("base_url");

        assertThat(gw.get("/admin/v1/backends", gw.userKey).statusCode()).isEqualTo(403);
        assertThat(gw.get("/admin/v1/backends", null).statusCode()).isEqualTo(401);
    }
}
