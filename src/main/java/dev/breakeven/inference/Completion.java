package dev.breakeven.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A finished non-streamed generation.
 *
 * @param body the {@code chat.completion} object, with every field the backend returned
 * @param usage what the backend reported, or null if it reported nothing
 * @param stats how fast it generated, or null when the backend cannot tell (a remote server)
 */
public record Completion(ObjectNode body, Usage usage, GenerationStats stats) {
    public Completion(ObjectNode body, Usage usage) {
        this(body, usage, null);
    }
}
