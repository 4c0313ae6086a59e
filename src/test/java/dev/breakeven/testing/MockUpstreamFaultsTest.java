package dev.breakeven.testing;

import static dev.breakeven.testing.MockClient.chat;
import static dev.breakeven.testing.MockClient.fieldNames;
import static dev.breakeven.testing.MockClient.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.testing.MockClient.Events;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mock upstream's faults, as a client on a real socket experiences them. */
class MockUpstreamFaultsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final String STREAM = chat("hello", Map.of("stream", true));

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
    void injectedErrorsAnswerTheNextRequestsWithRetryAfter() throws Exception {
        mock.settings().failNext(2, MockError.rateLimited().withRetryAfter(Duration.ofSeconds(7)));

        HttpResponse<String> first = client.chat(chat("hi", Map.of()));
        HttpResponse<String> second = client.chat(STREAM);
        HttpResponse<String> third = client.chat(chat("hi", Map.of()));

        for (HttpResponse<String> response : List.of(first, second)) {
            assertThat(response.statusCode()).isEqualTo(429);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode error = parse(response.body()).get("error");
            assertThat(fieldNames(error)).containsExactly("message", "type", "param", "code");
            assertThat(error.get("type").asText()).isEqualTo("requests");
            assertThat(error.get("param").isNull()).isTrue();
            assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
        }
        assertThat(third.statusCode()).isEqualTo(200);
    }

    @Test
    void alwaysFailingUntilCleared() throws Exception {
        mock.settings().failAlways(MockError.overloaded());

        int firstStatus = client.chat(chat("hi", Map.of())).statusCode();
        HttpResponse<String> again = client.chat(chat("hi", Map.of()));
        mock.settings().clearFailures();
        int afterClear = client.chat(chat("hi", Map.of())).statusCode();

        assertThat(firstStatus).isEqualTo(503);
        assertThat(again.statusCode()).isEqualTo(503);
        assertThat(again.headers().firstValue("Retry-After")).isEmpty();
        assertThat(parse(again.body()).at("/error/code").isNull()).isTrue();
        assertThat(afterClear).isEqualTo(200);
    }

    @Test
    void requiredApiKeyRejectsMissingAndWrongKeysInOpenAisShape() throws Exception {
        mock.settings().apiKey("sk-right");

        HttpResponse<String> missing = client.chat(chat("hi", Map.of()));
        HttpResponse<String> wrong = client.send(
                client.post("/chat/completions", chat("hi", Map.of())).header("Authorization", "Bearer sk-wrong"));
        HttpResponse<String> right = client.send(
                client.post("/chat/completions", chat("hi", Map.of())).header("Authorization", "Bearer sk-right"));

        for (HttpResponse<String> response : List.of(missing, wrong)) {
            assertThat(response.statusCode()).isEqualTo(401);
            JsonNode error = parse(response.body()).get("error");
            assertThat(fieldNames(error)).containsExactly("message", "type", "param", "code");
            assertThat(error.get("code").asText()).isEqualTo("invalid_api_key");
        }
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(client.get("/models", "sk-wrong").statusCode()).isEqualTo(401);
        assertThat(client.get("/models", "sk-right").statusCode()).isEqualTo(200);
    }

    @Test
    void droppedConnectionIsAnIncompleteStreamForTheClient() throws Exception {
        mock.settings().dropStreamsAfterChunks(3);

        Events events = client.stream(STREAM);

        assertThat(events.failure).as("the client sees the stream cut").isNotNull();
        assertThat(events.data).hasSize(3).doesNotContain("[DONE]");
        assertThat(mock.cancelledStreams())
                .as("a drop by the server is no abandonment")
                .isZero();
    }

    @Test
    void stalledStreamSendsEachChunkAsItIsWrittenThenHoldsTheConnection() throws Exception {
        mock.settings().stallStreamsAfterChunks(2);

        HttpResponse<InputStream> response = client.open(STREAM);
        BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        String role = reader.readLine();
        reader.readLine();
        String firstToken = reader.readLine();

        assertThat(role).contains("\"role\":\"assistant\"");
        assertThat(firstToken).contains("\"content\":\"the \"");
        mock.releaseHung();
        Events rest = MockClient.readEvents(response.body());
        assertThat(rest.failure).as("a released stall ends without [DONE]").isNotNull();
        assertThat(rest.data).isEmpty();
    }

    @Test
    void abandonedStreamsAreCounted() throws Exception {
        mock.settings().tokensPerSecond(200).completionTokens(100_000);

        HttpResponse<InputStream> response = client.open(STREAM);
        BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        assertThat(reader.readLine()).startsWith("data: ");
        reader.close();

        assertThat(mock.awaitCancelledStreams(1, PATIENCE)).isTrue();
        assertThat(mock.cancelledStreams()).isEqualTo(1);
    }

    @Test
    void completedStreamsAreNotCountedAsAbandoned() throws Exception {
        Events events = client.stream(STREAM);

        assertThat(events.done()).isTrue();
        assertThat(mock.cancelledStreams()).isZero();
        assertThat(mock.awaitCancelledStreams(1, Duration.ZERO)).isFalse();
    }

    @Test
    void hungRequestsNeverAnswerUntilTheClientGivesUp() throws Exception {
        mock.settings().hang(true);

        assertThatThrownBy(() -> client.send(
                        client.post("/chat/completions", chat("hi", Map.of())).timeout(Duration.ofMillis(300))))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(mock.awaitRequests(1, PATIENCE)).isTrue();

        mock.reset();
        assertThat(client.chat(chat("hi", Map.of())).statusCode()).isEqualTo(200);
    }

    @Test
    void timeToFirstTokenDelaysTheResponse() throws Exception {
        mock.settings().timeToFirstToken(Duration.ofMillis(150));

        long start = System.nanoTime();
        HttpResponse<String> response = client.chat(chat("hi", Map.of()));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(elapsedMillis).isGreaterThanOrEqualTo(150);
    }

    @Test
    void settingsAreValidated() {
        MockSettings settings = new MockSettings();

        assertThatThrownBy(() -> settings.tokensPerSecond(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> settings.dropStreamsAfterChunks(-2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MockError.of(200, "x", "y", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void commandLineFlagsConfigureTheMock() {
        MockSettings settings = new MockSettings();

        int port = MockUpstreamArgs.parse(
                new String[] {"--port", "9123", "--ttft-ms", "40", "--tokens-per-second", "25", "--tokens", "8"},
                settings);

        assertThat(port).isEqualTo(9123);
        assertThat(settings.timeToFirstToken()).isEqualTo(Duration.ofMillis(40));
        assertThat(settings.tokensPerSecond()).isEqualTo(25.0);
        assertThat(settings.completionTokens()).isEqualTo(8);
        assertThatThrownBy(() -> MockUpstreamArgs.parse(new String[] {"--bogus", "1"}, settings))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
