package dev.breakeven.assistant;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Where a streamed chat turn goes: an HTTP response now, a messaging channel later. */
public interface TurnSink {
    /**
     * Sends one {@code chat.completion.chunk} at once. The first call commits the response, so
     * errors before it can still become a plain error status.
     *
     * @throws dev.breakeven.inference.ClientGoneException if the client has gone
     */
    void chunk(ObjectNode chunk);

    /** Headers for the response (rate limits), given before the first chunk; a sink without headers ignores them. */
    default void headers(java.util.Map<String, String> headers) {}

    /** Ends a finished stream (the {@code [DONE]} marker). Called after the usage event is durable in sync mode. */
    void done();
}
