package dev.breakeven.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.ClientConnection;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClientServiceResponse;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A backend that is any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, a cloud API).
 * Calls are blocking HTTP/1.1 exchanges on the caller's (virtual) thread, over keep-alive
 * connections that the Helidon WebClient pools; streams are relayed line by line.
 *
 * <p>Timeouts: connecting is bounded by the client's connect timeout; the socket read timeout is
 * the first-byte timeout until the response headers arrive, and the idle timeout after that (the
 * {@link IdleWatch} enforces the idle limit between lines, and for a whole non-streamed body).
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
    private final Http1Client http;
    private final ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor();
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
        this.http = Http1Client.builder()
                .connectTimeout(settings.connectTimeout())
                .readTimeout(settings.firstByteTimeout())
                .shareConnectionCache(false)
                .followRedirects(false)
                .addService((chain, request) -> idleTimeoutOnceHeadersArrive(chain.proceed(request)))
                .build();
    }

    /** The first-byte timeout bounds the wait for the headers; the body's reads get the idle limit. */
    private WebClientServiceResponse idleTimeoutOnceHeadersArrive(WebClientServiceResponse response) {
        if (response.connection() instanceof ClientConnection connection)
            connection.readTimeout(settings.idleTimeout());
        return response;
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
        HttpClientResponse response = send(request.upstreamBody(false));
        InputStream in = new IoExceptions(response.inputStream());
        try (response;
                IdleWatch.Watch watch = idleWatch.watch(response::close, settings.idleTimeout())) {
            if (response.status().code() != 200) throw failure(response, in);
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
        HttpClientResponse response = send(request.upstreamBody(true));
        // closing the response before the body's end closes the connection: the server sees the cancel
        InputStream in = new IoExceptions(response.inputStream());
        try (response;
                IdleWatch.Watch watch = idleWatch.watch(response::close, settings.idleTimeout())) {
            if (response.status().code() != 200) throw failure(response, in);
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
        // on a thread of its own, so that the deadline also bounds connecting; cancelling interrupts
        // the virtual thread, which closes its socket
        Future<Integer> sent = probes.submit(() -> {
            Http1ClientRequest get = http.get().uri(modelsUri).readTimeout(timeout);
            if (settings.apiKey() != null) get.header(HeaderNames.AUTHORIZATION, "Bearer " + settings.apiKey());
            try (HttpClientResponse response = get.request()) {
                return response.status().code();
            }
        });
        try {
            int status = sent.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return Optional.of(probeResult(status));
        } catch (TimeoutException e) {
            sent.cancel(true);
            return Optional.of(ProbeResult.unhealthy("no answer within " + timeout.toMillis() + " ms"));
        } catch (InterruptedException e) {
            sent.cancel(true);
            Thread.currentThread().interrupt();
            return Optional.of(ProbeResult.unhealthy("probe interrupted"));
        } catch (ExecutionException e) {
            Optional<IOException> io = ioCause(e.getCause());
            if (io.isPresent()) {
                InferenceException failure = UpstreamErrors.fromIo(id(), io.get(), false);
                return Optional.of(ProbeResult.unhealthy(
                        failure.code().equals("upstream_timeout")
                                ? "no answer within " + timeout.toMillis() + " ms"
                                : failure.getMessage()));
            }
            return Optional.of(ProbeResult.unhealthy("probe failed: " + e.getCause()));
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

    private HttpClientResponse send(ObjectNode body) {
        Http1ClientRequest post = http.post()
                .uri(completionsUri)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .header(HeaderNames.ACCEPT, "application/json, text/event-stream");
        if (settings.apiKey() != null) post.header(HeaderNames.AUTHORIZATION, "Bearer " + settings.apiKey());
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the upstream request", e);
        }
        try {
            return post.submit(bytes);
        } catch (RuntimeException e) {
            Optional<IOException> io = ioCause(e);
            if (io.isPresent()) throw UpstreamErrors.fromIo(id(), io.get(), false);
            throw e;
        }
    }

    /**
     * The IOException behind what the client threw: it wraps socket failures in {@link
     * UncheckedIOException}, and reports a connection that ends too early with an unchecked
     * exception of its own.
     */
    private static Optional<IOException> ioCause(Throwable e) {
        if (e instanceof IOException io) return Optional.of(io);
        if (e instanceof UncheckedIOException u) return Optional.of(u.getCause());
        if (e instanceof RuntimeException && e.getClass().getName().startsWith("io.helidon."))
            return Optional.of(new IOException(e.getMessage(), e));
        return Optional.empty();
    }

    private InferenceException failure(HttpClientResponse response, InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_ERROR_BODY);
        return UpstreamErrors.fromStatus(
                id(), response.status().code(), body, response.headers().first(HeaderNames.RETRY_AFTER));
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
        probes.shutdownNow();
        http.closeResource();
    }

    /**
     * The response body, failing only with IOExceptions, as every reader of it expects: the client
     * throws unchecked exceptions when the socket fails or the connection ends mid-body.
     */
    private static final class IoExceptions extends FilterInputStream {
        IoExceptions(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } catch (RuntimeException e) {
                throw new IOException(e.toString(), e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } catch (RuntimeException e) {
                throw new IOException(e.toString(), e);
            }
        }
    }
}
