package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.access.Role;
import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.StripeSigner;
import dev.breakeven.testing.TestClock;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plan's life through the HTTP API and the payment webhook, on a clock the test moves: bought by
 * checkout, renewed each month, a failed payment's grace period, and the fall to the default plan.
 */
class SubscriptionApiTest {
    static final String SECRET = "whsec_subscriptions";
    static final long PLUS_FEE = 20_000_000;

    @TempDir
    Path dir;

    TestClock clock = new TestClock(Instant.parse("2026-11-16T00:00:00Z"));
    Gateway gw;
    String bob;
    String bobKey;

    @BeforeEach
    void start() {
        gw = Gateway.in(dir)
                .clock(clock)
                .billing("{rater_interval_ms: 0, subscriptions: {renewal_interval_ms: 0, grace_hours: 48}}")
                .env("STRIPE_WEBHOOK_SECRET", SECRET)
                .yaml("""
                        plans:
                          - {id: free, name: Free, models: [assistant], ads: true}
                          - {id: plus, name: Plus, monthly_micros: 20000000, models: [assistant, unrouted]}
                        default_plan: free
                        """)
                .start();
        var issued = gw.server.keys().issue("bob", Role.USER, null);
        bob = issued.account().id();
        bobKey = issued.secret();
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    HttpResponse<String> deliver(String body) {
        return gw.send(gw.request("/webhooks/stripe", null)
                .header("Stripe-Signature", StripeSigner.sign(SECRET, body, clock.millis() / 1000))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    String checkout(String eventId, long cents, String plan) {
        return """
                {"id":"%s","object":"event","type":"checkout.session.completed","created":%d,"livemode":false,
                 "data":{"object":{"id":"cs_%s","object":"checkout.session","client_reference_id":"bob",
                 "amount_total":%d,"currency":"usd","payment_status":"paid","metadata":{"breakeven_plan":"%s"}}}}""".formatted(eventId, clock.millis() / 1000, eventId, cents, plan);
    }

    String invoice(String eventId, String type, long cents) {
        return """
                {"id":"%s","object":"event","type":"%s","created":%d,"livemode":false,
                 "data":{"object":{"id":"in_%s","object":"invoice","amount_paid":%d,"currency":"usd",
                 "parent":{"subscription_details":{"metadata":{"breakeven_account":"bob"}}}}}}""".formatted(eventId, type, clock.millis() / 1000, eventId, cents);
    }

    JsonNode me() {
        return Gateway.json(gw.get("/v1/me", bobKey));
    }

    JsonNode renewNow() {
        return Gateway.json(gw.post("/admin/v1/subscriptions/renew", gw.operatorKey, ""))
                .get("data");
    }

    @Test
    void checkoutForAPlan_paysItFromTheMoneyJustCredited_once() {
        HttpResponse<String> first = deliver(checkout("evt_buy", 1_000, "plus"));
        HttpResponse<String> again = deliver(checkout("evt_buy", 1_000, "plus"));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(Gateway.json(first).get("outcome").asText()).isEqualTo("credited");
        assertThat(Gateway.json(first).get("plan_outcome").asText()).isEqualTo("plan_changed");
        assertThat(Gateway.json(again).get("outcome").asText()).isEqualTo("duplicate");
        JsonNode me = me();
        assertThat(me.get("plan").get("id").asText()).isEqualTo("plus");
        JsonNode sub = me.get("plan").get("subscription");
        assertThat(sub.get("status").asText()).isEqualTo("active");
        assertThat(sub.get("paid_through").asLong())
                .isEqualTo(Instant.parse("2026-12-01T00:00:00Z").toEpochMilli());
        assertThat(me.get("wallet").get("paid_micros").asLong())
                .as("$10 paid, half of November's $20 spent")
                .isZero();
    }

    @Test
    void checkoutTooSmallForThePlan_keepsTheMoney_andSaysWhy() {
        HttpResponse<String> res = deliver(checkout("evt_small", 500, "plus"));

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(Gateway.json(res).get("plan_outcome").asText()).isEqualTo("insufficient_funds");
        assertThat(me().get("plan").get("id").asText()).isEqualTo("free");
        assertThat(me().get("wallet").get("paid_micros").asLong()).isEqualTo(5_000_000);
    }

    @Test
    void eachMonth_isRenewedFromTheWallet_onceAndOnTheInvoice() {
        gw.server.wallets().grant(bob, 100_000_000, "g1", null, clock.millis());
        assertThat(gw.post("/v1/me/plan", bobKey, "{\"plan\":\"plus\"}").statusCode())
                .isEqualTo(200);
        clock.set(Instant.parse("2026-12-01T00:00:05Z").toEpochMilli());

        JsonNode renewed = renewNow();
        JsonNode second = renewNow();

        assertThat(renewed).singleElement().satisfies(r -> {
            assertThat(r.get("outcome").asText()).isEqualTo("renewed");
            assertThat(r.get("charged_micros").asLong()).isEqualTo(PLUS_FEE);
        });
        assertThat(second).isEmpty();
        assertThat(me().get("wallet").get("granted_micros").asLong()).isEqualTo(100_000_000 - PLUS_FEE / 2 - PLUS_FEE);
        assertThat(gw.server.audit()).isEmpty();
    }

    @Test
    void failedPayment_givesAGracePeriod_thenTheDefaultPlan() {
        deliver(checkout("evt_buy2", 1_000, "plus"));
        clock.set(Instant.parse("2026-12-01T00:00:00Z").toEpochMilli());

        HttpResponse<String> failed = deliver(invoice("evt_fail", "invoice.payment_failed", 0));

        assertThat(Gateway.json(failed).get("outcome").asText()).isEqualTo("payment_failed");
        assertThat(Gateway.json(failed).get("plan_outcome").asText()).isEqualTo("past_due");
        JsonNode sub = me().get("plan").get("subscription");
        assertThat(sub.get("status").asText()).isEqualTo("past_due");
        assertThat(sub.get("grace_until").asLong())
                .isEqualTo(clock.millis() + Duration.ofHours(48).toMillis());
        assertThat(renewNow())
                .singleElement()
                .satisfies(r -> assertThat(r.get("outcome").asText()).isEqualTo("past_due"));
        assertThat(gw.post("/v1/chat/completions", bobKey, Gateway.chat("unrouted", false, ""))
                        .statusCode())
                .as("still Plus during the grace period: not refused as outside the plan")
                .isNotEqualTo(403);

        clock.advance(Duration.ofHours(48));
        assertThat(renewNow())
                .singleElement()
                .satisfies(r -> assertThat(r.get("outcome").asText()).isEqualTo("downgraded"));
        JsonNode me = me();
        assertThat(me.get("plan").get("id").asText()).isEqualTo("free");
        assertThat(me.get("plan").get("subscription").get("status").asText()).isEqualTo("none");
        HttpResponse<String> outside = gw.post("/v1/chat/completions", bobKey, Gateway.chat("unrouted", false, ""));
        assertThat(outside.statusCode()).isEqualTo(403);
    }

    @Test
    void paidInvoice_creditsTheWallet_andRenewsAPastDuePlan() {
        deliver(checkout("evt_buy3", 1_000, "plus"));
        clock.set(Instant.parse("2026-12-01T00:00:00Z").toEpochMilli());
        renewNow(); // December unpaid: past due
        clock.advance(Duration.ofHours(3));

        HttpResponse<String> paid = deliver(invoice("evt_paid", "invoice.paid", 2_000));

        assertThat(Gateway.json(paid).get("outcome").asText()).isEqualTo("credited");
        assertThat(Gateway.json(paid).get("credited_micros").asLong()).isEqualTo(PLUS_FEE);
        assertThat(Gateway.json(paid).get("plan_outcome").asText()).isEqualTo("renewed");
        JsonNode sub = Gateway.json(gw.get("/admin/v1/accounts/bob/subscription", gw.operatorKey));
        assertThat(sub.get("status").asText()).isEqualTo("active");
        assertThat(sub.get("grace_until").isNull()).isTrue();
        assertThat(sub.get("paid_through").asLong())
                .isEqualTo(Instant.parse("2027-01-01T00:00:00Z").toEpochMilli());
    }

    @Test
    void redeliveredEvents_changeNothingThatHappenedSince() {
        gw.server.wallets().grant(bob, 100_000_000, "g2", null, clock.millis());
        String buyPlus = checkout("evt_plus", 1_000, "plus");
        deliver(buyPlus);
        String earlyFailure = invoice("evt_failed_early", "invoice.payment_failed", 0); // created now
        clock.set(Instant.parse("2026-12-01T00:00:00Z").toEpochMilli());
        renewNow(); // December paid from the grant

        HttpResponse<String> stale = deliver(earlyFailure);

        assertThat(Gateway.json(stale).get("plan_outcome").asText())
                .as("a failure from before the renewal leaves the subscription active")
                .isEqualTo("active");
        assertThat(me().get("plan").get("subscription").get("status").asText()).isEqualTo("active");

        assertThat(gw.post("/v1/me/plan", bobKey, "{\"plan\":\"free\"}").statusCode())
                .isEqualTo(200);
        HttpResponse<String> again = deliver(buyPlus);

        assertThat(Gateway.json(again).get("outcome").asText()).isEqualTo("duplicate");
        assertThat(Gateway.json(again).get("plan_outcome").asText()).isEqualTo("duplicate");
        assertThat(me().get("plan").get("id").asText())
                .as("not moved back to Plus")
                .isEqualTo("free");
        assertThat(gw.server.audit()).isEmpty();
    }

    @Test
    void badInvoiceEvents_are400_andChangeNothing() {
        String noAccount = """
                {"id":"evt_x","object":"event","type":"invoice.paid","created":%d,"livemode":false,
                 "data":{"object":{"id":"in_x","amount_paid":100,"currency":"usd"}}}""".formatted(clock.millis() / 1000);
        String unknownAccount = invoice("evt_y", "invoice.paid", 100).replace("\"bob\"", "\"nobody\"");
        String euros = invoice("evt_z", "invoice.paid", 100).replace("\"usd\"", "\"eur\"");

        assertThat(Gateway.json(deliver(noAccount)).get("error").get("code").asText())
                .isEqualTo("malformed_event");
        assertThat(Gateway.json(deliver(unknownAccount))
                        .get("error")
                        .get("code")
                        .asText())
                .isEqualTo("unknown_account");
        assertThat(Gateway.json(deliver(euros)).get("error").get("code").asText())
                .isEqualTo("unsupported_currency");
        assertThat(me().get("wallet").get("paid_micros").asLong()).isZero();
        assertThat(gw.get("/admin/v1/accounts/nobody/subscription", gw.operatorKey)
                        .statusCode())
                .isEqualTo(404);
    }
}
