package dev.breakeven.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.testing.MockUpstream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The upstream client's timeouts, each on its own phase of the exchange. */
class OpenAiBackendTest {
    static final ObjectMapper JSON = new ObjectMapper();

    MockUpstream mock;
    IdleWatch idle;

    @BeforeEach
    void start() {
        mock = MockUpstream.start();
        idle = new IdleWatch();
    }

    @AfterEach
    void stop() {
        idle.close();
        mock.close();
    }

    private OpenAiBackend backend(Duration firstByte, Duration idleLimit) {
        var settings = new OpenAiBackend.Settings(
                "gpu", URI.create(mock.baseUrl()), null, 4, Duration.ofSeconds(2), firstByte, idleLimit);
        return new OpenAiBackend(settings, JSON, idle);
    }

    private static GenerationRequest chat(boolean stream) throws Exception {
        return new GenerationRequest(
                ChatRequest.from(JSON.readTree("{\"model\":\"m\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")),
                "m");
    }

    @Test
    void gapsBetweenChunks_longerThanTheFirstByteTimeout_butWithinTheIdleTimeout_areFine() throws Exception {
        mock.settings().tokensPerSecond(2).completionTokens(3); // 500 ms between chunks
        List<ObjectNode> chunks = new ArrayList<>();
        try (OpenAiBackend b = backend(Duration.ofMillis(200), Duration.ofSeconds(3))) {
            b.stream(chat(true), chunks::add);
        }
        assertThat(chunks).hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    void noHeadersWithinTheFirstByteTimeout_isUpstreamTimeout() throws Exception {
        mock.settings().timeToFirstToken(Duration.ofSeconds(3));
        try (OpenAiBackend b = backend(Duration.ofMillis(300), Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> b.complete(chat(false)))
                    .isInstanceOfSatisfying(
                            InferenceException.class, e -> assertThat(e.code()).isEqualTo("upstream_timeout"));
        }
    }

    @Test
    void sequentialCalls_eachGetAnAnswer_overThePooledConnection() throws Exception {
        try (OpenAiBackend b = backend(Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            for (int i = 0; i < 20; i++)
                assertThat(b.complete(chat(false)).body().path("choices").isArray())
                        .isTrue();
        }
        assertThat(mock.requestCount()).isEqualTo(20);
    }
}
