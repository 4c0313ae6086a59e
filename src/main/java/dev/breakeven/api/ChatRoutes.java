package dev.breakeven.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.access.Caller;
import dev.breakeven.access.Role;
import dev.breakeven.assistant.Answer;
import dev.breakeven.assistant.Assistant;
import dev.breakeven.assistant.Requester;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.inference.ChatRequest;
import dev.breakeven.inference.ClientGoneException;
import dev.breakeven.inference.ModelCatalog;
import dev.breakeven.plans.Entitlements;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Set;

/** The OpenAI-compatible surface: {@code /v1/chat/completions} and {@code /v1/models}. */
final class ChatRoutes implements HttpService {
    static final Set<Role> CHAT_ROLES = Set.of(Role.USER, Role.OPERATOR);

    private final Authenticator auth;
    private final HttpJson http;
    private final Assistant assistant;
    private final ModelCatalog catalog;
    private final PriceBook prices;
    private final Entitlements entitlements;

    ChatRoutes(
            Authenticator auth,
            HttpJson http,
            Assistant assistant,
            ModelCatalog catalog,
            PriceBook prices,
            Entitlements entitlements) {
        this.entitlements = entitlements;
        this.prices = prices;
        this.auth = auth;
        this.http = http;
        this.assistant = assistant;
        this.catalog = catalog;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/chat/completions", this::chat)
                .get("/models", this::models)
                .get("/models/{id}", this::model)
                .get("/plans", this::plans);
    }

    private void chat(ServerRequest req, ServerResponse res) {
        Caller caller = auth.require(req, CHAT_ROLES);
        ChatRequest chat = ChatRequest.from(http.readBody(req));
        Requester who = new Requester(
                caller.account().id(), caller.key().id(), caller.account().planId());
        if (!chat.stream()) {
            Answer answer = assistant.answer(who, chat);
            res.header("x-request-id", answer.event().id());
            answer.headers().forEach(res::header);
            if (answer.event().estimated()) res.header("x-breakeven-usage-estimated", "true");
            res.header("x-breakeven-cost-micros", Long.toString(UsageView.cost(prices, answer.event())));
            http.send(res, 200, answer.body());
            return;
        }
        EventStream stream = new EventStream(res, http.mapper());
        try {
            assistant.stream(who, chat, stream);
        } catch (ClientGoneException e) {
            // the client left after its answer was complete; nothing to send
        } catch (RuntimeException e) {
            if (!stream.committed()) throw e; // becomes a plain error response
            stream.fail(ApiError.of(e));
        }
    }

    /** The plans on offer (empty without plans), in the order configured. */
    private void plans(ServerRequest req, ServerResponse res) {
        auth.require(req, CHAT_ROLES);
        http.send(res, 200, http.list(entitlements.catalog().plans(), p -> PlanView.plan(http.mapper(), p)));
    }

    private void models(ServerRequest req, ServerResponse res) {
        Caller caller = auth.require(req, CHAT_ROLES);
        http.send(res, 200, http.list(catalog.models(), m -> modelObject(m, caller)));
    }

    private void model(ServerRequest req, ServerResponse res) {
        Caller caller = auth.require(req, CHAT_ROLES);
        String id = req.path().pathParameters().get("id");
        http.send(res, 200, modelObject(catalog.require(id), caller));
    }

    /** OpenAI's model object, and with plans: whether the caller's plan includes it, else the cheapest that does. */
    private ObjectNode modelObject(ModelCatalog.Model m, Caller caller) {
        ObjectNode node = modelObject(m);
        entitlements.catalog().planOf(caller.account().planId()).ifPresent(plan -> {
            node.put("included_in_plan", plan.includes(m.id()));
            if (!plan.includes(m.id())) {
                entitlements.catalog().cheapestWith(m.id()).ifPresent(p -> node.put("upgrade_to", p.id()));
            }
        });
        return node;
    }

    private ObjectNode modelObject(ModelCatalog.Model m) {
        ObjectNode node = http.mapper().createObjectNode();
        node.put("id", m.id());
        node.put("object", "model");
        node.put("created", m.createdAt() / 1000);
        node.put("owned_by", "breakeven");
        if (m.description() != null) node.put("description", m.description());
        node.put("available", !m.routes().isEmpty());
        return node;
    }
}
