package dev.breakeven.app;

import dev.breakeven.assistant.Admission;
import dev.breakeven.assistant.Assistant;
import dev.breakeven.billing.Prepayment;
import dev.breakeven.plans.Entitlements;
import dev.breakeven.plans.Pass;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The admission every chat turn passes, in order: the account's plan (model, caps, rates,
 * allowances — {@link Entitlements}), then, for tokens the plan does not cover, the wallet's
 * reservation ({@link Prepayment}). If the wallet refuses, what the plan reserved is given back.
 */
final class TurnAdmission implements Admission {
    private final Entitlements entitlements;
    private final Prepayment prepayment;
    private final Clock clock;

    TurnAdmission(Entitlements entitlements, Prepayment prepayment, Clock clock) {
        this.entitlements = entitlements;
        this.prepayment = prepayment;
        this.clock = clock;
    }

    @Override
    public Admitted admit(Ticket turn) {
        LongSupplier prompt = once(turn.promptTokens());
        Pass pass = entitlements.admit(
                turn.who().accountId(), turn.who().planId(), turn.model(), prompt, turn.maxOutputTokens(), turn.at());
        Integer outputCap = pass.plan() == null || pass.plan().maxOutputTokens() == 0
                ? null
                : (int) Math.min(Integer.MAX_VALUE, pass.plan().maxOutputTokens());
        // a request without max_tokens runs with the plan's cap, so that is the most it can cost
        Integer maxOutput = turn.maxOutputTokens() != null ? turn.maxOutputTokens() : outputCap;
        try {
            if (!pass.included()) {
                prepayment.reserve(turn.turnId(), turn.who().accountId(), pass.model(), prompt, maxOutput, turn.at());
            }
        } catch (RuntimeException e) {
            try {
                pass.abandoned(clock.millis());
            } catch (RuntimeException release) {
                e.addSuppressed(release); // the wallet's refusal is what the caller must see
            }
            throw e;
        }
        Map<String, String> headers = new LinkedHashMap<>(pass.headers());
        if (!pass.model().equals(turn.model())) headers.put(Assistant.DOWNGRADED_HEADER, turn.model());
        String priorityClass =
                pass.plan() == null ? Admitted.DEFAULT_CLASS : pass.plan().priorityClass();
        return new Admitted(pass.model(), pass.included(), headers, priorityClass, outputCap, event -> {
            if (event == null) pass.abandoned(clock.millis());
            else pass.finished(event.totalTokens(), clock.millis());
        });
    }

    /** Counts the prompt at most once, however many parts ask. */
    private static LongSupplier once(LongSupplier count) {
        long[] memo = {-1};
        return () -> {
            if (memo[0] < 0) memo[0] = count.getAsLong();
            return memo[0];
        };
    }
}
