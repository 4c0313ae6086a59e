package dev.breakeven.inference;

/**
 * Tokens one generation consumed.
 *
 * @param estimated true when counted by our tokenizer because the backend reported nothing
 */
public record Usage(long promptTokens, long completionTokens, boolean estimated) {
    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
