package dev.breakeven.api;

import dev.breakeven.billing.Payments;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /webhooks/stripe}: payment events, authenticated by their signature rather than by a
 * key. Any refusal is a 4xx, so Stripe shows it and retries; a verified event is answered 200.
 */
final class PaymentRoutes implements HttpService {
    private final HttpJson http;
    private final Payments payments;

    /** @param payments null when no signing secret is configured: the webhook answers 404 */
    PaymentRoutes(HttpJson http, Payments payments) {
        this.http = http;
        this.payments = payments;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/stripe", this::stripe);
    }

    private void stripe(ServerRequest req, ServerResponse res) {
        if (payments == null) {
            throw new ApiProblem(
                    404, "webhook_disabled", "The Stripe webhook is off: its signing secret is not configured.");
        }
        byte[] body = http.readBytes(req);
        String signature = req.headers()
                .first(io.helidon.http.HeaderNames.create("Stripe-Signature"))
                .orElse(null);
        Payments.Receipt receipt = payments.receive(body, signature);
        var out = http.mapper().createObjectNode();
        out.put("received", true);
        out.put("event_id", receipt.eventId());
        out.put("type", receipt.type());
        out.put("outcome", receipt.outcome());
        if (receipt.accountId() != null) out.put("account_id", receipt.accountId());
        out.put("credited_micros", receipt.amountMicros());
        if (receipt.plan() != null) out.put("plan_outcome", receipt.plan());
        http.send(res, 200, out);
    }
}
