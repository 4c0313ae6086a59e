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

    /**
     * Keeps one request and {@code tokens} of what was reserved (a request that used fewer gives the
     * rest back). Every lease is settled even if one fails; the first failure (e.g. {@code
     * counters_unavailable}) is then thrown, and its lease stays counted as reserved.
     */
    public void finished(long tokens, long now) {
        RuntimeException failed = null;
        for (Lease l : requestLeases) failed = settle(l, l.amount(), now, failed);
        for (Lease l : tokenLeases) failed = settle(l, tokens, now, failed);
        if (failed != null) throw failed;
    }

    /** Gives back everything: the request never ran. Failures as in {@link #finished}. */
    public void abandoned(long now) {
        RuntimeException failed = null;
        for (Lease l : requestLeases) failed = settle(l, 0, now, failed);
        for (Lease l : tokenLeases) failed = settle(l, 0, now, failed);
        if (failed != null) throw failed;
    }

    private static RuntimeException settle(Lease lease, long actual, long now, RuntimeException failed) {
        try {
            lease.settle(actual, now);
            return failed;
        } catch (RuntimeException e) {
            if (failed == null) return e;
            failed.addSuppressed(e);
            return failed;
        }
    }
}
