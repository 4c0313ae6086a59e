package dev.breakeven.knowledge;

/**
 * Limits and sizes for ingestion: files over {@code maxFileBytes} are refused ({@code
 * file_too_large}); passages hold at most {@code passageWords} words and a split section's
 * passages overlap by up to {@code overlapWords}. Invalid values throw {@link
 * IllegalArgumentException}.
 */
public record IngestSettings(long maxFileBytes, int passageWords, int overlapWords) {
    public static final long DEFAULT_MAX_FILE_BYTES = 10L * 1024 * 1024;
    public static final IngestSettings DEFAULTS = new IngestSettings(DEFAULT_MAX_FILE_BYTES, 200, 40);

    public IngestSettings {
        if (maxFileBytes < 1) throw new IllegalArgumentException("maxFileBytes must be positive");
        if (passageWords < 10) throw new IllegalArgumentException("passageWords must be at least 10");
        if (overlapWords < 0 || overlapWords >= passageWords / 2)
            throw new IllegalArgumentException("overlapWords must be between 0 and half of passageWords");
    }

    public IngestSettings withMaxFileBytes(long bytes) {
        return new IngestSettings(bytes, passageWords, overlapWords);
    }
}
