package dev.breakeven.metering;

/**
 * What one generation consumed: the billable fact behind every answer. Immutable; its id is the
 * completion id the client saw, so a response and its event can always be matched.
 *
 * @param id globally unique event id (the {@code chatcmpl-…} id of the response)
 * @param occurredAt epoch millis when the request was admitted
 * @param accountId who pays
 * @param keyId the API key used
 * @param model the user-facing model id
 * @param backend the backend that served it (null if none was reached)
 * @param upstreamModel the model name sent to the backend (null if none was reached)
 * @param promptTokens input tokens
 * @param completionTokens output tokens
 * @param estimated true when the counts come from our tokenizer, not from the backend
 * @param timeToFirstTokenMillis millis from admission to the first content byte, or -1 if none
 * @param durationMillis millis from admission to the end
 * @param outcome how the generation ended
 * @param streamed whether the client asked for a stream
 * @param errorCode a stable error code when the outcome is not {@code COMPLETED}, else null
 * @param generationMillis how long the backend generated (first token to last), -1 when it cannot
 *     tell (remote servers); the raw material of GPU-time cost accounting
 * @param included whether the account's plan covers these tokens (they are not charged to its
 *     wallet); false without plans, and beyond an allowance paid from the wallet
 */
public record UsageEvent(
        String id,
        long occurredAt,
        String accountId,
        String keyId,
        String model,
        String backend,
        String upstreamModel,
        long promptTokens,
        long completionTokens,
        boolean estimated,
        long timeToFirstTokenMillis,
        long durationMillis,
        Outcome outcome,
        boolean streamed,
        String errorCode,
        long generationMillis,
        boolean included) {

    /** How a generation ended. */
    public enum Outcome {
        COMPLETED,
        FAILED,
        CANCELLED
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }

    /** This event with the backend's generation time, when the backend measured it ({@code millis} ≥ 0). */
    public UsageEvent withGenerationMillis(long millis) {
        return new UsageEvent(
                id,
                occurredAt,
                accountId,
                keyId,
                model,
                backend,
                upstreamModel,
                promptTokens,
                completionTokens,
                estimated,
                timeToFirstTokenMillis,
                durationMillis,
                outcome,
                streamed,
                errorCode,
                millis,
                included);
    }

    /** Completion tokens per second of generation time, or -1 when the generation time is unknown. */
    public double tokensPerSecond() {
        if (generationMillis <= 0) return -1;
        return completionTokens * 1000.0 / generationMillis;
    }
}
