package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageQuery;
import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.RecordedRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /v1/chat/completions} through a real socket: OpenAI's shapes, field by field. */
class ChatCompletionsTest {
    @TempDir
    Path dir;

    Gateway gw;

    @BeforeEach
    void start() {
        gw = Gateway.in(dir).start();
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void nonStreamedAnswer_hasOpenAisShape_underOurIdAndModelName() {
        HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", false, ""));

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode body = Gateway.json(res);
        assertThat(body.get("id").asText()).startsWith("chatcmpl-");
        assertThat(res.headers().firstValue("x-request-id"))
                .contains(body.get("id").asText());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("created").isIntegralNumber()).isTrue();
        assertThat(body.get("model").asText()).isEqualTo("assistant");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(choice.get("message").get("content").asText()).isNotBlank();
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        JsonNode usage = body.get("usage");
        assertThat(usage.get("completion_tokens").asLong()).isEqualTo(16);
        assertThat(usage.get("total_tokens").asLong())
                .isEqualTo(usage.get("prompt_tokens").asLong()
                        + usage.get("completion_tokens").asLong());
    }

    @Test
    void fieldsWeDoNotUse_passToTheUpstreamUntouched_andTheModelIsRenamed() {
        String extra = ",\"seed\":42,\"response_format\":{\"type\":\"json_object\"},"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}],\"temperature\":0.5";
        gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", false, extra));

        RecordedRequest seen = gw.upstream.lastRequest();
        assertThat(seen.body().get("model").asText()).isEqualTo("mock-model");
        assertThat(seen.body().get("seed").asInt()).isEqualTo(42);
        assertThat(seen.body().get("response_format").get("type").asText()).isEqualTo("json_object");
        assertThat(seen.body().get("tools").get(0).get("function").get("name").asText())
                .isEqualTo("f");
        assertThat(seen.body().get("temperature").asDouble()).isEqualTo(0.5);
        assertThat(seen.header("Authorization")).contains("Bearer upstream-secret");
    }

    @Test
    void maxTokens_reachesTheUpstream_andFinishReasonSaysLength() {
        JsonNode body = Gateway.json(
                gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", false, ",\"max_tokens\":3")));

        assertThat(body.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        assertThat(body.get("usage").get("completion_tokens").asLong()).isEqualTo(3);
    }

    @Test
    void stream_isOpenAisChunkSequence_endingWithDone_withoutUsageUnlessAsked() {
        HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", true, ""));

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        List<String> events = Sse.dataLines(res.body());
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = Sse.chunks(events);
        String id = chunks.getFirst().get("id").asText();
        assertThat(id).startsWith("chatcmpl-");
        assertThat(res.headers().firstValue("x-request-id")).contains(id);
        for (JsonNode chunk : chunks) {
            assertThat(chunk.get("id").asText()).isEqualTo(id);
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("model").asText()).isEqualTo("assistant");
            assertThat(chunk.has("usage")).as("no usage field unless asked").isFalse();
            assertThat(chunk.get("choices")).hasSize(1);
        }
        assertThat(chunks.getFirst()
                        .get("choices")
                        .get(0)
                        .get("delta")
                        .get("role")
                        .asText())
                .isEqualTo("assistant");
        assertThat(chunks.getLast().get("choices").get(0).get("finish_reason").asText())
                .isEqualTo("stop");
        assertThat(Sse.content(chunks).split(" ")).hasSize(16);
    }

    @Test
    void streamWithIncludeUsage_endsWithAUsageChunk_andEveryOtherChunkHasNullUsage() {
        String body = Gateway.chat("assistant", true, ",\"stream_options\":{\"include_usage\":true}");
        List<String> events =
                Sse.dataLines(gw.post("/v1/chat/completions", gw.userKey, body).body());

        List<JsonNode> chunks = Sse.chunks(events);
        JsonNode last = chunks.getLast();
        assertThat(last.get("choices")).isEmpty();
        assertThat(last.get("usage").get("completion_tokens").asLong()).isEqualTo(16);
        for (JsonNode chunk : chunks.subList(0, chunks.size() - 1))
            assertThat(chunk.get("usage").isNull()).isTrue();
        assertThat(events.getLast()).isEqualTo("[DONE]");
    }

    @Test
    void streamWithoutIncludeUsage_stillAsksTheUpstreamForUsage_soMeteringIsExact() {
        HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", true, ""));
        String id = Sse.chunks(Sse.dataLines(res.body())).getFirst().get("id").asText();

        assertThat(gw.upstream
                        .lastRequest()
                        .body()
                        .get("stream_options")
                        .get("include_usage")
                        .asBoolean())
                .isTrue();
        UsageEvent event = eventFor(id);
        assertThat(event.estimated()).isFalse();
        assertThat(event.completionTokens()).isEqualTo(16);
        assertThat(event.streamed()).isTrue();
        assertThat(event.outcome()).isEqualTo(UsageEvent.Outcome.COMPLETED);
    }

    @Test
    void upstreamWithoutUsage_isCountedByOurTokenizer_andMarkedEstimated() {
        gw.upstream.settings().reportUsage(false);

        HttpResponse<String> plain = gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", false, ""));
        JsonNode body = Gateway.json(plain);
        assertThat(plain.headers().firstValue("x-breakeven-usage-estimated")).contains("true");
        assertThat(body.get("usage").get("completion_tokens").asLong()).isPositive();
        assertThat(eventFor(body.get("id").asText()).estimated()).isTrue();

        String streamed = Gateway.chat("assistant", true, ",\"stream_options\":{\"include_usage\":true}");
        List<JsonNode> chunks = Sse.chunks(Sse.dataLines(
                gw.post("/v1/chat/completions", gw.userKey, streamed).body()));
        assertThat(chunks.getLast().get("usage").get("completion_tokens").asLong())
                .isPositive();
        UsageEvent event = eventFor(chunks.getFirst().get("id").asText());
        assertThat(event.estimated()).isTrue();
        assertThat(event.promptTokens()).isPositive();
    }

    @Test
    void everyAnswer_hasExactlyOneUsageEvent_visibleToItsOwner() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(Gateway.json(gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", false, "")))
                    .get("id")
                    .asText());
        }
        JsonNode usage = Gateway.json(gw.get("/v1/me/usage", gw.userKey));

        assertThat(usage.get("object").asText()).isEqualTo("list");
        List<String> seen = new ArrayList<>();
        usage.get("data").forEach(e -> seen.add(e.get("id").asText()));
        assertThat(seen).containsExactlyElementsOf(ids);
        assertThat(usage.get("totals").get("requests").asInt()).isEqualTo(3);
        assertThat(usage.get("totals").get("completion_tokens").asLong()).isEqualTo(48);
        assertThat(Gateway.json(gw.get("/v1/me/usage", gw.operatorKey)).get("data"))
                .isEmpty();
    }

    @Test
    void models_listsTheConfiguredModels_inOpenAisShape() {
        JsonNode list = Gateway.json(gw.get("/v1/models", gw.userKey));

        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data").get(0).get("id").asText()).isEqualTo("assistant");
        assertThat(list.get("data").get(0).get("object").asText()).isEqualTo("model");
        assertThat(list.get("data").get(0).get("owned_by").asText()).isEqualTo("breakeven");
        assertThat(Gateway.json(gw.get("/v1/models/assistant", gw.userKey))
                        .get("id")
                        .asText())
                .isEqualTo("assistant");
        assertThat(gw.get("/v1/models/nope", gw.userKey).statusCode()).isEqualTo(404);
    }

    private UsageEvent eventFor(String id) {
        return gw.server.journal().usage(UsageQuery.all()).stream()
                .filter(e -> e.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no usage event " + id));
    }
}
