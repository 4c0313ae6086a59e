package dev.breakeven.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A backend that is any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, a cloud API).
 * Connections are pooled and reused by the JDK client; streams are relayed chunk by chunk.
 */
public final class OpenAiBackend implements Backend {
    private static final int MAX_ERROR_BODY = 64 * 1024;

    /**
     * @param baseUrl e.g. {@code http://127.0.0.1:8000/v1}
     * @param apiKey sent as a bearer token, or null; never logged
     */
    public record Settings(
            String id,
            URI baseUrl,
            String apiKey,
            int capacity,
            Duration connectTimeout,
            Duration firstByteTimeout,
            Duration idleTimeout) {
        @Override
        public String toString() {
            return "Settings[id=" + id + ", baseUrl=" + baseUrl + ", capacity=" + capacity + "]";
        }
    }

    private final Settings settings;
    private final URI completionsUri;
    private final URI modelsUri;
    private final HttpClient http;
    private final ObjectMapper json;
    private final IdleWatch idleWatch;

    public OpenAiBackend(Settings settings, ObjectMapper json, IdleWatch idleWatch) {
        this.settings = settings;
        String base = settings.baseUrl().toString();
        String root = base.endsWith("/") ? base : base + "/";
        this.completionsUri = URI.create(root + "chat/completions");
        this.modelsUri = URI.create(root + "models");
        this.json = json;
        this.idleWatch = idleWatch;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    @Override
    public String id() {
        return settings.id();
    }

    @Override
    public int capacity() {
        return settings.capacity();
    }

    @Override
    public Completion complete(GenerationRequest request) {
        HttpResponse<InputStream> response = send(request.upstreamBody(false));
        try (InputStream in = response.body();
                IdleWatch.Watch watch = idleWatch.watch(in, settings.idleTimeout())) {
            if (response.statusCode() != 200) throw failure(response, in);
            byte[] bytes;
            try {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw UpstreamErrors.fromIo(id(), e, watch.expired());
            }
            JsonNode body = parse(bytes);
            if (!(body instanceof ObjectNode object) || !object.path("choices").isArray()) {
                throw new InferenceException(
                        "upstream_error", "Backend '" + id() + "' returned something that is not a chat completion.");
            }
            return new Completion(object, usageOf(object.get("usage")));
        } catch (IOException e) {
            throw UpstreamErrors.fromIo(id(), e, false);
        }
    }

    @Override
    public StreamEnd stream(GenerationRequest request, ChunkSink sink) {
        HttpResponse<InputStream> response = send(request.upstreamBody(true));
        try (InputStream in = response.body();
                IdleWatch.Watch watch = idleWatch.watch(in, settings.idleTimeout())) {
            if (response.statusCode() != 200) throw failure(response, in);
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 16 * 1024);
            try {
                return relay(reader, watch, sink);
            } catch (IOException e) {
                throw UpstreamErrors.fromIo(id(), e, watch.expired());
            }
        } catch (IOException e) {
            throw UpstreamErrors.fromIo(id(), e, false);
        }
    }

    /**
     * {@code GET {base_url}/models}: cheap, and served by every OpenAI-compatible server. 2xx is
     * healthy; 401/403 (our key is refused), 429 and 5xx are not; any other status (404, 405: a
     * server without a model list) still shows the server is up, so it counts as healthy.
     */
    @Override
    public Optional<ProbeResult> probe(Duration timeout) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(modelsUri).timeout(timeout).GET();
        if (settings.apiKey() != null) builder.header("Authorization", "Bearer " + settings.apiKey());
        CompletableFuture<HttpResponse<Void>> sent =
                http.sendAsync(builder.build(), HttpResponse.BodyHandlers.discarding());
        try {
            // the future's own deadline also bounds connecting, which the request timeout does not
            int status = sent.get(timeout.toMillis(), TimeUnit.MILLISECONDS).statusCode();
            return Optional.of(probeResult(status));
        } catch (TimeoutException e) {
            sent.cancel(true);
            return Optional.of(ProbeResult.unhealthy("no answer within " + timeout.toMillis() + " ms"));
        } catch (InterruptedException e) {
            sent.cancel(true);
            Thread.currentThread().interrupt();
            return Optional.of(ProbeResult.unhealthy("probe interrupted"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                InferenceException failure = UpstreamErrors.fromIo(id(), io, false);
                return Optional.of(ProbeResult.unhealthy(
                        failure.code().equals("upstream_timeout")
                                ? "no answer within " + timeout.toMillis() + " ms"
                                : failure.getMessage()));
            }
            return Optional.of(ProbeResult.unhealthy("probe failed: " + cause));
        }
    }

    static ProbeResult probeResult(int status) {
        if (status >= 200 && status < 300) return ProbeResult.healthy("HTTP " + status);
        if (status == 401 || status == 403) return ProbeResult.unhealthy("credentials refused (HTTP " + status + ")");
        if (status == 429 || status >= 500) return ProbeResult.unhealthy("HTTP " + status);
        return ProbeResult.healthy("up, but no model list (HTTP " + status + ")");
    }

    /** Reads server-sent events until {@code [DONE]}; each {@code data:} line is one chunk. */
    private StreamEnd relay(BufferedReader reader, IdleWatch.Watch watch, ChunkSink sink) throws IOException {
        Usage usage = null;
        String line;
        while ((line = reader.readLine()) != null) {
            watch.touch();
            if (!line.startsWith("data:")) continue; // blank separators, comments, event names
            String data = line.substring(line.startsWith("data: ") ? 6 : 5).strip();
            if (data.equals("[DONE]")) return new StreamEnd(usage);
            JsonNode chunk = parse(data.getBytes(StandardCharsets.UTF_8));
            if (chunk.has("error")) throw UpstreamErrors.inStream(id(), chunk.get("error"));
            if (!(chunk instanceof ObjectNode object)) continue;
            Usage reported = usageOf(object.get("usage"));
            if (reported != null) usage = reported;
            sink.chunk(object);
        }
        if (watch.expired()) throw UpstreamErrors.fromIo(id(), new IOException("idle"), true);
        throw new InferenceException("upstream_error", "Backend '" + id() + "' closed the stream before it finished.");
    }

    private HttpResponse<InputStream> send(ObjectNode body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(completionsUri)
                .timeout(settings.firstByteTimeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
        if (settings.apiKey() != null) builder.header("Authorization", "Bearer " + settings.apiKey());
        try {
            HttpRequest request = builder.POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)))
                    .build();
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw UpstreamErrors.fromIo(id(), e, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException("upstream_error", "Interrupted while waiting for backend '" + id() + "'.");
        }
    }

    private InferenceException failure(HttpResponse<InputStream> response, InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_ERROR_BODY);
        return UpstreamErrors.fromStatus(
                id(), response.statusCode(), body, response.headers().firstValue("retry-after"));
    }

    private JsonNode parse(byte[] bytes) {
        try {
            return json.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new InferenceException("upstream_error", "Backend '" + id() + "' sent malformed JSON.");
        } catch (IOException e) {
            throw UpstreamErrors.fromIo(id(), e, false);
        }
    }

    static Usage usageOf(JsonNode usage) {
        if (usage == null || !usage.isObject()) return null;
        JsonNode prompt = usage.get("prompt_tokens");
        JsonNode completion = usage.get("completion_tokens");
        if (prompt == null || !prompt.canConvertToLong() || completion == null || !completion.canConvertToLong())
            return null;
        return new Usage(prompt.asLong(), completion.asLong(), false);
    }

    @Override
    public void close() {
        http.close();
    }
}
