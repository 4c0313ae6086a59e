package dev.breakeven.assistant;

import java.util.function.LongSupplier;

/**
 * What a turn must pass before it generates: the seam where billing reserves the most a turn can
 * cost (and, later, plans check entitlements, quotas and the queue). Called once per turn, after
 * the model is known and before any backend is called.
 */
@FunctionalInterface
public interface Admission {

    /** Admits every turn. */
    Admission OPEN = turn -> {};

    /**
     * Admits the turn, or refuses it by throwing; the exception reaches the caller unchanged (the
     * HTTP API maps it to a status), and no usage event is recorded for a refused turn.
     */
    void admit(Ticket turn);

    /**
     * A turn asking to be admitted.
     *
     * @param turnId the turn's id, which becomes its usage event's id
     * @param who who asks and pays
     * @param model the user-facing model id
     * @param promptTokens counts the prompt's tokens with our tokenizer when called (not before:
     *     counting costs time that an open admission does not need)
     * @param maxOutputTokens the request's {@code max_completion_tokens} / {@code max_tokens}, or null
     * @param at epoch millis of admission
     */
    record Ticket(
            String turnId, Requester who, String model, LongSupplier promptTokens, Integer maxOutputTokens, long at) {}
}
