package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.access.Role;
import dev.breakeven.testing.Gateway;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Plans at the HTTP boundary: every refusal's status, body and headers; /v1/me and /v1/models. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlansApiTest {
    @TempDir
    static Path dir;

    Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.in(dir).yaml("""
                        plans:
                          - {id: free, name: Free, models: [assistant], max_context_tokens: 200, max_output_tokens: 50,
                             requests_per_minute: 3, tokens_per_day: 100000, ads: true, overage: refuse}
                          - {id: plus, name: Plus, monthly_micros: 20000000, models: [assistant, unrouted], overage: wallet}
                        default_plan: free
                        """).start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    String key(String account) {
        return gw.server.keys().issue(account, Role.USER, null).secret();
    }

    HttpResponse<String> chat(String key, String model, String extra) {
        return gw.post("/v1/chat/completions", key, Gateway.chat(model, false, extra));
    }

    static JsonNode error(HttpResponse<String> res) {
        return Gateway.json(res).get("error");
    }

    @Test
    void thePlansOnOffer_areListed() {
        JsonNode plans = Gateway.json(gw.get("/v1/plans", key("m8"))).get("data");

        assertThat(plans).extracting(p -> p.get("id").asText()).containsExactly("free", "plus");
        assertThat(plans.get(1).get("monthly_price_micros").asLong()).isEqualTo(20_000_000);
        assertThat(plans.get(0).get("ads").asBoolean()).isTrue();
        assertThat(gw.get("/v1/plans", null).statusCode()).isEqualTo(401);
    }

    @Test
    void aModelOutsideThePlan_is403_namingTheCheapestPlanThatIncludesIt() {
        HttpResponse<String> res = chat(key("m1"), "unrouted", "");

        assertThat(res.statusCode()).isEqualTo(403);
        assertThat(error(res).get("type").asText()).isEqualTo("permission_error");
        assertThat(error(res).get("code").asText()).isEqualTo("model_not_in_plan");
        assertThat(error(res).get("message").asText()).contains("'Plus'").contains("$20.00/month");
    }

    @Test
    void outputBeyondThePlan_is400_namingTheLimitAndParam() {
        HttpResponse<String> res = chat(key("m2"), "assistant", ",\"max_tokens\":51");

        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(error(res).get("code").asText()).isEqualTo("output_too_long");
        assertThat(error(res).get("param").asText()).isEqualTo("max_tokens");
        assertThat(error(res).get("message").asText()).contains("50");
    }

    @Test
    void aRequestWithoutMaxTokens_isCappedAtThePlansOutput_whenItReachesTheModel() {
        HttpResponse<String> res = chat(key("m6"), "assistant", "");

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(gw.upstream.lastRequest().body().get("max_tokens").asInt()).isEqualTo(50);
    }

    @Test
    void requestsBeyondTheRate_are429_withRetryAfterAndOpenAisHeaders() {
        String key = key("m3");
        HttpResponse<String> ok = chat(key, "assistant", ",\"max_tokens\":10");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("x-ratelimit-limit-requests")).contains("3");
        assertThat(ok.headers().firstValue("x-ratelimit-remaining-requests")).contains("2");
        assertThat(ok.headers().firstValue("x-ratelimit-reset-requests")).isPresent();
        chat(key, "assistant", ",\"max_tokens\":10");
        chat(key, "assistant", ",\"max_tokens\":10");

        HttpResponse<String> refused = chat(key, "assistant", ",\"max_tokens\":10");

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(error(refused).get("type").asText()).isEqualTo("rate_limit_error");
        assertThat(error(refused).get("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(refused.headers().firstValue("retry-after")).isPresent();
        assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests"))
                .contains("0");
    }

    @Test
    void me_showsThePlan_itsUsage_andWhatAnUpgradeUnlocks_andModelsSayWhatIsIncluded() {
        String key = key("m4");
        chat(key, "assistant", ",\"max_tokens\":10");

        JsonNode plan = Gateway.json(gw.get("/v1/me", key)).get("plan");
        assertThat(plan.get("id").asText()).isEqualTo("free");
        assertThat(plan.get("usage").get("tokens_per_day").get("used").asLong()).isPositive();
        assertThat(plan.get("usage").get("tokens_per_day").get("remaining").asLong())
                .isLessThan(100_000);
        assertThat(plan.get("upgrades").get(0).get("plan").asText()).isEqualTo("plus");
        assertThat(plan.get("upgrades").get(0).get("adds_models").get(0).asText())
                .isEqualTo("unrouted");

        JsonNode models = Gateway.json(gw.get("/v1/models", key)).get("data");
        for (JsonNode m : models) {
            boolean included = m.get("id").asText().equals("assistant");
            assertThat(m.get("included_in_plan").asBoolean()).as(m.toString()).isEqualTo(included);
            if (!included) assertThat(m.get("upgrade_to").asText()).isEqualTo("plus");
        }
    }

    @Test
    void changingPlan_paysTheRestOfTheMonthFromTheWallet_andUnlocksItsModels() {
        String key = key("m5");
        String account = gw.server.keys().account("m5").orElseThrow().id();
        String plus = "{\"plan\":\"plus\"}";

        HttpResponse<String> broke = gw.post("/v1/me/plan", key, plus);
        assertThat(broke.statusCode()).isEqualTo(429);
        assertThat(error(broke).get("code").asText()).isEqualTo("insufficient_quota");
        assertThat(Gateway.json(gw.get("/v1/me", key)).get("plan").get("id").asText())
                .isEqualTo("free");

        gw.server.wallets().grant(account, 30_000_000, "m5-start", null, System.currentTimeMillis());
        HttpResponse<String> upgraded = gw.post("/v1/me/plan", key, plus);

        assertThat(upgraded.statusCode()).isEqualTo(200);
        long charged = Gateway.json(upgraded).get("charged_micros").asLong();
        assertThat(charged).isPositive().isLessThanOrEqualTo(20_000_000);
        assertThat(gw.server.wallets().balance(account).available()).isEqualTo(30_000_000 - charged);
        assertThat(Gateway.json(gw.get("/v1/me", key)).get("plan").get("id").asText())
                .isEqualTo("plus");
        assertThat(chat(key, "unrouted", "").statusCode())
                .as("plus includes it: no longer a 403")
                .isNotEqualTo(403);

        HttpResponse<String> down = gw.post("/v1/me/plan", key, "{\"plan\":\"free\"}");
        assertThat(Gateway.json(down).get("charged_micros").asLong()).isZero();
        assertThat(gw.post("/v1/me/plan", key, "{\"plan\":\"gold\"}").statusCode())
                .isEqualTo(404);
        assertThat(gw.post("/v1/me/plan", key, "{\"plan\":5}").statusCode()).isEqualTo(400);
        assertThat(gw.server.audit()).isEmpty();
    }

    @Test
    void aPlanChangeMidStream_leavesTheStreamOnThePlanItWasAdmittedOn_andTheBooksConsistent() throws Exception {
        String key = key("m7");
        long requestsBefore = gw.upstream.requestCount();
        String account = gw.server.keys().account("m7").orElseThrow().id();
        gw.server.wallets().grant(account, 30_000_000, "m7-start", null, System.currentTimeMillis());
        gw.upstream.settings().tokensPerSecond(20).completionTokens(10);
        try {
            var streaming = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> gw.post("/v1/chat/completions", key, Gateway.chat("assistant", true, ",\"max_tokens\":10")));
            assertThat(gw.upstream.awaitRequests(requestsBefore + 1, Duration.ofSeconds(10)))
                    .as("the stream reached the model")
                    .isTrue();
            HttpResponse<String> changed = gw.post("/v1/me/plan", key, "{\"plan\":\"plus\"}");
            HttpResponse<String> stream = streaming.get(30, java.util.concurrent.TimeUnit.SECONDS);

            assertThat(changed.statusCode()).isEqualTo(200);
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.body()).contains("data: [DONE]");
        } finally {
            gw.upstream.settings().reset();
        }
        gw.server.rateNow();
        JsonNode usage = Gateway.json(gw.get("/v1/me/usage", key)).get("data");
        assertThat(usage).hasSize(1);
        assertThat(usage.get(0).get("included").asBoolean())
                .as("admitted on Free, within its allowance")
                .isTrue();
        assertThat(usage.get(0).get("cost_micros").asLong()).isZero();
        assertThat(Gateway.json(gw.get("/v1/me", key)).get("plan").get("id").asText())
                .isEqualTo("plus");
        assertThat(gw.server.audit()).isEmpty();
    }
}
