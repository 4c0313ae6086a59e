package dev.breakeven.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Receives a streamed generation one {@code chat.completion.chunk} at a time, as it arrives. A
 * backend may call it from a thread of its own while the thread that called {@link Backend#stream}
 * waits (the in-process llama backend does), but never from two threads at once; so implementations
 * must not depend on the calling thread (thread locals, scoped values).
 */
@FunctionalInterface
public interface ChunkSink {
    /**
     * Delivers one chunk. Implementations must not buffer it.
     *
     * @throws ClientGoneException if the receiver has gone away; the backend must then stop
     *     generating and release the upstream request
     */
    void chunk(ObjectNode chunk);
}
