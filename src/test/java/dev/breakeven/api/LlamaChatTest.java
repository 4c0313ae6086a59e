package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageQuery;
import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.TestModel;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real stories260K model served in-process behind the real HTTP gateway (model {@code local},
 * one slot): OpenAI's shapes, and usage events with the model's exact token counts.
 */
class LlamaChatTest {
    static int eventsBefore;

    @TempDir
    static Path dir;

    static Gateway gw;

    @BeforeAll
    static void start() {
        if (TestModel.find() == null) return; // each test is then skipped, saying why
        gw = Gateway.in(dir).llama(TestModel.find(), 1, 512).start();
    }

    @BeforeEach
    void needsTheModel() {
        TestModel.require();
    }

    @AfterAll
    static void stop() {
        if (gw != null) gw.close();
    }

    static String story(boolean stream, String extra) {
        return "{\"model\":\"local\",\"stream\":" + stream + ",\"temperature\":0,\"max_tokens\":12"
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]" + extra + "}";
    }

    /** The newest usage event (the gateway writes it before the response ends, in sync mode). */
    static UsageEvent lastEvent() {
        return gw.server.journal().usage(UsageQuery.all()).getLast();
    }

    @Test
    void modelsList_showsTheLocalModel() {
        JsonNode models = Gateway.json(gw.get("/v1/models", gw.userKey));
        assertThat(models.findValuesAsText("id")).contains("local", "assistant");
    }

    @Test
    void nonStreamed_answerAndUsageEvent_carryTheModelsTokenCounts() {
        HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, story(false, ""));

        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode body = Gateway.json(res);
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("model").asText()).isEqualTo("local");
        assertThat(body.at("/choices/0/message/content").asText()).startsWith(", there was a little girl named Lily");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/usage/prompt_tokens").asLong()).isEqualTo(5);
        assertThat(body.at("/usage/completion_tokens").asLong()).isEqualTo(12);
        assertThat(body.at("/usage/total_tokens").asLong()).isEqualTo(17);

        UsageEvent event = lastEvent();
        assertThat(event.id()).isEqualTo(body.get("id").asText());
        assertThat(event.backend()).isEqualTo("llama");
        assertThat(event.upstreamModel()).isEqualTo("stories260K");
        assertThat(event.promptTokens()).isEqualTo(5);
        assertThat(event.completionTokens()).isEqualTo(12);
        assertThat(event.estimated()).isFalse();
        assertThat(event.outcome()).isEqualTo(UsageEvent.Outcome.COMPLETED);
        assertThat(event.streamed()).isFalse();
    }

    @Test
    void streamed_withUsage_chunksInOpenAisShape_andTheSameCounts() {
        HttpResponse<String> res = gw.post(
                "/v1/chat/completions", gw.userKey, story(true, ",\"stream_options\":{\"include_usage\":true}"));

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        List<String> data = Sse.dataLines(res.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = Sse.chunks(data);
        assertThat(chunks).hasSize(1 + 12 + 1 + 1);
        assertThat(chunks.getFirst().at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        for (JsonNode c : chunks) {
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.get("model").asText()).isEqualTo("local");
        }
        assertThat(chunks.get(13).at("/choices/0/finish_reason").asText()).isEqualTo("length");
        JsonNode usage = chunks.getLast();
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.at("/usage/prompt_tokens").asLong()).isEqualTo(5);
        assertThat(usage.at("/usage/completion_tokens").asLong()).isEqualTo(12);
        assertThat(Sse.content(chunks)).startsWith(", there was a little girl named Lily");

        UsageEvent event = lastEvent();
        assertThat(event.id()).isEqualTo(chunks.getFirst().get("id").asText());
        assertThat(event.promptTokens()).isEqualTo(5);
        assertThat(event.completionTokens()).isEqualTo(12);
        assertThat(event.estimated()).isFalse();
        assertThat(event.streamed()).isTrue();
        assertThat(event.timeToFirstTokenMillis()).isNotNegative();
    }

    @Test
    void streamed_withoutUsage_noUsageChunk_butTheEventIsExact() {
        HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, story(true, ""));

        List<JsonNode> chunks = Sse.chunks(Sse.dataLines(res.body()));
        assertThat(chunks).hasSize(1 + 12 + 1).allSatisfy(c -> assertThat(c.has("usage"))
                .isFalse());
        UsageEvent event = lastEvent();
        assertThat(event.completionTokens()).isEqualTo(12);
        assertThat(event.estimated()).isFalse();
    }

    @Test
    void aPromptTooLongForTheContext_is400_namingMessages() {
        String body = "{\"model\":\"local\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "Once upon a time ".repeat(200) + "\"}]}";
        HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, body);

        assertThat(res.statusCode()).isEqualTo(400);
        JsonNode error = Gateway.json(res).get("error");
        assertThat(error.get("param").asText()).isEqualTo("messages");
        assertThat(error.get("message").asText()).contains("maximum context length is 512 tokens");
    }

    @Test
    void aClientThatLeavesMidStream_doesNotHoldTheOnlySlot_fromTheNextRequest() throws Exception {
        String longStory = story(true, "").replace("\"max_tokens\":12", "\"max_tokens\":450");
        HttpRequest request = gw.request("/v1/chat/completions", gw.userKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(longStory))
                .build();
        eventsBefore = gw.server.journal().usage(UsageQuery.all()).size();
        HttpResponse<InputStream> res = gw.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = res.body()) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) assertThat(nextData(reader)).startsWith("{");
        } // closing the body closes the connection

        // stories260K writes hundreds of tokens a second: on loopback the whole answer can fit in the
        // socket buffers before the close arrives, so the turn may end COMPLETED rather than CANCELLED
        // (LlamaSlotsTest covers the cancel itself). Either way the slot must be free again.
        UsageEvent ended = awaitEvent(Duration.ofSeconds(30));
        assertThat(ended.outcome()).isIn(UsageEvent.Outcome.CANCELLED, UsageEvent.Outcome.COMPLETED);
        assertThat(ended.backend()).isEqualTo("llama");

        HttpResponse<String> next = gw.post("/v1/chat/completions", gw.userKey, story(false, ""));
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(Gateway.json(next).at("/usage/completion_tokens").asLong()).isEqualTo(12);
    }

    private static String nextData(BufferedReader reader) throws Exception {
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.startsWith("data: ")) return line.substring(6);
        }
        throw new AssertionError("stream ended early");
    }

    /** The gateway writes the event once it notices the disconnect; nothing signals that moment, so poll. */
    private static UsageEvent awaitEvent(Duration timeout) throws InterruptedException {
        int before = eventsBefore;
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            List<UsageEvent> all = gw.server.journal().usage(UsageQuery.all());
            if (all.size() > before) return all.getLast();
            Thread.sleep(20);
        }
        throw new AssertionError("no usage event within " + timeout);
    }
}
