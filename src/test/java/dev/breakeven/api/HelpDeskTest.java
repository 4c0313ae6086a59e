package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.access.Role;
import dev.breakeven.app.Breakeven;
import dev.breakeven.app.BreakevenConfig;
import dev.breakeven.app.ConfigLoader;
import dev.breakeven.metering.UsageQuery;
import dev.breakeven.testing.Gateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * With no configuration at all, the assistant answers questions about Breakeven from its own
 * documentation (real embeddings, real index), over a real socket — what a newcomer's demo does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelpDeskTest {
    @TempDir
    static Path dir;

    Breakeven server;
    String key;
    final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    void start() {
        BreakevenConfig config =
                new ConfigLoader(Map.of()).load(null, Map.of("data_dir", dir.toString(), "server.port", "0"));
        server = Breakeven.start(config, Clock.systemUTC(), Map.of());
        key = server.keys().issue("newcomer", Role.USER, null).secret();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    HttpResponse<String> ask(String question, boolean stream) throws Exception {
        return ask(question, stream, "");
    }

    /** @param extra more fields for the body, each preceded by a comma */
    HttpResponse<String> ask(String question, boolean stream, String extra) throws Exception {
        String body = "{\"model\":\"assistant\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]" + extra + "}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void questionAboutBreakeven_isAnsweredFromItsDocs_withCitations() throws Exception {
        HttpResponse<String> res = ask("How do I revoke an API key?", false);

        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode body = Gateway.json(res);
        assertThat(body.get("model").asText()).isEqualTo("assistant");
        assertThat(body.at("/choices/0/message/content").asText())
                .containsIgnoringCase("revoke")
                .contains("Sources:");
        assertThat(body.get("citations")).isNotEmpty();
        assertThat(body.get("citations").get(0).get("document").asText())
                .startsWith("docs/")
                .endsWith(".md");
        var event = server.journal().usage(UsageQuery.all()).getLast();
        assertThat(event.backend()).isEqualTo("help-desk");
        assertThat(event.completionTokens()).isPositive();
    }

    @Test
    void questionTheDocsCannotAnswer_isToldSo_inAStream() throws Exception {
        HttpResponse<String> res = ask("What is the capital of Peru?", true);

        List<JsonNode> chunks = Sse.chunks(Sse.dataLines(res.body()));
        assertThat(Sse.content(chunks)).contains("could not find anything");
        assertThat(Sse.dataLines(res.body()).getLast()).isEqualTo("[DONE]");
    }

    @Test
    void maxTokens_cutsTheAnswerThere_withFinishReasonLength_andTheUsageIsTheLimit() throws Exception {
        HttpResponse<String> res = ask("How do I revoke an API key?", false, ",\"max_tokens\":25");

        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode body = Gateway.json(res);
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/usage/completion_tokens").asLong()).isEqualTo(25);
        assertThat(server.journal().usage(UsageQuery.all()).getLast().completionTokens())
                .isEqualTo(25);

        HttpResponse<String> streamed = ask(
                "How do I revoke an API key?", true, ",\"max_tokens\":25,\"stream_options\":{\"include_usage\":true}");

        List<JsonNode> chunks = Sse.chunks(Sse.dataLines(streamed.body()));
        assertThat(Sse.content(chunks))
                .isEqualTo(body.at("/choices/0/message/content").asText().strip());
        JsonNode last = chunks.get(chunks.size() - 2);
        assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(chunks.getLast().at("/usage/completion_tokens").asLong()).isEqualTo(25);
    }
}
