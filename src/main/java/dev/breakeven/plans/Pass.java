package dev.breakeven.plans;

import dev.breakeven.cluster.Lease;
import java.util.List;
import java.util.Map;

/**
 * A request a plan admitted, holding what it reserved of the plan's rates and allowances until it
 * ends. Exactly one of {@link #finished} and {@link #abandoned} takes effect; later calls do
 * nothing.
 *
 * @param plan the plan, or null when no plans are configured
 * @param model the model that serves it: the one asked for, or the plan's downgrade model
 * @param included whether its tokens are covered by the plan (true) or paid from the wallet at
 *     price-book rates (false: no plan, or beyond an allowance with the {@code wallet} policy)
 * @param headers OpenAI's rate-limit headers for the response
 */
public record Pass(
        Plan plan,
        String model,
        boolean included,
        Map<String, String> headers,
        List<Lease> requestLeases,
        List<Lease> tokenLeases) {

    /** A pass for a world without plans: nothing held, every token paid from the wallet. */
    public static Pass open(String model) {
        return new Pass(null, model, false, Map.of(), List.of(), List.of());
    }

    /** Keeps one request and {@code tokens} of what was reserved (a request that used fewer gives the rest back). */
    public void finished(long tokens, long now) {
        for (Lease l : requestLeases) l.settle(l.amount(), now);
        for (Lease l : tokenLeases) l.settle(tokens, now);
    }

    /** Gives back everything: the request never ran. */
    public void abandoned(long now) {
        for (Lease l : requestLeases) l.release(now);
        for (Lease l : tokenLeases) l.release(now);
    }
}
