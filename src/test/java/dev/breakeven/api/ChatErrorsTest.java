package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageQuery;
import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.MockError;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every refusal and failure gets OpenAI's error body with the right status, and nothing stored changes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatErrorsTest {
    @TempDir
    static Path dir;

    Gateway gw;
    int eventsBefore;
    long upstreamRequestsBefore;

    @BeforeAll
    void start() {
        gw = Gateway.in(dir)
                .timeouts(Duration.ofMillis(800), Duration.ofMillis(800))
                .maxBodyBytes(64 * 1024)
                .start();
    }

    @BeforeEach
    void resetUpstream() {
        gw.upstream.reset();
        eventsBefore = events().size();
        upstreamRequestsBefore = gw.upstream.requestCount();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    /** Events this test caused, oldest first. */
    private List<UsageEvent> newEvents() {
        List<UsageEvent> all = events();
        return all.subList(eventsBefore, all.size());
    }

    private List<UsageEvent> events() {
        return gw.server.journal().usage(UsageQuery.all());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing model           | {"messages":[{"role":"user","content":"hi"}]}                              | model
            model not a string      | {"model":7,"messages":[{"role":"user","content":"hi"}]}                    | model
            missing messages        | {"model":"assistant"}                                                      | messages
            messages not an array   | {"model":"assistant","messages":"hi"}                                      | messages
            empty messages          | {"model":"assistant","messages":[]}                                        | messages
            message not an object   | {"model":"assistant","messages":["hi"]}                                    | messages[0]
            unknown role            | {"model":"assistant","messages":[{"role":"wizard","content":"hi"}]}        | messages[0].role
            user without content    | {"model":"assistant","messages":[{"role":"user"}]}                         | messages[0].content
            content of wrong type   | {"model":"assistant","messages":[{"role":"user","content":5}]}             | messages[0].content
            stream not a boolean    | {"model":"assistant","stream":"yes","messages":[{"role":"user","content":"hi"}]} | stream
            stream_options alone    | {"model":"assistant","stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]} | stream_options
            negative max_tokens     | {"model":"assistant","max_tokens":-1,"messages":[{"role":"user","content":"hi"}]} | max_tokens
            fractional max_tokens   | {"model":"assistant","max_tokens":1.5,"messages":[{"role":"user","content":"hi"}]} | max_tokens
            temperature too high    | {"model":"assistant","temperature":3,"messages":[{"role":"user","content":"hi"}]} | temperature
            top_p as text           | {"model":"assistant","top_p":"high","messages":[{"role":"user","content":"hi"}]} | top_p
            stop of wrong type      | {"model":"assistant","stop":[1],"messages":[{"role":"user","content":"hi"}]} | stop
            """)
    void invalidRequest_is400_namingTheParam_andNeverReachesTheUpstream(String name, String body, String param) {
        HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, body);

        assertThat(res.statusCode()).isEqualTo(400);
        JsonNode error = Gateway.json(res).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("param").asText()).isEqualTo(param);
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(gw.upstream.requestCount()).isEqualTo(upstreamRequestsBefore);
        assertThat(newEvents()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON     | {"model":
            not an object      | [1,2,3]
            a bare string      | "hello"
            empty body         | ''
            """)
    void bodiesThatAreNotAChatRequest_are400(String name, String body) {
        HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, body);

        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(Gateway.json(res).get("error").get("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void oversizedBody_is413_whetherDeclaredOrStreamed() {
        String huge = Gateway.chat("assistant", false, ",\"pad\":\"" + "x".repeat(100_000) + "\"");
        HttpResponse<String> declared = gw.post("/v1/chat/completions", gw.userKey, huge);
        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(Gateway.json(declared).get("error").get("code").asText()).isEqualTo("request_too_large");

        var chunked = HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge.getBytes()));
        HttpResponse<String> streamed = gw.send(
                gw.request("/v1/chat/completions", gw.userKey).POST(chunked).build());
        assertThat(streamed.statusCode()).isEqualTo(413);
        assertThat(gw.upstream.requestCount()).isEqualTo(upstreamRequestsBefore);
    }

    @Test
    void unknownModel_is404_modelNotFound() {
        HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("gpt-17", false, ""));

        assertThat(res.statusCode()).isEqualTo(404);
        JsonNode error = Gateway.json(res).get("error");
        assertThat(error.get("code").asText()).isEqualTo("model_not_found");
        assertThat(error.get("param").asText()).isEqualTo("model");
    }

    @Test
    void modelWithoutBackend_is503_sayingHowToConfigureOne() {
        HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("unrouted", true, ""));

        assertThat(res.statusCode()).isEqualTo(503);
        assertThat(Gateway.json(res).get("error").get("code").asText()).isEqualTo("no_backend");
        assertThat(Gateway.json(res).get("error").get("message").asText()).contains("docs/configuration.md");
    }

    @ParameterizedTest(name = "upstream {0} -> {1} ({2})")
    @CsvSource({
        "500, 502, upstream_error, false",
        "502, 502, upstream_error, false",
        "503, 503, upstream_unavailable, true",
        "429, 503, upstream_unavailable, true",
        "504, 504, upstream_timeout, false",
        "401, 502, upstream_error, false",
        "400, 400, upstream_rejected, false"
    })
    void upstreamFailures_mapToGatewayStatuses_withRetryAfterWhereGiven(
            int upstream, int expected, String code, boolean retry) {
        MockError error = MockError.of(upstream, "server_error", "upstream says no", "x");
        gw.upstream.settings().failAlways(retry ? error.withRetryAfter("7") : error);

        for (boolean stream : List.of(false, true)) {
            HttpResponse<String> res =
                    gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", stream, ""));
            assertThat(res.statusCode()).as("stream=" + stream).isEqualTo(expected);
            assertThat(Gateway.json(res).get("error").get("code").asText()).isEqualTo(code);
            if (retry) assertThat(res.headers().firstValue("retry-after")).contains("7");
            assertThat(res.body()).doesNotContain("upstream-secret");
        }
        assertThat(newEvents()).hasSize(2).allSatisfy(e -> {
            assertThat(e.outcome()).isEqualTo(UsageEvent.Outcome.FAILED);
            assertThat(e.errorCode()).isEqualTo(code);
            assertThat(e.completionTokens()).isZero();
        });
    }

    @Test
    void upstreamThatNeverAnswers_is504_afterTheFirstByteTimeout() {
        gw.upstream.settings().hang(true);
        try {
            HttpResponse<String> res =
                    gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", false, ""));
            assertThat(res.statusCode()).isEqualTo(504);
            assertThat(Gateway.json(res).get("error").get("code").asText()).isEqualTo("upstream_timeout");
        } finally {
            gw.upstream.releaseHung();
        }
    }

    @Test
    void upstreamThatStallsMidStream_endsTheStreamWithAnErrorEvent_afterTheIdleTimeout() {
        gw.upstream.settings().stallStreamsAfterChunks(3);
        try {
            HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", true, ""));
            assertThat(res.statusCode()).isEqualTo(200);
            List<String> events = Sse.dataLines(res.body());
            assertThat(events).doesNotContain("[DONE]");
            assertThat(events.getLast()).contains("\"code\":\"upstream_timeout\"");
            UsageEvent event = newEvents().getFirst();
            assertThat(event.outcome()).isEqualTo(UsageEvent.Outcome.FAILED);
            assertThat(event.completionTokens())
                    .as("counts the tokens relayed before the stall")
                    .isPositive();
        } finally {
            gw.upstream.releaseHung();
        }
    }

    @Test
    void upstreamThatDropsTheConnectionMidStream_neverEndsWithDone_andRecordsAFailedUsageEvent() {
        gw.upstream.settings().dropStreamsAfterChunks(4);

        HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", true, ""));

        // The JDK client may surface the broken connection before the chunks that preceded it; if
        // none was relayed yet the client gets a plain 502, otherwise an error event ends the stream.
        JsonNode error;
        if (res.statusCode() == 200) {
            List<String> events = Sse.dataLines(res.body());
            assertThat(events).doesNotContain("[DONE]");
            error = Sse.chunks(List.of(events.getLast())).getFirst().get("error");
        } else {
            assertThat(res.statusCode()).isEqualTo(502);
            error = Gateway.json(res).get("error");
        }
        assertThat(error.get("code").asText()).isEqualTo("upstream_error");
        assertThat(newEvents().getFirst().outcome()).isEqualTo(UsageEvent.Outcome.FAILED);
    }

    @Test
    void unreachablePreferredBackend_fallsBackToTheNextOne() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (Gateway fallback = Gateway.in(dir.resolve("fb"))
                .preferredBackend("dead", "http://127.0.0.1:" + closedPort + "/v1")
                .start()) {
            HttpResponse<String> res =
                    fallback.post("/v1/chat/completions", fallback.userKey, Gateway.chat("assistant", true, ""));

            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(Sse.dataLines(res.body()).getLast()).isEqualTo("[DONE]");
            assertThat(fallback.server
                            .journal()
                            .usage(UsageQuery.all())
                            .getFirst()
                            .backend())
                    .isEqualTo("mock");
        }
    }

    @Test
    void unknownUrl_is404_inOpenAisShape() {
        HttpResponse<String> res = gw.get("/v1/nothing-here", gw.userKey);

        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(Gateway.json(res).get("error").get("code").asText()).isEqualTo("unknown_url");
    }
}
