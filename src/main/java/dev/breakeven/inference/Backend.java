package dev.breakeven.inference;

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

    @Override
    default void close() {}
}
