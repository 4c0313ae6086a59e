package dev.breakeven.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.access.Account;
import dev.breakeven.access.ApiKey;
import dev.breakeven.access.IssuedKey;
import dev.breakeven.access.KeyRing;
import dev.breakeven.access.Role;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.inference.BackendStatus;
import dev.breakeven.inference.Router;
import dev.breakeven.metering.Journal;
import dev.breakeven.metering.UsageQuery;
import dev.breakeven.plans.PlanBook;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Set;

/** The operator's API under {@code /admin/v1}: accounts, keys, usage, backends, prices. */
final class AdminRoutes implements HttpService {
    private static final Set<Role> OPERATOR = Set.of(Role.OPERATOR);

    private final Authenticator auth;
    private final HttpJson http;
    private final KeyRing keys;
    private final Journal journal;
    private final Router router;
    private final PriceBook prices;
    private final PlanBook plans;

    AdminRoutes(
            Authenticator auth,
            HttpJson http,
            KeyRing keys,
            Journal journal,
            Router router,
            PriceBook prices,
            PlanBook plans) {
        this.plans = plans;
        this.auth = auth;
        this.http = http;
        this.keys = keys;
        this.journal = journal;
        this.router = router;
        this.prices = prices;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/accounts", this::accounts)
                .get("/keys", this::listKeys)
                .post("/keys", this::createKey)
                .delete("/keys/{id}", this::revokeKey)
                .get("/usage", this::usage)
                .get("/backends", this::backends)
                .get("/prices", this::prices)
                .get("/prices/history", this::priceHistory)
                .post("/prices", this::setPrice);
    }

    private void prices(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        long at = PriceView.at(req, prices.now());
        ObjectNode list = http.list(prices.current(at), p -> PriceView.json(http.mapper(), p));
        list.put("at", at);
        http.send(res, 200, list);
    }

    private void priceHistory(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        var history = prices.history(PriceView.kind(req), PriceView.subject(req));
        http.send(res, 200, http.list(history, p -> PriceView.json(http.mapper(), p)));
    }

    private void setPrice(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        PriceBook.Change change = PriceView.change(http.readBody(req), prices.now());
        http.send(
                res,
                201,
                PriceView.json(http.mapper(), prices.setAll(List.of(change)).getFirst()));
    }

    private void backends(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        http.send(res, 200, http.list(router.backends(), this::backend));
    }

    private void accounts(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        http.send(res, 200, http.list(keys.accounts(), this::account));
    }

    private void listKeys(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        String account = req.query().first("account").orElse(null);
        http.send(res, 200, http.list(keys.keys(account), this::key));
    }

    private void createKey(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        JsonNode body = http.readBody(req);
        if (!body.isObject()) throw new ApiProblem(400, "invalid_json", "The request body must be a JSON object.");
        String account = text(body, "account", true);
        String roleText = text(body, "role", false);
        Role role = roleText == null ? null : Role.parse(roleText);
        if (roleText != null && role == null) {
            throw new ApiProblem(
                    400, "invalid_value", "'role' must be one of user, operator, advertiser, business.", "role");
        }
        String plan = text(body, "plan", false);
        if (plan != null && plans.catalog().plan(plan).isEmpty())
            throw new ApiProblem(404, "plan_not_found", "There is no plan '" + plan + "'.", "plan");
        IssuedKey issued = keys.issue(account, role, plan);
        ObjectNode out = key(issued.key());
        out.put("key", issued.secret());
        out.set("account", account(issued.account()));
        http.send(res, 201, out);
    }

    private void revokeKey(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        http.send(res, 200, key(keys.revoke(req.path().pathParameters().get("id"))));
    }

    private void usage(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        String account = req.query().first("account").orElse(null);
        String accountId = null;
        if (account != null) {
            accountId = keys.account(account)
                    .orElseThrow(() ->
                            new ApiProblem(404, "account_not_found", "No account named '" + account + "'.", "account"))
                    .id();
        }
        var query = new UsageQuery(accountId, UsageView.since(req), UsageView.limit(req));
        http.send(res, 200, UsageView.list(http.mapper(), journal.usage(query), prices));
    }

    static String text(JsonNode body, String field, boolean required) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            if (required)
                throw new ApiProblem(400, "missing_parameter", "Missing required parameter: '" + field + "'.", field);
            return null;
        }
        if (!node.isTextual()) throw new ApiProblem(400, "invalid_type", "'" + field + "' must be a string.", field);
        if (node.asText().isBlank())
            throw new ApiProblem(400, "invalid_value", "'" + field + "' must not be empty.", field);
        return node.asText();
    }

    private ObjectNode account(Account a) {
        ObjectNode node = http.mapper().createObjectNode();
        node.put("id", a.id());
        node.put("object", "account");
        node.put("name", a.name());
        node.put("role", a.role().wireName());
        node.put("plan", a.planId());
        node.put("created_at", a.createdAt());
        return node;
    }

    private ObjectNode backend(BackendStatus b) {
        ObjectNode node = http.mapper().createObjectNode();
        node.put("id", b.id());
        node.put("object", "backend");
        node.put("type", b.type());
        node.put("capacity", b.capacity());
        node.put("state", b.state().wireName());
        node.put("consecutive_failures", b.consecutiveFailures());
        node.put("consecutive_probe_failures", b.consecutiveProbeFailures());
        node.put("cool_down_remaining_ms", b.coolDownRemainingMillis());
        if (b.lastProbe() == null) {
            node.putNull("last_probe");
        } else {
            node.putObject("last_probe")
                    .put("at", b.lastProbe().at())
                    .put("healthy", b.lastProbe().healthy())
                    .put("detail", b.lastProbe().detail());
        }
        return node;
    }

    private ObjectNode key(ApiKey k) {
        ObjectNode node = http.mapper().createObjectNode();
        node.put("id", k.id());
        node.put("object", "api_key");
        node.put("account_id", k.accountId());
        node.put("hint", k.hint());
        node.put("created_at", k.createdAt());
        node.put("revoked_at", k.revokedAt());
        node.put("active", k.active());
        return node;
    }
}
