package dev.breakeven.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a backend is asked to run.
 *
 * @param chat the client's validated request
 * @param upstreamModel the model name the backend knows
 */
public record GenerationRequest(ChatRequest chat, String upstreamModel) {
    /** The client's body with the model replaced: every field we do not use passes through. */
    public ObjectNode upstreamBody(boolean stream) {
        ObjectNode body = chat.body().deepCopy();
        body.put("model", upstreamModel);
        if (stream) {
            body.put("stream", true);
            // Always ask for usage so metering is exact; the chunk is dropped for clients that did not ask.
            ObjectNode options = body.putObject("stream_options");
            options.setAll(chat.streamOptions());
            options.put("include_usage", true);
        } else {
            body.remove("stream_options");
            body.put("stream", false);
        }
        return body;
    }
}
