package dev.breakeven.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.testing.Gateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reads an OpenAI event stream the way a strict client does. */
final class Sse {
    private Sse() {}

    /** The payloads of the {@code data:} events, in order; fails on anything that is not OpenAI framing. */
    static List<String> dataLines(String body) {
        List<String> out = new ArrayList<>();
        for (String event : body.split("\n\n", -1)) {
            if (event.isEmpty()) continue;
            if (!event.startsWith("data: ") || event.contains("\n"))
                throw new AssertionError("bad SSE framing: " + event);
            out.add(event.substring(6));
        }
        return out;
    }

    static List<JsonNode> chunks(List<String> dataLines) {
        List<JsonNode> out = new ArrayList<>();
        for (String d : dataLines) {
            if (d.equals("[DONE]")) continue;
            try {
                out.add(Gateway.JSON.readTree(d));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    static String content(List<JsonNode> chunks) {
        StringBuilder b = new StringBuilder();
        for (JsonNode c : chunks)
            for (JsonNode choice : c.path("choices"))
                b.append(choice.path("delta").path("content").asText(""));
        return b.toString().strip();
    }
}
