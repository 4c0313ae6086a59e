package dev.breakeven.assistant;

import dev.breakeven.metering.UsageEvent;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What a turn must pass before it generates: the seam where plans check entitlements, rates and
 * allowances and billing reserves the most a turn can cost. Called once per turn, after the model
 * is known and before any backend is called.
 */
@FunctionalInterface
public interface Admission {

    /** Admits every turn as asked, holding nothing. */
    Admission OPEN = turn -> Admitted.asAsked(turn.model());

    /**
     * Admits the turn, or refuses it by throwing; the exception reaches the caller unchanged (the
     * HTTP API maps it to a status), and no usage event is recorded for a refused turn.
     */
    Admitted admit(Ticket turn);

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

    /**
     * An admitted turn.
     *
     * @param model the model that serves it (a plan may serve it with another than asked)
     * @param included whether its tokens are covered by a plan rather than charged to the wallet
     * @param headers response headers (rate limits) to send with the answer
     * @param priorityClass where its generations queue for capacity ({@link Capacity})
     * @param outputCap the most output tokens it may generate, applied as {@code max_tokens} when
     *     the request set none; null for no cap
     * @param onEnd called once with the turn's usage event when it ends (finished, failed or
     *     cancelled), or with null when it ended without one
     */
    record Admitted(
            String model,
            boolean included,
            Map<String, String> headers,
            String priorityClass,
            Integer outputCap,
            Consumer<UsageEvent> onEnd) {
        /** The class of turns no plan places. */
        public static final String DEFAULT_CLASS = "default";

        public static Admitted asAsked(String model) {
            return new Admitted(model, false, Map.of(), DEFAULT_CLASS, null, event -> {});
        }
    }
}
