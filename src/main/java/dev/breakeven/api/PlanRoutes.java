package dev.breakeven.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.access.AccessException;
import dev.breakeven.access.Account;
import dev.breakeven.access.KeyRing;
import dev.breakeven.access.Role;
import dev.breakeven.plans.Plan;
import dev.breakeven.plans.PlanBook;
import dev.breakeven.plans.PlanException;
import dev.breakeven.plans.Renewals;
import dev.breakeven.plans.StoredPlan;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Set;

/**
 * The operator's plans under {@code /admin/v1}: list, read, create, replace, edit and archive
 * plans; read an account's subscription; renew what is due now.
 */
final class PlanRoutes implements HttpService {
    private static final Set<Role> OPERATOR = Set.of(Role.OPERATOR);

    private final Authenticator auth;
    private final HttpJson http;
    private final PlanBook plans;
    private final Renewals renewals;
    private final KeyRing keys;

    PlanRoutes(Authenticator auth, HttpJson http, PlanBook plans, Renewals renewals, KeyRing keys) {
        this.auth = auth;
        this.http = http;
        this.plans = plans;
        this.renewals = renewals;
        this.keys = keys;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/plans", this::list)
                .post("/plans", this::create)
                .get("/plans/{plan}", this::read)
                .put("/plans/{plan}", this::put)
                .patch("/plans/{plan}", this::patch)
                .delete("/plans/{plan}", this::archive)
                .get("/accounts/{account}/subscription", this::subscription)
                .post("/subscriptions/renew", this::renewDue);
    }

    private void list(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        http.send(res, 200, http.list(plans.stored(), this::stored));
    }

    private void read(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        http.send(res, 200, stored(existing(req)));
    }

    /** 201 with the plan; 409 {@code plan_exists} when its id is taken. */
    private void create(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        ObjectNode body = PlanJson.object(http.readBody(req));
        Plan plan = PlanJson.plan(body, null);
        StoredPlan created = plans.create(plan);
        if (Boolean.TRUE.equals(PlanJson.archived(body))) created = plans.archive(plan.id());
        http.send(res, 201, stored(created));
    }

    /** The whole plan: fields left out take their defaults. 201 when created, 200 when replaced. */
    private void put(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        ObjectNode body = PlanJson.object(http.readBody(req));
        PlanBook.Saved saved = plans.put(PlanJson.plan(body, planId(req)), PlanJson.archived(body));
        http.send(res, saved.created() ? 201 : 200, stored(saved.plan()));
    }

    /** Only the fields sent change. 404 for an unknown plan. */
    private void patch(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        ObjectNode changes = PlanJson.object(http.readBody(req));
        StoredPlan current = existing(req);
        ObjectNode merged = PlanView.plan(http.mapper(), current.plan());
        merged.setAll(changes);
        PlanBook.Saved saved = plans.put(PlanJson.plan(merged, planId(req)), PlanJson.archived(changes));
        http.send(res, 200, stored(saved.plan()));
    }

    /** Stops offering the plan; accounts on it keep it. 409 for the default plan. */
    private void archive(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        http.send(res, 200, stored(plans.archive(planId(req))));
    }

    private void subscription(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        String nameOrId = req.path().pathParameters().get("account");
        Account account = keys.account(nameOrId)
                .orElseThrow(() -> new AccessException("account_not_found", "No account named '" + nameOrId + "'."));
        http.send(res, 200, SubscriptionView.of(http.mapper(), account, renewals.of(account.id())));
    }

    /** Renews every subscription that is due now, instead of waiting for the next pass. */
    private void renewDue(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        http.send(res, 200, http.list(renewals.renewDue(), r -> SubscriptionView.renewal(http.mapper(), r)));
    }

    private StoredPlan existing(ServerRequest req) {
        String id = planId(req);
        return plans.find(id).orElseThrow(() -> new PlanException("plan_not_found", "There is no plan '" + id + "'."));
    }

    private static String planId(ServerRequest req) {
        return req.path().pathParameters().get("plan");
    }

    private ObjectNode stored(StoredPlan s) {
        return PlanView.stored(http.mapper(), s, plans.defaultPlan());
    }
}
