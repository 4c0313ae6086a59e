package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.access.Role;
import dev.breakeven.billing.PriceKind;
import dev.breakeven.inference.TokenCounter;
import dev.breakeven.ledger.Money;
import dev.breakeven.testing.Gateway;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * N parallel requests through HTTP against a daily allowance, and then a wallet, that fund M < N:
 * exactly M reach the model, the others are refused with the right status, body and headers. The
 * mock holds every admitted generation until all N are decided, so none settles early and frees
 * room: what is counted is the reservations, as under real load.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AllowanceApiTest {
    static final int MAX_TOKENS = 40;
    static final int PARALLEL = 12;
    static final long OUTPUT_PER_MILLION = 10_000_000;

    @TempDir
    static Path dir;

    Gateway gw;
    long tokensPerRequest;
    long ceilingMicros;

    @BeforeAll
    void start() {
        long prompt = new TokenCounter()
                .countMessages(Gateway.JSON.valueToTree(List.of(Map.of("role", "user", "content", "Tell me a story"))));
        tokensPerRequest = prompt + MAX_TOKENS;
        long allowance = 3 * tokensPerRequest + tokensPerRequest / 2; // funds 3 requests, not 4
        gw = Gateway.in(dir)
                .billing("{mode: prepaid, rater_interval_ms: 0}")
                .yaml("""
                        plans:
                          - {id: capped, models: [assistant], priority: free, tokens_per_day: %d, overage: refuse}
                          - {id: metered, models: [assistant], priority: plus, tokens_per_day: %d, overage: wallet}
                        default_plan: capped
                        """.formatted(allowance, 2 * tokensPerRequest))
                .start();
        gw.server.prices().set(PriceKind.MODEL_OUTPUT, "assistant", OUTPUT_PER_MILLION, 0, null);
        ceilingMicros = Money.perMillion(MAX_TOKENS, OUTPUT_PER_MILLION);
    }

    @AfterEach
    void releaseTheMock() {
        gw.upstream.settings().hold(false);
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    /** Sends {@link #PARALLEL} requests at once; returns when all are answered, the admitted ones held until the rest are refused. */
    List<HttpResponse<String>> sendAtOnce(String key, int admitted) throws Exception {
        gw.upstream.settings().hold(true);
        long before = gw.upstream.requestCount();
        CountDownLatch refused = new CountDownLatch(PARALLEL - admitted);
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            String body = Gateway.chat("assistant", false, ",\"max_tokens\":" + MAX_TOKENS);
            List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
            for (int i = 0; i < PARALLEL; i++) {
                sent.add(CompletableFuture.supplyAsync(
                        () -> {
                            HttpResponse<String> res = gw.post("/v1/chat/completions", key, body);
                            if (res.statusCode() != 200) refused.countDown();
                            return res;
                        },
                        pool));
            }
            assertThat(gw.upstream.awaitRequests(before + admitted, Duration.ofSeconds(30)))
                    .as("%d requests reach the model", admitted)
                    .isTrue();
            assertThat(refused.await(30, TimeUnit.SECONDS))
                    .as("the other %d are refused while the admitted ones are still running", PARALLEL - admitted)
                    .isTrue();
            assertThat(gw.upstream.requestCount() - before).isEqualTo(admitted);
            gw.upstream.settings().hold(false);
            gw.upstream.releaseHeld(admitted);
            List<HttpResponse<String>> out = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> f : sent) out.add(f.get(30, TimeUnit.SECONDS));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static long count(List<HttpResponse<String>> responses, int status) {
        return responses.stream().filter(r -> r.statusCode() == status).count();
    }

    @Test
    void parallelRequests_neverUseMoreThanTheDailyAllowance_andTheRestAre429WithRetryAfter() throws Exception {
        var issued = gw.server.keys().issue("racer", Role.USER, "capped");

        List<HttpResponse<String>> responses = sendAtOnce(issued.secret(), 3);

        assertThat(count(responses, 200)).isEqualTo(3);
        assertThat(count(responses, 429)).isEqualTo(PARALLEL - 3);
        for (HttpResponse<String> r : responses) {
            if (r.statusCode() != 429) continue;
            JsonNode error = Gateway.json(r).get("error");
            assertThat(error.get("code").asText()).isEqualTo("allowance_exhausted");
            assertThat(error.get("type").asText()).isEqualTo("rate_limit_error");
            assertThat(r.headers().firstValue("retry-after")).isPresent();
            assertThat(r.headers().firstValue("x-ratelimit-limit-tokens"))
                    .as("the daily allowance's headers")
                    .contains(Long.toString(3 * tokensPerRequest + tokensPerRequest / 2));
            assertThat(r.headers().firstValue("x-ratelimit-remaining-tokens"))
                    .contains(Long.toString(tokensPerRequest / 2));
        }
        JsonNode day = Gateway.json(gw.get("/v1/me", issued.secret()))
                .get("plan")
                .get("usage")
                .get("tokens_per_day");
        assertThat(day.get("used").asLong())
                .isLessThanOrEqualTo(day.get("limit").asLong());
    }

    @Test
    void beyondTheAllowance_theWalletPays_andNeverMoreThanItHolds() throws Exception {
        var issued = gw.server.keys().issue("payer", Role.USER, "metered");
        String account = issued.account().id();
        gw.server
                .wallets()
                .grant(account, 3 * ceilingMicros + ceilingMicros / 2, "g", null, System.currentTimeMillis());

        List<HttpResponse<String>> responses = sendAtOnce(issued.secret(), 2 + 3);

        assertThat(count(responses, 200))
                .as("2 in the allowance, 3 paid from the wallet")
                .isEqualTo(5);
        assertThat(responses.stream()
                        .filter(r -> r.statusCode() == 429)
                        .map(r -> Gateway.json(r).get("error").get("code").asText()))
                .hasSize(PARALLEL - 5)
                .containsOnly("insufficient_quota");
        gw.server.rateNow();
        var wallet = gw.server.wallets().balance(account);
        assertThat(wallet.reserved()).isZero();
        assertThat(wallet.owed()).isZero();
        assertThat(wallet.available()).isNotNegative();
        assertThat(gw.server.audit()).isEmpty();
    }
}
