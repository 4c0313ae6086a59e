package dev.breakeven.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request the mock upstream received.
 *
 * @param method HTTP method
 * @param path request path, e.g. {@code /v1/chat/completions}
 * @param headers header values by name; lookups through {@link #header(String)} ignore case
 * @param body the body parsed as JSON; a {@code MissingNode} when empty or not JSON
 * @param rawBody the body as received (UTF-8)
 */
public record RecordedRequest(
        String method, String path, Map<String, List<String>> headers, JsonNode body, String rawBody) {

    /** The first value of a header, matched without regard to case. */
    public Optional<String> header(String name) {
        return headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty())
                .map(e -> e.getValue().getFirst())
                .findFirst();
    }
}
