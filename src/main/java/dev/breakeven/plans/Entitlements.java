package dev.breakeven.plans;

import dev.breakeven.cluster.Claim;
import dev.breakeven.cluster.Counters;
import dev.breakeven.cluster.Denial;
import dev.breakeven.cluster.GroupReservation;
import dev.breakeven.cluster.Lease;
import dev.breakeven.cluster.Leases;
import dev.breakeven.cluster.Usage;
import dev.breakeven.cluster.Window;
import dev.breakeven.ledger.Money;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What an account's plan lets a request do, decided at admission and held until the request ends:
 * the model must be in the plan, the prompt and output within its caps; a request and its most
 * tokens (prompt plus maximum output) are reserved against the per-minute rates, then against the
 * daily and monthly allowances — each group all or none, on the {@link Counters}, so limits hold
 * under any concurrency. Beyond an allowance the plan's {@link Overage} decides.
 */
public final class Entitlements {
    /** Output reserved for a request that sets no maximum, on a plan that caps none. */
    static final long DEFAULT_OUTPUT_RESERVE = 4096;

    private final Supplier<PlanCatalog> catalog;
    private final Counters counters;

    /** @param catalog the current plans, asked once per decision (e.g. {@link PlanBook#catalog}) */
    public Entitlements(Supplier<PlanCatalog> catalog, Counters counters) {
        this.catalog = catalog;
        this.counters = counters;
    }

    public Entitlements(PlanCatalog catalog, Counters counters) {
        this(() -> catalog, counters);
    }

    /** The plans now. */
    public PlanCatalog catalog() {
        return catalog.get();
    }

    /**
     * Admits a request or refuses it.
     *
     * @param planId the account's plan, or null for the default plan
     * @throws PlanException {@code model_not_in_plan}, {@code context_too_long}, {@code
     *     output_too_long}, {@code rate_limit_exceeded}, {@code allowance_exhausted}
     * @throws dev.breakeven.cluster.ClusterException {@code counters_unavailable} when the counters
     *     cannot be reached; then nothing is held
     */
    public Pass admit(
            String accountId, String planId, String model, LongSupplier promptTokens, Integer maxOutput, long now) {
        Plan plan = catalog.get().planOf(planId).orElse(null);
        if (plan == null) return Pass.open(model);
        if (!plan.includes(model)) throw notInPlan(plan, model);
        long prompt = promptTokens.getAsLong();
        if (plan.maxContextTokens() > 0 && prompt > plan.maxContextTokens()) {
            throw new PlanException(
                    "context_too_long",
                    "This request has " + prompt + " prompt tokens; your plan '" + plan.name() + "' allows "
                            + plan.maxContextTokens() + ".",
                    "messages",
                    null,
                    Map.of());
        }
        if (plan.maxOutputTokens() > 0 && maxOutput != null && maxOutput > plan.maxOutputTokens()) {
            throw new PlanException(
                    "output_too_long",
                    "max_tokens is " + maxOutput + "; your plan '" + plan.name() + "' allows at most "
                            + plan.maxOutputTokens() + ".",
                    "max_tokens",
                    null,
                    Map.of());
        }
        long output = maxOutput != null
                ? maxOutput
                : plan.maxOutputTokens() > 0 ? plan.maxOutputTokens() : DEFAULT_OUTPUT_RESERVE;
        long tokens = prompt + output;
        Map<String, String> headers = new LinkedHashMap<>();
        List<Lease> requestLeases = new ArrayList<>();
        List<Lease> tokenLeases = new ArrayList<>();
        List<Claim> rates = new ArrayList<>();
        if (plan.requestsPerMinute() > 0)
            rates.add(new Claim(accountId + ":rpm", Window.MINUTE, 1, plan.requestsPerMinute()));
        if (plan.tokensPerMinute() > 0)
            rates.add(new Claim(accountId + ":tpm", Window.MINUTE, tokens, plan.tokensPerMinute()));
        if (!rates.isEmpty()) {
            Leases leases = reserveOrThrow(rates, now, "rate_limit_exceeded", plan);
            for (Lease l : leases.leases()) {
                boolean requests = l.key().endsWith(":rpm");
                (requests ? requestLeases : tokenLeases).add(l);
                putHeaders(headers, requests ? "requests" : "tokens", l.usage());
            }
        }
        List<Claim> allowances = new ArrayList<>();
        if (plan.tokensPerDay() > 0)
            allowances.add(new Claim(accountId + ":day", Window.UTC_DAY, tokens, plan.tokensPerDay()));
        if (plan.tokensPerMonth() > 0)
            allowances.add(new Claim(accountId + ":month", Window.UTC_MONTH, tokens, plan.tokensPerMonth()));
        if (allowances.isEmpty()) return new Pass(plan, model, true, headers, requestLeases, tokenLeases);
        GroupReservation r;
        try {
            r = counters.reserveAll(allowances, now);
        } catch (RuntimeException e) { // e.g. counters_unavailable: what the rates hold is given back
            try {
                new Pass(plan, model, true, headers, requestLeases, tokenLeases).abandoned(now);
            } catch (RuntimeException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            throw e;
        }
        if (r instanceof Leases leases) {
            tokenLeases.addAll(leases.leases());
            return new Pass(plan, model, true, headers, requestLeases, tokenLeases);
        }
        Denial denial = (Denial) r;
        return switch (plan.overage().policy()) {
            case WALLET -> new Pass(plan, model, false, headers, requestLeases, tokenLeases);
            case DOWNGRADE ->
                new Pass(plan, plan.overage().downgradeModel(), true, headers, requestLeases, tokenLeases);
            case REFUSE -> {
                new Pass(plan, model, true, headers, requestLeases, tokenLeases).abandoned(now);
                // the allowance is the tokens limit that refused: its headers say when it resets
                putHeaders(headers, "tokens", denial.usage());
                throw refusal("allowance_exhausted", denial, plan, headers);
            }
        };
    }

    /**
     * Where an account stands on its plan now: the plan, and each of its limits as used, left and
     * reset (empty when no plans are configured). Reads only; holds nothing.
     */
    public java.util.Optional<Standing> standing(String accountId, String planId, long now) {
        PlanCatalog plans = catalog.get();
        return plans.planOf(planId).map(plan -> {
            Map<String, Usage> limits = new LinkedHashMap<>();
            if (plan.requestsPerMinute() > 0)
                limits.put(
                        "requests_per_minute",
                        counters.usage(accountId + ":rpm", Window.MINUTE, plan.requestsPerMinute(), now));
            if (plan.tokensPerMinute() > 0)
                limits.put(
                        "tokens_per_minute",
                        counters.usage(accountId + ":tpm", Window.MINUTE, plan.tokensPerMinute(), now));
            if (plan.tokensPerDay() > 0)
                limits.put(
                        "tokens_per_day", counters.usage(accountId + ":day", Window.UTC_DAY, plan.tokensPerDay(), now));
            if (plan.tokensPerMonth() > 0)
                limits.put(
                        "tokens_per_month",
                        counters.usage(accountId + ":month", Window.UTC_MONTH, plan.tokensPerMonth(), now));
            List<Plan> upgrades = plans.plans().stream()
                    .filter(p -> p.monthlyPriceMicros() > plan.monthlyPriceMicros())
                    .toList();
            return new Standing(plan, limits, upgrades);
        });
    }

    /**
     * An account's plan and its limits now.
     *
     * @param limits by name ({@code tokens_per_day}, …), only those the plan has
     * @param upgrades the plans that cost more, cheapest first in catalog order
     */
    public record Standing(Plan plan, Map<String, Usage> limits, List<Plan> upgrades) {}

    private Leases reserveOrThrow(List<Claim> claims, long now, String code, Plan plan) {
        GroupReservation r = counters.reserveAll(claims, now);
        if (r instanceof Leases leases) return leases;
        Denial denial = (Denial) r;
        Map<String, String> headers = new LinkedHashMap<>();
        putHeaders(headers, denial.key().endsWith(":rpm") ? "requests" : "tokens", denial.usage());
        throw refusal(code, denial, plan, headers);
    }

    private static PlanException refusal(String code, Denial denial, Plan plan, Map<String, String> headers) {
        String what =
                switch (denial.key().substring(denial.key().lastIndexOf(':') + 1)) {
                    case "rpm" -> "requests per minute";
                    case "tpm" -> "tokens per minute";
                    case "day" -> "tokens per day";
                    default -> "tokens per month";
                };
        if (!denial.canEverFit()) {
            return new PlanException(
                    code,
                    "This request needs " + denial.requested() + " tokens, more than your plan '" + plan.name()
                            + "' allows in " + what + " (" + denial.limit() + "). Lower max_tokens or upgrade.",
                    "max_tokens",
                    null,
                    headers);
        }
        long seconds = Math.max(1, (denial.retryAfter().toMillis() + 999) / 1000);
        return new PlanException(
                code,
                "Your plan '" + plan.name() + "' allows " + denial.limit() + " " + what + "; " + denial.remaining()
                        + " left. Try again in " + seconds + " s, or upgrade.",
                null,
                seconds,
                headers);
    }

    private static void putHeaders(Map<String, String> headers, String what, Usage usage) {
        headers.put("x-ratelimit-limit-" + what, Long.toString(usage.limit()));
        headers.put("x-ratelimit-remaining-" + what, Long.toString(usage.remaining()));
        headers.put("x-ratelimit-reset-" + what, resetText(usage.resetAfter()));
    }

    /** OpenAI's reset format: {@code 1s}, {@code 6m0s}, {@code 1h2m3s}, {@code 120ms}. */
    static String resetText(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + "ms";
        long s = (ms + 999) / 1000;
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        if (h > 0) return h + "h" + m + "m" + sec + "s";
        if (m > 0) return m + "m" + sec + "s";
        return sec + "s";
    }

    private PlanException notInPlan(Plan plan, String model) {
        return catalog.get()
                .cheapestWith(model)
                .map(p -> new PlanException(
                        "model_not_in_plan",
                        "The model '" + model + "' is not included in your plan '"
                                + plan.name() + "'. It is included in '" + p.name() + "' ($"
                                + Money.format(p.monthlyPriceMicros())
                                + "/month): upgrade with POST /v1/me/plan {\"plan\":\"" + p.id() + "\"}."))
                .orElseGet(() -> new PlanException(
                        "model_not_in_plan", "The model '" + model + "' is not included in any plan."));
    }
}
