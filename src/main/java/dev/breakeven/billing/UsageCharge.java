package dev.breakeven.billing;

import dev.breakeven.ledger.Money;
import dev.breakeven.metering.UsageEvent;

/**
 * What a usage event costs its account: its input tokens at the model's input price plus its
 * output tokens at the output price, each rounded half up to a micro. A failed generation costs
 * nothing (the user got no answer); a cancelled one costs the tokens generated before the client
 * left; tokens the account's plan covers cost nothing on top of the plan.
 */
public final class UsageCharge {
    private UsageCharge() {}

    /** The charge in micros; 0 for a failed generation. */
    public static long of(UsageEvent event, ModelRates rates) {
        if (event.outcome() == UsageEvent.Outcome.FAILED || event.included()) return 0;
        return Math.addExact(
                Money.perMillion(event.promptTokens(), rates.inputPerMillion()),
                Money.perMillion(event.completionTokens(), rates.outputPerMillion()));
    }

    /** The most a generation can cost: the prompt and {@code maxOutputTokens} of output. */
    public static long ceiling(long promptTokens, long maxOutputTokens, ModelRates rates) {
        return Math.addExact(
                Money.perMillion(promptTokens, rates.inputPerMillion()),
                Money.perMillion(maxOutputTokens, rates.outputPerMillion()));
    }
}
