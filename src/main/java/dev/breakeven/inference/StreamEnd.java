package dev.breakeven.inference;

/**
 * How a streamed generation ended normally.
 *
 * @param usage what the backend reported, or null if it reported nothing
 */
public record StreamEnd(Usage usage) {}
