package dev.breakeven.testing;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How the mock upstream behaves. Every setter may be called while the mock is serving, from any
 * thread; each request reads the settings once when it arrives (faults: when it is admitted), so a
 * change applies to the requests that arrive after it. Setters return {@code this} for chaining.
 *
 * <p>Faults (errors, hangs, drops, stalls) apply to {@code POST /v1/chat/completions} only, except
 * {@link #failModels}, which makes {@code GET /v1/models} (what health checks call) fail; the API
 * key applies to every route.
 */
public final class MockSettings {

    /** Completion length when the request names none. */
    public static final int DEFAULT_COMPLETION_TOKENS = 16;
    /** The model {@code GET /v1/models} lists unless told otherwise. */
    public static final String DEFAULT_MODEL = "mock-model";

    private volatile Duration timeToFirstToken = Duration.ZERO;
    private volatile double tokensPerSecond;
    private volatile int completionTokens = DEFAULT_COMPLETION_TOKENS;
    private volatile boolean reportUsage = true;
    private volatile String apiKey;
    private volatile List<String> models = List.of(DEFAULT_MODEL);
    private volatile int dropStreamsAfterChunks = -1;
    private volatile int stallStreamsAfterChunks = -1;
    private volatile boolean hang;
    private volatile boolean hold;
    private volatile MockError modelsFailure;
    private final AtomicReference<Failure> failure = new AtomicReference<>();

    /** Back to the defaults: no delays, 16 tokens, usage reported, no key, no faults. */
    public MockSettings reset() {
        timeToFirstToken = Duration.ZERO;
        tokensPerSecond = 0;
        completionTokens = DEFAULT_COMPLETION_TOKENS;
        reportUsage = true;
        apiKey = null;
        models = List.of(DEFAULT_MODEL);
        dropStreamsAfterChunks = -1;
        stallStreamsAfterChunks = -1;
        hang = false;
        hold = false;
        modelsFailure = null;
        failure.set(null);
        return this;
    }

    /** Delay before the first token (before any byte of the response). */
    public MockSettings timeToFirstToken(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("negative time to first token: " + delay);
        }
        timeToFirstToken = delay;
        return this;
    }

    /** Generation speed after the first token; 0 sends tokens as fast as possible. */
    public MockSettings tokensPerSecond(double rate) {
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("tokens per second must be finite and >= 0: " + rate);
        }
        tokensPerSecond = rate;
        return this;
    }

    /** Completion length when the request sets no {@code max_tokens}/{@code max_completion_tokens}. */
    public MockSettings completionTokens(int tokens) {
        if (tokens < 0) {
            throw new IllegalArgumentException("negative completion tokens: " + tokens);
        }
        completionTokens = tokens;
        return this;
    }

    /** False simulates a server that reports no usage: none in bodies, no usage chunk. */
    public MockSettings reportUsage(boolean report) {
        reportUsage = report;
        return this;
    }

    /** Requires {@code Authorization: Bearer <key>}; null accepts any request. */
    public MockSettings apiKey(String key) {
        apiKey = key;
        return this;
    }

    /** The model ids {@code GET /v1/models} lists. Chat accepts any model and echoes it. */
    public MockSettings models(String... ids) {
        models = List.of(ids);
        return this;
    }

    /** Every stream closes its connection abruptly after {@code chunks} data events; -1 never. */
    public MockSettings dropStreamsAfterChunks(int chunks) {
        dropStreamsAfterChunks = atLeastMinusOne(chunks);
        return this;
    }

    /**
     * Every stream stops sending after {@code chunks} data events and keeps the connection open
     * until the mock is reset or closed; -1 never.
     */
    public MockSettings stallStreamsAfterChunks(int chunks) {
        stallStreamsAfterChunks = atLeastMinusOne(chunks);
        return this;
    }

    /** True: chat requests get no response at all until the mock is reset or closed. */
    public MockSettings hang(boolean hangRequests) {
        hang = hangRequests;
        return this;
    }

    /**
     * True: each chat request, once received (and recorded), waits until {@link
     * MockUpstream#releaseHeld} lets it go, oldest first; then it is answered as usual. What tests
     * use to keep generations running while they look at what waits behind them.
     */
    public MockSettings hold(boolean holdRequests) {
        hold = holdRequests;
        return this;
    }

    /** The next {@code requests} chat requests get this error (replacing earlier error plans). */
    public MockSettings failNext(int requests, MockError error) {
        if (requests < 0) {
            throw new IllegalArgumentException("negative request count: " + requests);
        }
        failure.set(new Failure(Objects.requireNonNull(error), new AtomicInteger(requests)));
        return this;
    }

    /** Every chat request gets this error until {@link #clearFailures()} or {@link #reset()}. */
    public MockSettings failAlways(MockError error) {
        failure.set(new Failure(Objects.requireNonNull(error), null));
        return this;
    }

    /** Every {@code GET /v1/models} gets this error; null serves the list again. */
    public MockSettings failModels(MockError error) {
        modelsFailure = error;
        return this;
    }

    public MockError modelsFailure() {
        return modelsFailure;
    }

    public MockSettings clearFailures() {
        failure.set(null);
        return this;
    }

    public Duration timeToFirstToken() {
        return timeToFirstToken;
    }

    public double tokensPerSecond() {
        return tokensPerSecond;
    }

    public int completionTokens() {
        return completionTokens;
    }

    public boolean reportUsage() {
        return reportUsage;
    }

    public String apiKey() {
        return apiKey;
    }

    public List<String> models() {
        return models;
    }

    public int dropStreamsAfterChunks() {
        return dropStreamsAfterChunks;
    }

    public int stallStreamsAfterChunks() {
        return stallStreamsAfterChunks;
    }

    public boolean hang() {
        return hang;
    }

    public boolean hold() {
        return hold;
    }

    /** The error the next chat request gets, consuming one of a {@code failNext} budget; or null. */
    MockError takeFailure() {
        Failure current = failure.get();
        if (current == null) {
            return null;
        }
        if (current.remaining == null) {
            return current.error;
        }
        int before = current.remaining.getAndUpdate(n -> Math.max(0, n - 1));
        return before > 0 ? current.error : null;
    }

    private static int atLeastMinusOne(int chunks) {
        if (chunks < -1) {
            throw new IllegalArgumentException("chunk count must be >= 0, or -1 for never: " + chunks);
        }
        return chunks;
    }

    /** An error plan: {@code remaining} null means always. */
    private record Failure(MockError error, AtomicInteger remaining) {}
}
