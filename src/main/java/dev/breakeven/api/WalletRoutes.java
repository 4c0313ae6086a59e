package dev.breakeven.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.access.AccessException;
import dev.breakeven.access.Account;
import dev.breakeven.access.KeyRing;
import dev.breakeven.access.Role;
import dev.breakeven.billing.Wallets;
import dev.breakeven.plans.PlanChanges;
import dev.breakeven.store.Ids;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.util.Set;

/** The operator's view of an account's money under {@code /admin/v1/accounts/{account}}: wallet, grants, plan. */
final class WalletRoutes implements HttpService {
    private static final Set<Role> OPERATOR = Set.of(Role.OPERATOR);
    private static final int MAX_GRANT_ID = 100;

    private final Authenticator auth;
    private final HttpJson http;
    private final KeyRing keys;
    private final Wallets wallets;
    private final PlanChanges planChanges;
    private final Clock clock;
    private final Ids ids;

    WalletRoutes(
            Authenticator auth, HttpJson http, KeyRing keys, Wallets wallets, PlanChanges planChanges, Clock clock) {
        this.planChanges = planChanges;
        this.auth = auth;
        this.http = http;
        this.keys = keys;
        this.wallets = wallets;
        this.clock = clock;
        this.ids = new Ids(clock);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/accounts/{account}/wallet", this::wallet)
                .post("/accounts/{account}/credits", this::grant)
                .post("/accounts/{account}/plan", this::changePlan);
    }

    private Account account(ServerRequest req) {
        String nameOrId = req.path().pathParameters().get("account");
        return keys.account(nameOrId)
                .orElseThrow(() -> new AccessException("account_not_found", "No account named '" + nameOrId + "'."));
    }

    /** {@code {"plan": "pro"}}: moves the account to the plan, paid from its wallet for the rest of the month. */
    private void changePlan(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        Account account = account(req);
        http.send(res, 200, PlanView.change(http, planChanges, account, http.readBody(req)));
    }

    private void wallet(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        http.send(
                res,
                200,
                WalletView.json(http.mapper(), wallets.balance(account(req).id())));
    }

    /** {@code {"amount_micros": 5000000, "note": "…", "id": "…"}}: 201 when granted now, 200 when the id was granted before. */
    private void grant(ServerRequest req, ServerResponse res) {
        auth.require(req, OPERATOR);
        JsonNode body = http.readBody(req);
        if (!body.isObject()) throw new ApiProblem(400, "invalid_json", "The request body must be a JSON object.");
        Account account = account(req);
        JsonNode amount = body.get("amount_micros");
        if (amount == null || amount.isNull()) {
            throw new ApiProblem(
                    400, "missing_parameter", "Missing required parameter: 'amount_micros'.", "amount_micros");
        }
        if (!amount.isIntegralNumber() || !amount.canConvertToLong()) {
            throw new ApiProblem(
                    400, "invalid_type", "'amount_micros' must be a whole number of micros.", "amount_micros");
        }
        if (amount.asLong() <= 0) {
            throw new ApiProblem(400, "invalid_value", "'amount_micros' must be more than 0.", "amount_micros");
        }
        String note = AdminRoutes.text(body, "note", false);
        String id = AdminRoutes.text(body, "id", false);
        if (id != null && (id.length() > MAX_GRANT_ID || id.indexOf('\0') >= 0)) {
            throw new ApiProblem(400, "invalid_value", "'id' must have at most " + MAX_GRANT_ID + " characters.", "id");
        }
        if (note != null && note.indexOf('\0') >= 0)
            throw new ApiProblem(400, "invalid_value", "'note' holds a NUL character.", "note");
        String grantId = id != null ? id : ids.next("grant_");
        boolean granted = wallets.grant(account.id(), amount.asLong(), grantId, note, clock.millis());
        ObjectNode out = WalletView.json(http.mapper(), wallets.balance(account.id()));
        out.put("grant_id", grantId);
        out.put("granted", granted);
        http.send(res, granted ? 201 : 200, out);
    }
}
