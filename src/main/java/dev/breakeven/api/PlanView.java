package dev.breakeven.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.access.Account;
import dev.breakeven.cluster.Usage;
import dev.breakeven.plans.Entitlements;
import dev.breakeven.plans.Plan;
import dev.breakeven.plans.PlanChanges;
import dev.breakeven.plans.StoredPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Plans as JSON: what a plan offers, where an account stands on it, what an upgrade unlocks. Its
 * public shapes are shared with the CLI.
 */
public final class PlanView {
    private PlanView() {}

    public static ObjectNode plan(ObjectMapper json, Plan p) {
        ObjectNode node = json.createObjectNode();
        node.put("id", p.id());
        node.put("name", p.name());
        node.put("monthly_price_micros", p.monthlyPriceMicros());
        ArrayNode models = node.putArray("models");
        p.models().forEach(models::add);
        node.put("max_context_tokens", p.maxContextTokens());
        node.put("max_output_tokens", p.maxOutputTokens());
        node.put("tokens_per_day", p.tokensPerDay());
        node.put("tokens_per_month", p.tokensPerMonth());
        node.put("requests_per_minute", p.requestsPerMinute());
        node.put("tokens_per_minute", p.tokensPerMinute());
        node.put("priority", p.priorityClass());
        node.put("ads", p.ads());
        node.put("overage", p.overage().wire());
        return node;
    }

    /** A plan as the admin API shows it: its terms, whether it is archived or the default, when it was stored. */
    public static ObjectNode stored(ObjectMapper json, StoredPlan s, String defaultPlan) {
        ObjectNode node = json.createObjectNode();
        node.put("object", "plan");
        node.setAll(plan(json, s.plan()));
        node.put("archived", s.archived());
        node.put("default", s.plan().id().equals(defaultPlan));
        node.put("created_at", s.createdAt());
        node.put("updated_at", s.updatedAt());
        return node;
    }

    /** Reads {@code {"plan": ID}}, changes the account's plan, and describes the change. */
    static ObjectNode change(HttpJson http, PlanChanges changes, Account account, JsonNode body) {
        if (!body.isObject()) throw new ApiProblem(400, "invalid_json", "The request body must be a JSON object.");
        String planId = AdminRoutes.text(body, "plan", true);
        PlanChanges.Change change = changes.change(account.id(), account.planId(), planId);
        ObjectNode out = http.mapper().createObjectNode();
        out.put("object", "plan.change");
        out.put("account_id", account.id());
        out.put("from", change.from() == null ? null : change.from().id());
        out.put("to", change.to().id());
        out.put("charged_micros", change.chargedMicros());
        out.set("plan", plan(http.mapper(), change.to()));
        out.set("subscription", SubscriptionView.state(http.mapper(), change.subscription()));
        return out;
    }

    static ObjectNode standing(ObjectMapper json, Entitlements.Standing s) {
        ObjectNode node = plan(json, s.plan());
        ObjectNode limits = node.putObject("usage");
        for (Map.Entry<String, Usage> e : s.limits().entrySet()) {
            Usage u = e.getValue();
            limits.putObject(e.getKey())
                    .put("limit", u.limit())
                    .put("used", u.used())
                    .put("remaining", u.remaining())
                    .put("resets_at", u.resetAt());
        }
        ArrayNode upgrades = node.putArray("upgrades");
        for (Plan up : s.upgrades()) {
            ObjectNode u = upgrades.addObject();
            u.put("plan", up.id());
            u.put("name", up.name());
            u.put("monthly_price_micros", up.monthlyPriceMicros());
            List<String> more = new ArrayList<>(up.models());
            more.removeAll(s.plan().models());
            ArrayNode adds = u.putArray("adds_models");
            more.forEach(adds::add);
            u.put("priority", up.priorityClass());
            u.put("ads", up.ads());
        }
        return node;
    }
}
