package dev.breakeven.inference;

import java.time.Duration;
import java.util.Optional;

/**
 * Somewhere generations run: an OpenAI-compatible server, or (later) an in-process model.
 * Implementations are thread-safe and serve up to {@link #capacity()} generations at once.
 */
public interface Backend extends AutoCloseable {

    String id();

    /** Concurrent generations this backend can run (what the scheduler will share out). */
    int capacity();

    /**
     * Runs one generation to the end and returns the whole answer.
     *
     * @throws InferenceException with an {@code upstream_*} code when the backend fails, refuses or
     *     times out
     */
    Completion complete(GenerationRequest request);

    /**
     * Runs one generation, sending each chunk to {@code sink} as soon as it is produced.
     *
     * @throws InferenceException with an {@code upstream_*} code when the backend fails, refuses or
     *     times out, before or during the stream
     * @throws ClientGoneException (from the sink) after the backend released its upstream work
     */
    StreamEnd stream(GenerationRequest request, ChunkSink sink);

    /**
     * Checks cheaply, off the request path, whether this backend can take requests; the health
     * checker calls it every {@code health_check_interval_ms}. Never throws: a failure is an
     * unhealthy result.
     *
     * @param timeout the longest the check may take
     * @return empty when there is nothing to probe: an in-process backend is up while the process is
     */
    default Optional<ProbeResult> probe(Duration timeout) {
        return Optional.empty();
    }

    @Override
    default void close() {}
}
