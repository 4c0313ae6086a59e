package dev.breakeven.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.inference.ChunkSink;

/**
 * Passes a backend's chunks to the client under our id and model name, while noting what the
 * metering needs: when the first token came, and the text sent (for estimating usage when the
 * backend reports none). The usage chunk we always ask for is dropped unless the client asked too.
 */
final class Relay implements ChunkSink {
    private final String id;
    private String model;
    private final boolean includeUsage;
    private final TurnSink sink;
    private final long startNanos;
    private final StringBuilder text = new StringBuilder();
    private long firstTokenNanos = -1;
    private int sent;

    Relay(String id, String model, boolean includeUsage, TurnSink sink, long startNanos) {
        this.id = id;
        this.model = model;
        this.includeUsage = includeUsage;
        this.sink = sink;
        this.startNanos = startNanos;
    }

    /** The model that answers, when the turn moved to another before anything was sent. */
    void model(String served) {
        this.model = served;
    }

    @Override
    public void chunk(ObjectNode chunk) {
        JsonNode choices = chunk.path("choices");
        boolean usageOnly = choices.isArray() && choices.isEmpty() && chunk.hasNonNull("usage");
        if (usageOnly && !includeUsage) return;
        noteContent(choices);
        chunk.put("id", id);
        chunk.put("model", model);
        if (!includeUsage) chunk.remove("usage");
        else if (!chunk.has("usage")) chunk.putNull("usage");
        sink.chunk(chunk);
        sent++;
    }

    private void noteContent(JsonNode choices) {
        for (JsonNode choice : choices) {
            JsonNode delta = choice.path("delta");
            String content = delta.path("content").asText("");
            boolean token = !content.isEmpty() || delta.has("tool_calls") || delta.has("refusal");
            if (token && firstTokenNanos < 0) firstTokenNanos = System.nanoTime();
            text.append(content);
            for (JsonNode call : delta.path("tool_calls")) {
                text.append(call.path("function").path("arguments").asText(""));
            }
        }
    }

    /** Sends a usage chunk we made ourselves (for a client that asked, when the backend gave none). */
    void sendOwnUsage(ObjectNode usageChunk) {
        usageChunk.put("id", id);
        usageChunk.put("model", model);
        sink.chunk(usageChunk);
        sent++;
    }

    int sent() {
        return sent;
    }

    String text() {
        return text.toString();
    }

    long timeToFirstTokenMillis() {
        return firstTokenNanos < 0 ? -1 : (firstTokenNanos - startNanos) / 1_000_000;
    }
}
