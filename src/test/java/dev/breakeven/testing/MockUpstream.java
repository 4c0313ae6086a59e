package dev.breakeven.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.testing.MockStream.ClientGoneException;
import dev.breakeven.testing.MockStream.Outcome;
import dev.breakeven.testing.MockStream.Pacing;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fast OpenAI-compatible model server for tests and benchmarks, standing in for vLLM, llama.cpp
 * server or OpenAI: {@code POST /v1/chat/completions} (stream and non-stream) and {@code GET
 * /v1/models} on 127.0.0.1. Its behaviour (latency, speed, usage, errors, drops, hangs, API key)
 * is changed through {@link #settings()} while it runs; it records what it received and counts
 * streams its clients abandoned.
 *
 * <pre>{@code
 * try (MockUpstream mock = MockUpstream.start()) {
 *     mock.settings().tokensPerSecond(100).failNext(1, MockError.rateLimited().withRetryAfter("2"));
 *     ... call mock.baseUrl() + "/chat/completions" ...
 * }
 * }</pre>
 */
public final class MockUpstream implements AutoCloseable {

    /** How many received requests are kept for {@link #requests()}. */
    public static final int RECORDED_LIMIT = 256;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Header EVENT_STREAM = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, "text/event-stream");

    private final MockSettings settings;
    private final long createdSeconds = System.currentTimeMillis() / 1000;
    private final AtomicLong ids = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger maxInFlight =
            new java.util.concurrent.atomic.AtomicInteger();
    private final AwaitableCounter requestCount = new AwaitableCounter();
    private final AwaitableCounter cancelledStreams = new AwaitableCounter();
    private final Deque<RecordedRequest> recorded = new ArrayDeque<>();
    private volatile CountDownLatch hangRelease = new CountDownLatch(1);
    private volatile Semaphore heldRelease = new Semaphore(0, true);
    private volatile boolean closed;
    private final WebServer server;

    private MockUpstream(int port, MockSettings settings) {
        this.settings = settings;
        this.server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .connectionOptions(socket -> socket.tcpNoDelay(true)) // small SSE writes go out at once
                .shutdownHook(false)
                .shutdownGracePeriod(Duration.ofMillis(200))
                .featuresDiscoverServices(false)
                .routing(this::routes)
                .build()
                .start();
    }

    /** Starts on a free port with default settings. */
    public static MockUpstream start() {
        return start(0, new MockSettings());
    }

    /** Starts on a free port with these settings (kept and used live, not copied). */
    public static MockUpstream start(MockSettings settings) {
        return start(0, settings);
    }

    /** Starts on {@code port} (0 for a free one) with these settings. */
    public static MockUpstream start(int port, MockSettings settings) {
        return new MockUpstream(port, settings);
    }

    /** The live settings; changes apply to requests that arrive afterwards. */
    public MockSettings settings() {
        return settings;
    }

    public int port() {
        return server.port();
    }

    /** {@code http://127.0.0.1:PORT/v1}, as OpenAI clients want it. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** Requests received on any route (including rejected ones) since start or {@link #reset()}. */
    public long requestCount() {
        return requestCount.get();
    }

    /** Waits until at least {@code n} requests were received; false if the timeout came first. */
    public boolean awaitRequests(long n, Duration timeout) throws InterruptedException {
        return requestCount.await(n, timeout);
    }

    /** Streams whose client went away before {@code [DONE]} (not counting planned drops). */
    public long cancelledStreams() {
        return cancelledStreams.get();
    }

    /** Waits until at least {@code n} streams were abandoned; false if the timeout came first. */
    public boolean awaitCancelledStreams(int n, Duration timeout) throws InterruptedException {
        return cancelledStreams.await(n, timeout);
    }

    /** The last {@value #RECORDED_LIMIT} requests received, oldest first. */
    public List<RecordedRequest> requests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    /** The most recent request received. */
    public RecordedRequest lastRequest() {
        synchronized (recorded) {
            if (recorded.isEmpty()) {
                throw new IllegalStateException("the mock upstream has received no request");
            }
            return recorded.getLast();
        }
    }

    /** Lets hung requests and stalled streams go: their connections are closed without a response. */
    public void releaseHung() {
        CountDownLatch released = hangRelease;
        hangRelease = new CountDownLatch(1);
        released.countDown();
    }

    /**
     * Lets {@code n} requests held by {@link MockSettings#hold} go on to their answers, the ones held
     * longest first (or the next ones to arrive, if fewer are held).
     */
    public void releaseHeld(int n) {
        heldRelease.release(n);
    }

    /** Lets every held request go, and holds none of those arriving later until {@link MockSettings#hold} again. */
    private void releaseAllHeld() {
        Semaphore released = heldRelease;
        heldRelease = new Semaphore(0, true);
        released.release(Integer.MAX_VALUE / 2);
    }

    /** Default settings, no records, counters at zero, hung and held requests released. */
    public void reset() {
        settings.reset();
        releaseHung();
        releaseAllHeld();
        synchronized (recorded) {
            recorded.clear();
        }
        requestCount.reset();
        cancelledStreams.reset();
    }

    @Override
    public void close() {
        closed = true;
        releaseHung();
        releaseAllHeld();
        server.stop();
    }

    private void routes(HttpRouting.Builder routing) {
        routing.post("/v1/chat/completions", this::chat)
                .get("/v1/models", this::models)
                .any(this::notFound);
    }

    private void chat(ServerRequest req, ServerResponse res) throws InterruptedException {
        int running = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(running, Math::max);
        try {
            serveChat(req, res);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** The most chat requests this mock has served at once. */
    public int maxConcurrent() {
        return maxInFlight.get();
    }

    private void serveChat(ServerRequest req, ServerResponse res) throws InterruptedException {
        long start = System.nanoTime();
        RecordedRequest request = record(req);
        if (!authorized(request, res)) {
            return;
        }
        MockError failure = settings.takeFailure();
        if (failure != null) {
            sendError(res, failure);
            return;
        }
        Semaphore held = heldRelease; // read first: a reset or close after this releases it
        if (settings.hold() && !closed) {
            held.acquire();
        }
        if (settings.hang()) {
            holdUntilReleased();
        }
        MockCompletion completion;
        try {
            completion = MockCompletion.plan(request.body(), settings, nextId(), System.currentTimeMillis() / 1000);
        } catch (IllegalArgumentException e) {
            sendError(res, MockError.badRequest(e.getMessage()));
            return;
        }
        Pacing pacing = Pacing.of(start, settings);
        if (completion.stream) {
            stream(res, completion, pacing);
        } else {
            pacing.awaitCompletion(completion.completionTokens);
            res.header(HeaderValues.CONTENT_TYPE_JSON);
            res.send(completion.responseBody());
        }
    }

    private void stream(ServerResponse res, MockCompletion completion, Pacing pacing) throws InterruptedException {
        res.header(EVENT_STREAM);
        res.header(HeaderValues.CACHE_NO_CACHE);
        MockStream stream = new MockStream(
                completion, pacing, settings.dropStreamsAfterChunks(), settings.stallStreamsAfterChunks());
        OutputStream out = res.outputStream();
        Outcome outcome;
        try {
            outcome = stream.writeTo(out);
        } catch (ClientGoneException e) {
            cancelledStreams.increment();
            throw new CloseConnectionException("mock upstream: the client abandoned the stream", e);
        }
        switch (outcome) {
            case COMPLETED -> finish(out);
            case DROP -> throw new CloseConnectionException("mock upstream: dropping the stream as configured");
            case STALL -> holdUntilReleased();
        }
    }

    private void models(ServerRequest req, ServerResponse res) {
        RecordedRequest request = record(req);
        if (!authorized(request, res)) {
            return;
        }
        MockError failure = settings.modelsFailure();
        if (failure != null) {
            sendError(res, failure);
            return;
        }
        ObjectNode root = JSON.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String id : settings.models()) {
            data.addObject()
                    .put("id", id)
                    .put("object", "model")
                    .put("created", createdSeconds)
                    .put("owned_by", "mock");
        }
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(root.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void notFound(ServerRequest req, ServerResponse res) {
        RecordedRequest request = record(req);
        String message = "Unknown request URL: " + request.method() + " " + request.path() + ".";
        sendError(res, MockError.of(404, "invalid_request_error", message, "unknown_url"));
    }

    private boolean authorized(RecordedRequest request, ServerResponse res) {
        String key = settings.apiKey();
        if (key == null
                || request.header("Authorization")
                        .filter(("Bearer " + key)::equals)
                        .isPresent()) {
            return true;
        }
        sendError(res, MockError.invalidApiKey());
        return false;
    }

    private static void sendError(ServerResponse res, MockError error) {
        res.status(error.status());
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        if (error.retryAfter() != null) {
            res.header(HeaderNames.RETRY_AFTER, error.retryAfter());
        }
        res.send(error.body());
    }

    /** Blocks until {@link #releaseHung()}, {@link #reset()} or {@link #close()}, then drops the connection. */
    private void holdUntilReleased() throws InterruptedException {
        CountDownLatch release = hangRelease;
        if (!closed) {
            release.await();
        }
        throw new CloseConnectionException("mock upstream: releasing a hung request");
    }

    private static void finish(OutputStream out) {
        try {
            out.close();
        } catch (IOException | RuntimeException e) {
            throw new CloseConnectionException("mock upstream: the client left after [DONE]", e);
        }
    }

    private RecordedRequest record(ServerRequest req) {
        String raw =
                req.content().hasEntity() ? new String(req.content().as(byte[].class), StandardCharsets.UTF_8) : "";
        RecordedRequest request =
                new RecordedRequest(req.prologue().method().text(), req.path().path(), headers(req), parse(raw), raw);
        synchronized (recorded) {
            if (recorded.size() == RECORDED_LIMIT) {
                recorded.removeFirst();
            }
            recorded.addLast(request);
        }
        requestCount.increment();
        return request;
    }

    private static Map<String, List<String>> headers(ServerRequest req) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Header header : req.headers()) {
            headers.put(header.name(), List.copyOf(header.allValues()));
        }
        return headers;
    }

    private static JsonNode parse(String raw) {
        if (raw.isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            JsonNode node = JSON.readTree(raw);
            return node == null ? MissingNode.getInstance() : node;
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    private String nextId() {
        return "chatcmpl-mock" + ids.incrementAndGet();
    }

    /**
     * Runs the mock for benchmarks until killed: {@code --port N} (default 8000), {@code --ttft-ms
     * N}, {@code --tokens-per-second N}, {@code --tokens N}, {@code --api-key KEY}. Prints the base
     * URL.
     */
    public static void main(String[] args) throws InterruptedException {
        if (List.of(args).contains("--help")) {
            System.out.println(MockUpstreamArgs.USAGE);
            return;
        }
        MockSettings settings = new MockSettings();
        int port = 8000;
        try {
            port = MockUpstreamArgs.parse(args, settings);
        } catch (IllegalArgumentException e) {
            System.err.println("mock-upstream: " + e.getMessage());
            System.err.println(MockUpstreamArgs.USAGE);
            System.exit(2);
        }
        MockUpstream mock = start(port, settings);
        Runtime.getRuntime().addShutdownHook(new Thread(mock::close));
        System.out.println(mock.baseUrl());
        new CountDownLatch(1).await();
    }
}
