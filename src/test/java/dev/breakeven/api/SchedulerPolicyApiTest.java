package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.access.Role;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageQuery;
import dev.breakeven.plans.SchedulerSnapshot;
import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.RecordedRequest;
import dev.breakeven.testing.TestClock;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compute scheduler's policy at the HTTP boundary, with a controlled clock: order between
 * classes, fairness inside one, the maximum wait, and downgrading under saturation. The mock
 * backend (capacity 4: free may hold 2, free and plus 3, pro all 4) holds every generation until
 * the test releases it, so the order in which requests reach it is the order the scheduler granted
 * their slots.
 */
class SchedulerPolicyApiTest {
    static final int CAPACITY = 4;
    static final Duration FREE_MAX_WAIT = Duration.ofSeconds(5);
    static final Duration AWAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    final TestClock clock = new TestClock(Instant.parse("2026-06-15T12:00:00Z"));
    final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    final Map<String, String> keys = new HashMap<>();
    Gateway gw;

    /** The gateway with three plans in the classes free, plus and pro, its mock holding every generation. */
    void start(String freeClass, Gateway.Builder builder) {
        gw = builder.mockCapacity(CAPACITY)
                .clock(clock)
                .yaml("""
                        billing: {mode: postpaid}
                        scheduler:
                          initial_hold_estimate_ms: 100
                          classes:
                            - {name: free, rank: 0, %s}
                            - {name: plus, rank: 1, max_wait_ms: 30000, max_share: 0.75}
                            - {name: pro, rank: 2, max_wait_ms: 60000, max_share: 1}
                        plans:
                          - {id: free, models: [assistant], priority: free, tokens_per_day: 1, overage: wallet}
                          - {id: plus, models: [assistant], priority: plus}
                          - {id: pro, models: [assistant], priority: pro}
                        default_plan: free
                        """.formatted(freeClass))
                .start();
        gw.upstream.settings().hold(true);
    }

    void start() {
        start("max_wait_ms: " + FREE_MAX_WAIT.toMillis() + ", max_share: 0.5", Gateway.in(dir));
    }

    @AfterEach
    void stop() {
        clients.shutdownNow();
        if (gw != null) gw.close();
    }

    /** Sends a chat request from {@code account} (on {@code plan}) in the background; {@code text} tells it apart upstream. */
    Future<HttpResponse<String>> ask(String account, String plan, String text) {
        return ask(account, plan, text, false);
    }

    Future<HttpResponse<String>> ask(String account, String plan, String text, boolean stream) {
        String key = keys.computeIfAbsent(
                account, a -> gw.server.keys().issue(a, Role.USER, plan).secret());
        String body = "{\"model\":\"assistant\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
        return clients.submit(() -> gw.post("/v1/chat/completions", key, body));
    }

    /** Sends {@code n} requests and waits until all of them are generating upstream. */
    List<Future<HttpResponse<String>>> running(String account, String plan, int n) throws Exception {
        long before = gw.upstream.requestCount();
        List<Future<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) sent.add(ask(account, plan, account + " running " + i));
        assertThat(gw.upstream.awaitRequests(before + n, AWAIT)).isTrue();
        return sent;
    }

    /** Sends a request that must wait, and returns once the scheduler has it in its class's queue. */
    Future<HttpResponse<String>> queued(String account, String plan, String text) {
        int before = mock().of(plan).waiting();
        Future<HttpResponse<String>> sent = ask(account, plan, text);
        gw.awaitWaiting("mock", plan, before + 1);
        return sent;
    }

    /** Lets one running generation finish, and says which request the freed slot went to. */
    String releaseOneAndSeeWhoIsNext() throws Exception {
        long before = gw.upstream.requestCount();
        gw.upstream.releaseHeld(1);
        assertThat(gw.upstream.awaitRequests(before + 1, AWAIT)).isTrue();
        return content(gw.upstream.lastRequest());
    }

    SchedulerSnapshot mock() {
        return gw.server.scheduler().snapshot("mock");
    }

    static String content(RecordedRequest r) {
        return r.body().path("messages").get(0).path("content").asText();
    }

    static HttpResponse<String> answer(Future<HttpResponse<String>> f) throws Exception {
        return f.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
    }

    static void assertAllAnswered(List<Future<HttpResponse<String>>> sent) throws Exception {
        for (Future<HttpResponse<String>> f : sent)
            assertThat(answer(f).statusCode()).isEqualTo(200);
    }

    List<UsageEvent> usageOf(String account) {
        String id = gw.server.keys().account(account).orElseThrow().id();
        return gw.server.journal().usage(new UsageQuery(id, 0, 100));
    }

    @Test
    void queuedRequests_areGrantedByClass_proThenPlusThenFree_asSlotsAreReleased() throws Exception {
        start();
        List<Future<HttpResponse<String>>> all = new ArrayList<>(running("pro-runner", "pro", CAPACITY));
        all.add(queued("f", "free", "free"));
        all.add(queued("p", "plus", "plus"));
        all.add(queued("q", "pro", "pro"));

        List<String> granted = new ArrayList<>();
        for (int i = 0; i < 3; i++) granted.add(releaseOneAndSeeWhoIsNext());

        assertThat(granted).containsExactly("pro", "plus", "free");
        gw.upstream.releaseHeld(100);
        assertAllAnswered(all);
    }

    @Test
    void oneAccountsBacklog_doesNotMakeAnotherAccountOfItsClassWaitBehindAllOfIt() throws Exception {
        start();
        List<Future<HttpResponse<String>>> all = new ArrayList<>(running("a", "free", 2)); // free's share
        for (int i = 1; i <= 5; i++) all.add(queued("a", "free", "a" + i));
        all.add(queued("b", "free", "b1"));

        List<String> granted = new ArrayList<>();
        for (int i = 0; i < 6; i++) granted.add(releaseOneAndSeeWhoIsNext());

        assertThat(granted)
                .as("b's one request goes before a's backlog, which keeps its own order")
                .containsExactly("b1", "a1", "a2", "a3", "a4", "a5");
        gw.upstream.releaseHeld(100);
        assertAllAnswered(all);
    }

    @Test
    void aFreeRequestPastItsMaxWait_is503WaitExpired_withRetryAfter_andNoUsage_whilePaidRequestsRunAtOnce()
            throws Exception {
        start();
        List<Future<HttpResponse<String>>> all = new ArrayList<>(running("f1", "free", 2));
        Future<HttpResponse<String>> waiting = queued("f2", "free", "free waits");
        assertThat(mock().running()).as("free never holds more than its share").isEqualTo(2);

        all.addAll(running("p", "plus", 1));
        all.addAll(running("q", "pro", 1));
        assertThat(mock().of("free").waiting())
                .as("paid requests ran at once while free work waited")
                .isEqualTo(1);

        clock.advance(FREE_MAX_WAIT.plusMillis(1));
        gw.server.scheduler().expire();
        HttpResponse<String> refused = answer(waiting);

        assertThat(refused.statusCode()).isEqualTo(503);
        JsonNode error = Gateway.json(refused).get("error");
        assertThat(error.get("code").asText()).isEqualTo("wait_expired");
        assertThat(error.get("type").asText()).isEqualTo("server_error");
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()))
                .isGreaterThanOrEqualTo(1);
        assertThat(refused.headers().firstValue("x-breakeven-queue-ms")).hasValue("5001");
        gw.upstream.releaseHeld(100);
        assertAllAnswered(all);
        assertThat(usageOf("f2")).as("a refused request records no usage").isEmpty();
        assertThat(usageOf("f1")).hasSize(2);
    }

    /** Free may wait 0 ms on a backend; when it would wait, it is served by {@code small} (its own backend of 1 slot) instead. */
    void startWithDowngrade() {
        start(
                "max_wait_ms: 0, max_share: 0.5, on_saturation: \"downgrade:small\"",
                Gateway.in(dir)
                        .mockModel("small", "mock-small", 1, "small-model")
                        .yaml("""
                        prices:
                          - {model: assistant, input_per_million_micros: 1000000000, output_per_million_micros: 1000000000}
                          - {model: small, input_per_million_micros: 1000000, output_per_million_micros: 1000000}
                        """));
    }

    @Test
    void freeRequest_isDowngraded_whenItsClassIsSaturated_andIsAnsweredAndPricedAsTheModelServed() throws Exception {
        startWithDowngrade();
        List<Future<HttpResponse<String>>> all = new ArrayList<>(running("f1", "free", 2));

        Future<HttpResponse<String>> saturated = ask("f2", "free", "downgraded");
        assertThat(gw.upstream.awaitRequests(3, AWAIT)).isTrue();
        RecordedRequest upstream = gw.upstream.lastRequest();
        gw.upstream.releaseHeld(100);
        HttpResponse<String> res = answer(saturated);

        assertThat(content(upstream)).isEqualTo("downgraded");
        assertThat(upstream.body().path("model").asText()).isEqualTo("small-model");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("x-breakeven-downgraded-from")).hasValue("assistant");
        JsonNode body = Gateway.json(res);
        assertThat(body.get("model").asText()).isEqualTo("small");
        UsageEvent event = usageOf("f2").getFirst();
        assertThat(event.model()).isEqualTo("small");
        assertThat(event.backend()).isEqualTo("mock-small");
        assertThat(res.headers().firstValue("x-breakeven-cost-micros"))
                .as("priced at small's 1 micro a token, not assistant's 1,000")
                .hasValue(Long.toString(event.promptTokens() + event.completionTokens()));
        assertAllAnswered(all);
        assertThat(usageOf("f1")).extracting(UsageEvent::model).containsOnly("assistant");
    }

    @Test
    void aStreamedDowngradedAnswer_namesTheModelServed_inEveryChunk() throws Exception {
        startWithDowngrade();
        List<Future<HttpResponse<String>>> all = new ArrayList<>(running("f1", "free", 2));

        Future<HttpResponse<String>> saturated = ask("f2", "free", "downgraded", true);
        assertThat(gw.upstream.awaitRequests(3, AWAIT)).isTrue();
        gw.upstream.releaseHeld(100);
        HttpResponse<String> res = answer(saturated);

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("x-breakeven-downgraded-from")).hasValue("assistant");
        List<String> chunks =
                res.body().lines().filter(l -> l.startsWith("data: {")).toList();
        assertThat(chunks).isNotEmpty();
        for (String chunk : chunks) {
            assertThat(Gateway.JSON.readTree(chunk.substring(6)).get("model").asText())
                    .isEqualTo("small");
        }
        assertAllAnswered(all);
    }

    @Test
    void theRefusalStands_whenTheSmallerModelHasNoRoomEither() throws Exception {
        startWithDowngrade();
        List<Future<HttpResponse<String>>> all = new ArrayList<>(running("f1", "free", 2));
        all.addAll(running("f2", "free", 1)); // downgraded: holds small's one slot

        HttpResponse<String> refused = answer(ask("f3", "free", "no room anywhere"));

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(Gateway.json(refused).get("error").get("code").asText()).isEqualTo("overloaded");
        assertThat(Gateway.json(refused).get("error").get("message").asText())
                .as("the refusal of the model asked for")
                .startsWith("mock is busy");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.headers().firstValue("x-breakeven-downgraded-from")).isEmpty();
        gw.upstream.releaseHeld(100);
        assertAllAnswered(all);
        assertThat(usageOf("f3")).isEmpty();
        assertThat(gw.upstream.requestCount()).isEqualTo(3);
    }
}
