package dev.breakeven.inference;

/**
 * How fast a backend generated one answer, measured where the tokens were made: the raw material of
 * cost accounting (GPU or CPU time per answer).
 *
 * @param generationMillis time from the first completion token to the last
 * @param tokensPerSecond completion tokens after the first, divided by that time; 0 when fewer than
 *     two tokens were generated
 */
public record GenerationStats(long generationMillis, double tokensPerSecond) {

    /**
     * Stats for {@code tokens} completion tokens whose first arrived at {@code firstNanos} and last
     * at {@code lastNanos} ({@link System#nanoTime()} readings).
     */
    public static GenerationStats of(long tokens, long firstNanos, long lastNanos) {
        long nanos = Math.max(0, lastNanos - firstNanos);
        double perSecond = tokens >= 2 && nanos > 0 ? (tokens - 1) * 1e9 / nanos : 0;
        return new GenerationStats(nanos / 1_000_000, perSecond);
    }
}
