package dev.breakeven.inference;

/**
 * How a streamed generation ended normally.
 *
 * @param usage what the backend reported, or null if it reported nothing
 * @param stats how fast it generated, or null when the backend cannot tell (a remote server)
 */
public record StreamEnd(Usage usage, GenerationStats stats) {
    public StreamEnd(Usage usage) {
        this(usage, null);
    }
}
