package dev.breakeven.plans;

import java.util.List;

/**
 * What a subscription buys: which models, how much context and output, how many tokens a day and a
 * month, how fast, where in the queue, whether ads are shown, and what happens beyond the
 * allowances. Limits of 0 mean "none": no cap on context, output, rate or allowance.
 *
 * @param id stable id ({@code free}, {@code plus}, {@code pro})
 * @param name what users read
 * @param monthlyPriceMicros the fee per month (the price book's {@code plan_fee} wins when set)
 * @param models the user-facing model ids included
 * @param maxContextTokens most prompt tokens per request (0 = no cap)
 * @param maxOutputTokens most output tokens per request (0 = no cap)
 * @param tokensPerDay tokens included per UTC day (0 = no daily allowance)
 * @param tokensPerMonth tokens included per UTC month (0 = no monthly allowance)
 * @param requestsPerMinute (0 = no rate limit)
 * @param tokensPerMinute (0 = no rate limit)
 * @param priorityClass the scheduler class of its requests
 * @param ads whether answers on this plan carry sponsored units
 * @param overage what happens once an allowance is used up
 */
public record Plan(
        String id,
        String name,
        long monthlyPriceMicros,
        List<String> models,
        long maxContextTokens,
        long maxOutputTokens,
        long tokensPerDay,
        long tokensPerMonth,
        long requestsPerMinute,
        long tokensPerMinute,
        String priorityClass,
        boolean ads,
        Overage overage) {

    public Plan {
        if (id == null || !id.matches("[a-z0-9][a-z0-9_-]{0,62}")) {
            throw new IllegalArgumentException(
                    "a plan id is 1-63 lower-case letters, digits, '-' or '_', got '" + id + "'");
        }
        if (name == null || name.isBlank()) throw new IllegalArgumentException("plan " + id + " needs a name");
        models = List.copyOf(models == null ? List.of() : models);
        for (long v : new long[] {
            monthlyPriceMicros,
            maxContextTokens,
            maxOutputTokens,
            tokensPerDay,
            tokensPerMonth,
            requestsPerMinute,
            tokensPerMinute
        }) {
            if (v < 0) throw new IllegalArgumentException("plan " + id + " has a negative limit or price");
        }
        if (priorityClass == null || priorityClass.isBlank())
            throw new IllegalArgumentException("plan " + id + " needs a priority class");
        if (overage == null) throw new IllegalArgumentException("plan " + id + " needs an overage policy");
    }

    public boolean includes(String model) {
        return models.contains(model);
    }
}
