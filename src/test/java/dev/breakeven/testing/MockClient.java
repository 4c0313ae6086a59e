package dev.breakeven.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;

/** The JDK HttpClient aimed at a {@link MockUpstream}, for the mock's own tests. */
final class MockClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String baseUrl;

    MockClient(MockUpstream mock) {
        this.baseUrl = mock.baseUrl();
    }

    /** A chat request body for one user message. */
    static String chat(String userText, Map<String, Object> extra) {
        var body = JSON.createObjectNode().put("model", "test-model");
        body.putArray("messages").addObject().put("role", "user").put("content", userText);
        extra.forEach((key, value) -> body.set(key, JSON.valueToTree(value)));
        return body.toString();
    }

    HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> chat(String body) throws IOException, InterruptedException {
        return send(post("/chat/completions", body));
    }

    HttpResponse<String> get(String path, String bearer) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return send(request.GET());
    }

    /** Opens a streaming chat request and returns the response with its body unread. */
    HttpResponse<InputStream> open(String body) throws IOException, InterruptedException {
        return http.send(post("/chat/completions", body).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /**
     * Sends a streaming chat request and collects every line the client received before the
     * stream ended or broke. (Reading through {@code ofInputStream} instead may report a broken
     * connection before the lines that arrived ahead of it.)
     */
    Events stream(String body) throws InterruptedException {
        Events events = new Events();
        try {
            events.headers = http.send(
                            post("/chat/completions", body).build(),
                            HttpResponse.BodyHandlers.fromLineSubscriber(events))
                    .headers();
        } catch (IOException e) {
            events.failure = e;
        }
        return events;
    }

    /** Reads a whole SSE body: the {@code data:} payloads in order (blank lines dropped). */
    static Events readEvents(InputStream body) {
        Events events = new Events();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                events.addLine(line);
            }
        } catch (IOException | UncheckedIOException e) {
            events.failure = e;
        }
        return events;
    }

    /** The data payloads of a stream and how it ended; subscribes to its lines. */
    static final class Events implements Flow.Subscriber<String> {
        final List<String> data = new ArrayList<>();
        /** The I/O error that cut the stream short, if any. */
        volatile Exception failure;
        /** The response headers, unless the stream broke. */
        HttpHeaders headers;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            addLine(line);
        }

        @Override
        public void onError(Throwable error) {
            failure = error instanceof Exception e ? e : new RuntimeException(error);
        }

        @Override
        public void onComplete() {}

        private void addLine(String line) {
            if (line.startsWith("data: ")) {
                data.add(line.substring("data: ".length()));
            } else if (!line.isEmpty()) {
                throw new AssertionError("not an SSE data line: " + line);
            }
        }

        boolean done() {
            return !data.isEmpty() && data.getLast().equals("[DONE]");
        }

        /** The JSON chunks (everything before {@code [DONE]}). */
        List<JsonNode> chunks() {
            List<JsonNode> chunks = new ArrayList<>();
            for (String payload : data) {
                if (!payload.equals("[DONE]")) {
                    chunks.add(parse(payload));
                }
            }
            return chunks;
        }
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
