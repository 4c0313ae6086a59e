package dev.breakeven.inference;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Tokens one generation consumed.
 *
 * @param estimated true when counted by our tokenizer because the backend reported nothing
 */
public record Usage(long promptTokens, long completionTokens, boolean estimated) {
    public long totalTokens() {
        return promptTokens + completionTokens;
    }

    /** OpenAI's {@code usage} object. */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("prompt_tokens", promptTokens);
        node.put("completion_tokens", completionTokens);
        node.put("total_tokens", totalTokens());
        return node;
    }
}
