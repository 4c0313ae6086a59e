package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageQuery;
import dev.breakeven.testing.Gateway;
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
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streams are relayed as they are produced, and a client that leaves stops the upstream work. */
class StreamingTest {
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
    void chunks_reachTheClient_whileTheUpstreamIsStillGenerating() throws Exception {
        gw.upstream.settings().stallStreamsAfterChunks(3);
        try (InputStream body = openStream()) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            // the upstream sends 3 chunks, then stalls until released: if the gateway buffered, these reads would hang
            for (int i = 0; i < 3; i++) assertThat(nextData(reader)).startsWith("{");
            gw.upstream.releaseHung();
        }
    }

    @Test
    void clientDisconnectMidStream_cancelsTheUpstreamRequest_andRecordsACancelledEvent() throws Exception {
        gw.upstream.settings().tokensPerSecond(50).completionTokens(500);
        try (InputStream body = openStream()) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            nextData(reader);
            nextData(reader);
        } // closing the body closes the connection

        assertThat(gw.upstream.awaitCancelledStreams(1, Duration.ofSeconds(10))).isTrue();
        UsageEvent event = awaitEvent(Duration.ofSeconds(10)).orElseThrow(() -> new AssertionError("no usage event"));
        assertThat(event.outcome()).isEqualTo(UsageEvent.Outcome.CANCELLED);
        assertThat(event.errorCode()).isEqualTo("client_disconnected");
        assertThat(event.estimated()).isTrue();
        assertThat(event.completionTokens()).isBetween(1L, 499L);
    }

    @Test
    void timeToFirstToken_isMeasuredFromAdmission() {
        gw.upstream.settings().timeToFirstToken(Duration.ofMillis(300));
        HttpResponse<String> res = gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", true, ""));
        assertThat(res.statusCode()).isEqualTo(200);

        UsageEvent event = gw.server.journal().usage(UsageQuery.all()).getFirst();
        assertThat(event.timeToFirstTokenMillis()).isGreaterThanOrEqualTo(300);
        assertThat(event.durationMillis()).isGreaterThanOrEqualTo(event.timeToFirstTokenMillis());
    }

    private InputStream openStream() throws Exception {
        HttpRequest request = gw.request("/v1/chat/completions", gw.userKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Gateway.chat("assistant", true, "")))
                .build();
        HttpResponse<InputStream> res = gw.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(res.statusCode()).isEqualTo(200);
        return res.body();
    }

    private static String nextData(BufferedReader reader) throws Exception {
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.startsWith("data: ")) return line.substring(6);
        }
        throw new AssertionError("stream ended early");
    }

    /** The gateway writes the event after it notices the disconnect; nothing signals that moment, so poll to a deadline. */
    private Optional<UsageEvent> awaitEvent(Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            List<UsageEvent> events = gw.server.journal().usage(UsageQuery.all());
            if (!events.isEmpty()) return Optional.of(events.getFirst());
            Thread.onSpinWait();
            Thread.sleep(20);
        }
        return Optional.empty();
    }
}
