package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.billing.PriceKind;
import dev.breakeven.billing.WalletBalance;
import dev.breakeven.inference.TokenCounter;
import dev.breakeven.ledger.Money;
import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.StripeSigner;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Money at the HTTP boundary: prepaid admission, wallets in /v1/me and the admin API, and the
 * Stripe webhook. The rater is off on this server (rater_interval_ms: 0), so reservations stay
 * pending until a test rates on purpose.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BillingApiTest {
    static final String SECRET = "whsec_test_secret";
    static final long INPUT_PER_MILLION = 10_000_000; // $10 per million prompt tokens
    static final long OUTPUT_PER_MILLION = 20_000_000; // $20 per million completion tokens
    static final int MAX_TOKENS = 100;

    @TempDir
    static Path dir;

    Gateway gw;
    String alice;
    long ceiling;

    @BeforeAll
    void start() {
        gw = Gateway.in(dir)
                .billing("{mode: prepaid, rater_interval_ms: 0}")
                .env("STRIPE_WEBHOOK_SECRET", "whsec_old," + SECRET)
                .start();
        gw.server.prices().set(PriceKind.MODEL_INPUT, "assistant", INPUT_PER_MILLION, 0, null);
        gw.server.prices().set(PriceKind.MODEL_OUTPUT, "assistant", OUTPUT_PER_MILLION, 0, null);
        alice = gw.server.keys().account("alice").orElseThrow().id();
        long prompt = new TokenCounter()
                .countMessages(Gateway.JSON.valueToTree(
                        List.of(java.util.Map.of("role", "user", "content", "Tell me a story"))));
        ceiling = Money.perMillion(prompt, INPUT_PER_MILLION) + Money.perMillion(MAX_TOKENS, OUTPUT_PER_MILLION);
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    HttpResponse<String> chat() {
        return gw.post(
                "/v1/chat/completions", gw.userKey, Gateway.chat("assistant", false, ",\"max_tokens\":" + MAX_TOKENS));
    }

    WalletBalance wallet() {
        return gw.server.wallets().balance(alice);
    }

    HttpResponse<String> grant(String body) {
        return gw.post("/admin/v1/accounts/alice/credits", gw.operatorKey, body);
    }

    @Test
    void parallelRequests_neverReserveMoreThanTheWalletHolds_andTheRestAreRefusedWith429() throws Exception {
        var issued = gw.server.keys().issue("parallel", dev.breakeven.access.Role.USER, null);
        String account = issued.account().id();
        gw.server
                .wallets()
                .grant(account, 3 * ceiling + ceiling / 2, "three-and-a-half", null, System.currentTimeMillis());
        long upstreamBefore = gw.upstream.requestCount();
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<HttpResponse<String>>> sent = new ArrayList<>();
        String body = Gateway.chat("assistant", false, ",\"max_tokens\":" + MAX_TOKENS);
        for (int i = 0; i < 10; i++)
            sent.add(pool.submit(() -> gw.post("/v1/chat/completions", issued.secret(), body)));
        int ok = 0;
        int refused = 0;
        for (Future<HttpResponse<String>> f : sent) {
            HttpResponse<String> res = f.get();
            if (res.statusCode() == 200) ok++;
            if (res.statusCode() == 429) {
                refused++;
                JsonNode error = Gateway.json(res).get("error");
                assertThat(error.get("code").asText()).isEqualTo("insufficient_quota");
                assertThat(error.get("type").asText()).isEqualTo("insufficient_quota");
                assertThat(error.get("message").asText()).contains("may cost up to $" + Money.format(ceiling));
                assertThat(res.headers().firstValue("retry-after")).isEmpty();
            }
        }
        pool.shutdown();

        assertThat(ok).isEqualTo(3);
        assertThat(refused).isEqualTo(7);
        assertThat(gw.upstream.requestCount() - upstreamBefore)
                .as("refused requests never reach the model")
                .isEqualTo(3);
        assertThat(gw.server.wallets().balance(account).reserved()).isEqualTo(3 * ceiling);
        gw.server.rateNow();
        WalletBalance after = gw.server.wallets().balance(account);
        assertThat(after.reserved()).isZero();
        assertThat(after.available()).isPositive();
        assertThat(after.owed()).isZero();
        assertThat(gw.server.audit()).isEmpty();
    }

    @Test
    void answer_saysWhatItCost_andTheWalletIsChargedExactlyThat() {
        var issued = gw.server.keys().issue("costly", dev.breakeven.access.Role.USER, null);
        String account = issued.account().id();
        gw.server.wallets().grant(account, 1_000_000, "start", null, System.currentTimeMillis());

        HttpResponse<String> res = gw.post(
                "/v1/chat/completions",
                issued.secret(),
                Gateway.chat("assistant", false, ",\"max_tokens\":" + MAX_TOKENS));

        JsonNode usage = Gateway.json(res).get("usage");
        long expected = Money.perMillion(usage.get("prompt_tokens").asLong(), INPUT_PER_MILLION)
                + Money.perMillion(usage.get("completion_tokens").asLong(), OUTPUT_PER_MILLION);
        assertThat(expected).isPositive();
        assertThat(res.headers().firstValue("x-breakeven-cost-micros")).contains(Long.toString(expected));
        gw.server.rateNow();
        assertThat(gw.server.wallets().balance(account).available()).isEqualTo(1_000_000 - expected);
        JsonNode mine = Gateway.json(gw.get("/v1/me/usage", issued.secret()));
        assertThat(mine.get("data").get(0).get("cost_micros").asLong()).isEqualTo(expected);
        assertThat(mine.get("totals").get("cost_micros").asLong()).isEqualTo(expected);
    }

    @Test
    void me_showsTheWallet_andTheAdminApiGrantsIdempotently() {
        HttpResponse<String> first = grant("{\"amount_micros\": 1000000, \"id\": \"goodwill-1\", \"note\": \"sorry\"}");
        HttpResponse<String> again = grant("{\"amount_micros\": 1000000, \"id\": \"goodwill-1\"}");
        HttpResponse<String> conflict = grant("{\"amount_micros\": 2000000, \"id\": \"goodwill-1\"}");

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(Gateway.json(again).get("granted").asBoolean()).isFalse();
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(Gateway.json(conflict).get("error").get("code").asText()).isEqualTo("grant_conflict");
        JsonNode me = Gateway.json(gw.get("/v1/me", gw.userKey)).get("wallet");
        JsonNode admin = Gateway.json(gw.get("/admin/v1/accounts/alice/wallet", gw.operatorKey));
        assertThat(me).isEqualTo(admin);
        assertThat(me.get("available_micros").asLong()).isEqualTo(wallet().available());
    }

    @Test
    void badGrants_are4xx_andChangeNothing() {
        long before = wallet().granted();
        for (String body : List.of(
                "{",
                "[]",
                "{}",
                "{\"amount_micros\":\"5\"}",
                "{\"amount_micros\":1.5}",
                "{\"amount_micros\":0}",
                "{\"amount_micros\":-1}",
                "{\"amount_micros\":1,\"id\":5}",
                "{\"amount_micros\":99999999999999999999}")) {
            HttpResponse<String> res = grant(body);
            assertThat(res.statusCode()).as(body).isEqualTo(400);
            assertThat(Gateway.json(res).get("error").get("code").asText())
                    .as(body)
                    .isNotEqualTo("internal_error");
        }
        assertThat(gw.post("/admin/v1/accounts/nobody/credits", gw.operatorKey, "{\"amount_micros\":1}")
                        .statusCode())
                .isEqualTo(404);
        assertThat(gw.post("/admin/v1/accounts/alice/credits", gw.userKey, "{\"amount_micros\":1}")
                        .statusCode())
                .isEqualTo(403);
        assertThat(wallet().granted()).isEqualTo(before);
    }

    String checkout(String eventId, String account, long cents) {
        return """
                {"id":"%s","object":"event","type":"checkout.session.completed","created":%d,"livemode":false,
                 "data":{"object":{"id":"cs_%s","object":"checkout.session","client_reference_id":"%s",
                 "amount_total":%d,"currency":"usd","payment_status":"paid"}}}""".formatted(eventId, now(), eventId, account, cents);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    HttpResponse<String> webhook(String body, String signature) {
        HttpRequest.Builder b = gw.request("/webhooks/stripe", null).POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) b.header("Stripe-Signature", signature);
        return gw.send(b.build());
    }

    @Test
    void paidCheckout_creditsPaidCredits_once_howeverOftenItIsDelivered() {
        long before = wallet().paid();
        String body = checkout("evt_paid_1", "alice", 2_000);
        String signature = StripeSigner.sign(SECRET, body, now());

        HttpResponse<String> first = webhook(body, signature);
        HttpResponse<String> replay = webhook(body, signature);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(Gateway.json(first).get("outcome").asText()).isEqualTo("credited");
        assertThat(Gateway.json(first).get("credited_micros").asLong()).isEqualTo(20_000_000);
        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(Gateway.json(replay).get("outcome").asText()).isEqualTo("duplicate");
        assertThat(wallet().paid()).isEqualTo(before + 20_000_000);
        assertThat(gw.server.audit()).isEmpty();
    }

    @Test
    void webhookRefusals_are400_andCreditNothing() {
        long before = wallet().paid();
        String body = checkout("evt_bad_1", "alice", 5_000);
        String old = StripeSigner.sign(SECRET, body, now() - 301);
        String[][] cases = {
            {body, null, "signature_missing"},
            {body, "", "signature_malformed"},
            {body, "t=abc,v1=00", "signature_malformed"},
            {body, StripeSigner.sign("whsec_wrong", body, now()), "signature_mismatch"},
            {body.replace("5000", "500000"), StripeSigner.sign(SECRET, body, now()), "signature_mismatch"},
            {body, old, "signature_expired"},
            {"{not json", StripeSigner.sign(SECRET, "{not json", now()), "malformed_event"},
            {
                checkout("evt_bad_2", "nobody", 100),
                StripeSigner.sign(SECRET, checkout("evt_bad_2", "nobody", 100), now()),
                "unknown_account"
            },
        };
        for (String[] c : cases) {
            HttpResponse<String> res = webhook(c[0], c[1]);
            assertThat(res.statusCode()).as(c[2]).isEqualTo(400);
            assertThat(Gateway.json(res).get("error").get("code").asText()).isEqualTo(c[2]);
            assertThat(res.body()).doesNotContain(SECRET);
        }
        assertThat(webhook("x".repeat(1_048_577), StripeSigner.sign(SECRET, "x", now()))
                        .statusCode())
                .isEqualTo(413);
        assertThat(wallet().paid()).isEqualTo(before);
    }

    @Test
    void otherEventTypes_areAcknowledged_andIgnored() {
        String body = "{\"id\":\"evt_other\",\"object\":\"event\",\"type\":\"customer.created\",\"created\":" + now()
                + ",\"livemode\":false,\"data\":{\"object\":{}}}";

        HttpResponse<String> res = webhook(body, StripeSigner.sign("whsec_old", body, now()));

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(Gateway.json(res).get("outcome").asText()).isEqualTo("ignored");
    }
}
