package dev.breakeven.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.access.Account;
import dev.breakeven.plans.Renewals;
import dev.breakeven.plans.Subscription;
import java.util.Optional;

/** Subscriptions as JSON: what an account has paid for, and what a renewal did. Shared with the CLI. */
public final class SubscriptionView {
    private SubscriptionView() {}

    /** An account's subscription; {@code status: "none"} on the default plan. */
    public static ObjectNode of(ObjectMapper json, Account account, Optional<Subscription> subscription) {
        ObjectNode node = json.createObjectNode();
        node.put("object", "subscription");
        node.put("account_id", account.id());
        node.put("plan", account.planId());
        fill(node, subscription);
        return node;
    }

    /** The subscription's state, for {@code /v1/me}'s plan. */
    static ObjectNode state(ObjectMapper json, Optional<Subscription> subscription) {
        return fill(json.createObjectNode(), subscription);
    }

    public static ObjectNode renewal(ObjectMapper json, Renewals.Renewal r) {
        ObjectNode node = json.createObjectNode();
        node.put("object", "subscription.renewal");
        node.put("account_id", r.accountId());
        node.put("plan", r.planId());
        node.put("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT));
        node.put("charged_micros", r.chargedMicros());
        fill(node.putObject("subscription"), r.subscription());
        return node;
    }

    private static ObjectNode fill(ObjectNode node, Optional<Subscription> subscription) {
        if (subscription.isEmpty()) {
            node.put("status", "none");
            return node;
        }
        Subscription s = subscription.get();
        node.put("status", s.status().wire());
        node.put("plan", s.planId());
        node.put("paid_through", s.paidThrough());
        if (s.graceUntil() == null) node.putNull("grace_until");
        else node.put("grace_until", s.graceUntil());
        return node;
    }
}
