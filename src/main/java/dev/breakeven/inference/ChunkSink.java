package dev.breakeven.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Receives a streamed generation one {@code chat.completion.chunk} at a time, as it arrives. */
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
