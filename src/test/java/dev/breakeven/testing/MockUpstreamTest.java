package dev.breakeven.testing;

import static dev.breakeven.testing.MockClient.chat;
import static dev.breakeven.testing.MockClient.fieldNames;
import static dev.breakeven.testing.MockClient.parse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.testing.MockClient.Events;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mock upstream's shapes, over a real socket: what a gateway will see from it. */
class MockUpstreamTest {

    private static final String PROMPT = "Tell me  a story\nabout foxes"; // 6 words
    private static final String SIXTEEN_TOKENS = MockCompletion.content(16);

    private static MockUpstream mock;
    private static MockClient client;

    @BeforeAll
    static void start() {
        mock = MockUpstream.start();
        client = new MockClient(mock);
    }

    @AfterAll
    static void stop() {
        mock.close();
    }

    @BeforeEach
    void reset() {
        mock.reset();
    }

    @Test
    void nonStreamingCompletionHasOpenAisShape() throws Exception {
        long before = System.currentTimeMillis() / 1000;
        HttpResponse<String> response = client.chat(chat(PROMPT, Map.of()));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = parse(response.body());
        assertThat(fieldNames(body)).containsExactly("id", "object", "created", "model", "choices", "usage");
        assertThat(body.get("id").asText()).startsWith("chatcmpl-");
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("created").asLong()).isBetween(before, System.currentTimeMillis() / 1000);
        assertThat(body.get("model").asText()).isEqualTo("test-model");
        assertThat(body.get("choices")).hasSize(1);
        JsonNode choice = body.get("choices").get(0);
        assertThat(fieldNames(choice)).containsExactly("index", "message", "logprobs", "finish_reason");
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("message").toString())
                .isEqualTo("{\"role\":\"assistant\",\"content\":\"" + SIXTEEN_TOKENS + "\"}");
        assertThat(choice.get("logprobs").isNull()).isTrue();
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(body.get("usage").toString())
                .isEqualTo("{\"prompt_tokens\":6,\"completion_tokens\":16,\"total_tokens\":22}");
    }

    @Test
    void streamHasRoleThenOneTokenPerChunkThenFinishThenDone() throws Exception {
        Events events = client.stream(chat(PROMPT, Map.of("stream", true)));

        assertThat(events.failure).isNull();
        assertThat(events.headers.firstValue("Content-Type")).hasValue("text/event-stream");
        assertThat(events.done()).isTrue();
        List<JsonNode> chunks = events.chunks();
        assertThat(chunks).hasSize(1 + 16 + 1);
        for (JsonNode chunk : chunks) {
            assertThat(fieldNames(chunk)).containsExactly("id", "object", "created", "model", "choices");
            assertThat(chunk.get("id")).isEqualTo(chunks.getFirst().get("id"));
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("model").asText()).isEqualTo("test-model");
            assertThat(fieldNames(chunk.get("choices").get(0)))
                    .containsExactly("index", "delta", "logprobs", "finish_reason");
        }
        assertThat(choice(chunks.getFirst()).toString())
                .isEqualTo("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                        + "\"logprobs\":null,\"finish_reason\":null}");
        assertThat(choice(chunks.get(1)).toString())
                .isEqualTo("{\"index\":0,\"delta\":{\"content\":\"the \"},\"logprobs\":null,\"finish_reason\":null}");
        assertThat(choice(chunks.getLast()).toString())
                .isEqualTo("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}");
        assertThat(content(chunks)).isEqualTo(SIXTEEN_TOKENS);
    }

    @Test
    void streamWithIncludeUsageEndsWithUsageChunkAndNullUsageBefore() throws Exception {
        String body = chat(PROMPT, Map.of("stream", true, "stream_options", Map.of("include_usage", true)));
        Events events = client.stream(body);

        assertThat(events.done()).isTrue();
        List<JsonNode> chunks = events.chunks();
        assertThat(chunks).hasSize(1 + 16 + 1 + 1);
        for (JsonNode chunk : chunks.subList(0, chunks.size() - 1)) {
            assertThat(fieldNames(chunk)).containsExactly("id", "object", "created", "model", "choices", "usage");
            assertThat(chunk.get("usage").isNull()).isTrue();
        }
        JsonNode last = chunks.getLast();
        assertThat(fieldNames(last)).containsExactly("id", "object", "created", "model", "choices", "usage");
        assertThat(last.get("choices").isArray()).isTrue();
        assertThat(last.get("choices")).isEmpty();
        assertThat(last.get("usage").toString())
                .isEqualTo("{\"prompt_tokens\":6,\"completion_tokens\":16,\"total_tokens\":22}");
        assertThat(choice(chunks.get(chunks.size() - 2)).get("finish_reason").asText())
                .isEqualTo("stop");
    }

    @Test
    void serverWithoutUsageReportsNoneInEitherMode() throws Exception {
        mock.settings().reportUsage(false);

        JsonNode body = parse(client.chat(chat(PROMPT, Map.of())).body());
        String streamBody = chat(PROMPT, Map.of("stream", true, "stream_options", Map.of("include_usage", true)));
        Events events = client.stream(streamBody);

        assertThat(body.has("usage")).isFalse();
        assertThat(events.done()).isTrue();
        assertThat(events.chunks()).hasSize(1 + 16 + 1).allSatisfy(chunk -> assertThat(chunk.has("usage"))
                .isFalse());
    }

    @Test
    void maxTokensBelowTheNaturalLengthCutsWithFinishReasonLength() throws Exception {
        JsonNode cut = parse(client.chat(chat(PROMPT, Map.of("max_tokens", 3))).body());
        JsonNode newer = parse(client.chat(chat(PROMPT, Map.of("max_completion_tokens", 2, "max_tokens", 9)))
                .body());
        JsonNode roomy =
                parse(client.chat(chat(PROMPT, Map.of("max_tokens", 100))).body());

        assertThat(cut.at("/choices/0/message/content").asText()).isEqualTo("the quick brown ");
        assertThat(cut.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(cut.at("/usage/completion_tokens").asInt()).isEqualTo(3);
        assertThat(newer.at("/usage/completion_tokens").asInt()).isEqualTo(2);
        assertThat(roomy.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(roomy.at("/usage/completion_tokens").asInt()).isEqualTo(16);
    }

    @Test
    void streamedMaxTokensEndsWithLength() throws Exception {
        Events events = client.stream(chat(PROMPT, Map.of("stream", true, "max_tokens", 2)));

        List<JsonNode> chunks = events.chunks();
        assertThat(chunks).hasSize(1 + 2 + 1);
        assertThat(content(chunks)).isEqualTo("the quick ");
        assertThat(choice(chunks.getLast()).get("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void configuredDefaultLengthApplies() throws Exception {
        mock.settings().completionTokens(20);

        JsonNode body = parse(client.chat(chat(PROMPT, Map.of())).body());

        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo(MockCompletion.content(20));
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(20);
    }

    @Test
    void modelsListsTheConfiguredModels() throws Exception {
        mock.settings().models("m-small", "m-large");

        HttpResponse<String> response = client.get("/models", null);

        JsonNode body = parse(response.body());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(fieldNames(body)).containsExactly("object", "data");
        assertThat(body.get("object").asText()).isEqualTo("list");
        assertThat(body.get("data")).hasSize(2);
        JsonNode first = body.get("data").get(0);
        assertThat(fieldNames(first)).containsExactly("id", "object", "created", "owned_by");
        assertThat(first.get("id").asText()).isEqualTo("m-small");
        assertThat(first.get("object").asText()).isEqualTo("model");
        assertThat(first.get("created").isIntegralNumber()).isTrue();
        assertThat(first.get("owned_by").asText()).isEqualTo("mock");
    }

    @Test
    void recordsBodiesAndHeadersAndCountsRequests() throws Exception {
        client.send(client.post("/chat/completions", chat("first", Map.of())).header("X-Trace", "t-1"));
        client.send(client.post("/chat/completions", chat("second", Map.of("temperature", 0.5))));

        assertThat(mock.requestCount()).isEqualTo(2);
        List<RecordedRequest> requests = mock.requests();
        assertThat(requests).hasSize(2);
        RecordedRequest first = requests.getFirst();
        assertThat(first.method()).isEqualTo("POST");
        assertThat(first.path()).isEqualTo("/v1/chat/completions");
        assertThat(first.header("x-trace")).hasValue("t-1");
        assertThat(first.body().at("/messages/0/content").asText()).isEqualTo("first");
        assertThat(mock.lastRequest().body().get("temperature").asDouble()).isEqualTo(0.5);
        assertThat(mock.lastRequest().rawBody()).isEqualTo(chat("second", Map.of("temperature", 0.5)));
    }

    @Test
    void invalidRequestsGetOpenAisErrorShape() throws Exception {
        HttpResponse<String> noMessages = client.chat("{\"model\":\"m\"}");
        HttpResponse<String> notJson = client.chat("{oops");
        HttpResponse<String> badMax = client.chat(chat(PROMPT, Map.of("max_tokens", 0)));
        HttpResponse<String> unknown = client.get("/nothing", null);

        for (HttpResponse<String> response : List.of(noMessages, notJson, badMax)) {
            assertThat(response.statusCode()).isEqualTo(400);
            JsonNode error = parse(response.body()).get("error");
            assertThat(fieldNames(error)).containsExactly("message", "type", "param", "code");
            assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        }
        assertThat(parse(noMessages.body()).at("/error/message").asText()).contains("messages");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(parse(unknown.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void promptTokensCountWordsOfTextAndTextParts() throws Exception {
        String body = """
                {"model":"m","messages":[
                  {"role":"system","content":"be brief"},
                  {"role":"user","content":[{"type":"text","text":"one two three"},{"type":"image_url"}]}]}""";

        JsonNode response = parse(client.chat(body).body());

        assertThat(response.at("/usage/prompt_tokens").asInt()).isEqualTo(5);
    }

    private static JsonNode choice(JsonNode chunk) {
        return chunk.get("choices").get(0);
    }

    private static String content(List<JsonNode> chunks) {
        StringBuilder text = new StringBuilder();
        for (JsonNode chunk : chunks) {
            if (!chunk.get("choices").isEmpty()) {
                text.append(choice(chunk).path("delta").path("content").asText(""));
            }
        }
        return text.toString();
    }
}
