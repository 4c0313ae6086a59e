package dev.breakeven.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.access.Caller;
import dev.breakeven.access.Role;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.Wallets;
import dev.breakeven.metering.Journal;
import dev.breakeven.metering.UsageQuery;
import dev.breakeven.plans.Entitlements;
import dev.breakeven.plans.PlanChanges;
import dev.breakeven.plans.Renewals;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.EnumSet;
import java.util.Set;

/** Self-service: {@code /v1/me} (who am I, what my wallet holds) and {@code /v1/me/usage} (what have I used). */
final class MeRoutes implements HttpService {
    private static final Set<Role> ANY_ROLE = EnumSet.allOf(Role.class);

    private final Authenticator auth;
    private final HttpJson http;
    private final Journal journal;
    private final Wallets wallets;
    private final PriceBook prices;
    private final Entitlements entitlements;
    private final PlanChanges planChanges;
    private final Renewals renewals;
    private final java.time.Clock clock;

    MeRoutes(
            Authenticator auth,
            HttpJson http,
            Journal journal,
            Wallets wallets,
            PriceBook prices,
            Entitlements entitlements,
            PlanChanges planChanges,
            Renewals renewals,
            java.time.Clock clock) {
        this.planChanges = planChanges;
        this.renewals = renewals;
        this.entitlements = entitlements;
        this.clock = clock;
        this.prices = prices;
        this.auth = auth;
        this.http = http;
        this.journal = journal;
        this.wallets = wallets;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::me).get("/usage", this::usage).post("/plan", this::changePlan);
    }

    private void me(ServerRequest req, ServerResponse res) {
        Caller caller = auth.require(req, ANY_ROLE);
        ObjectNode body = http.mapper().createObjectNode();
        body.put("object", "account");
        body.put("id", caller.account().id());
        body.put("name", caller.account().name());
        body.put("role", caller.role().wireName());
        var standing =
                entitlements.standing(caller.account().id(), caller.account().planId(), clock.millis());
        if (standing.isPresent()) {
            ObjectNode plan = PlanView.standing(http.mapper(), standing.get());
            plan.set(
                    "subscription",
                    SubscriptionView.state(
                            http.mapper(), renewals.of(caller.account().id())));
            body.set("plan", plan);
        } else {
            body.putNull("plan");
        }
        body.put("key_id", caller.key().id());
        body.set(
                "wallet",
                WalletView.json(http.mapper(), wallets.balance(caller.account().id())));
        http.send(res, 200, body);
    }

    /** {@code {"plan": "plus"}}: moves the caller to the plan, paying what it costs for the rest of the month. */
    private void changePlan(ServerRequest req, ServerResponse res) {
        Caller caller = auth.require(req, ANY_ROLE);
        http.send(res, 200, PlanView.change(http, planChanges, caller.account(), http.readBody(req)));
    }

    private void usage(ServerRequest req, ServerResponse res) {
        Caller caller = auth.require(req, ANY_ROLE);
        var query = new UsageQuery(caller.account().id(), UsageView.since(req), UsageView.limit(req));
        http.send(res, 200, UsageView.list(http.mapper(), journal.usage(query), prices));
    }
}
