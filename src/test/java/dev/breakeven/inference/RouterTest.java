package dev.breakeven.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakeven.testing.MockError;
import dev.breakeven.testing.MockUpstream;
import dev.breakeven.testing.TestClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The order the router gives, what it skips, and what it does when every backend is open, with real
 * {@link OpenAiBackend}s in front of mock upstreams, so failures carry the codes real servers cause.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouterTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration COOL_DOWN = Duration.ofSeconds(30);
    static final int THRESHOLD = 2;

    MockUpstream primaryMock;
    MockUpstream secondaryMock;
    IdleWatch idle;
    OpenAiBackend primary;
    OpenAiBackend secondary;
    TestClock clock;
    Router router;
    ModelCatalog.Model model;

    @BeforeAll
    void startMocks() {
        primaryMock = MockUpstream.start();
        secondaryMock = MockUpstream.start();
        idle = new IdleWatch();
        primary = backend("primary", primaryMock);
        secondary = backend("secondary", secondaryMock);
    }

    @AfterAll
    void stopMocks() {
        primary.close();
        secondary.close();
        idle.close();
        primaryMock.close();
        secondaryMock.close();
    }

    @BeforeEach
    void freshRouter() {
        primaryMock.reset();
        secondaryMock.reset();
        clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
        CircuitBreaker.Settings breaker = CircuitBreaker.Settings.of(THRESHOLD, COOL_DOWN);
        router = new Router(
                List.of(new Router.Member(primary, "openai", breaker), new Router.Member(secondary, "openai", breaker)),
                clock);
        model = new ModelCatalog.Model(
                "assistant",
                null,
                0,
                List.of(new ModelCatalog.Route(primary, "big"), new ModelCatalog.Route(secondary, "small")));
    }

    private OpenAiBackend backend(String id, MockUpstream mock) {
        var settings = new OpenAiBackend.Settings(
                id,
                URI.create(mock.baseUrl()),
                null,
                8,
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        return new OpenAiBackend(settings, JSON, idle);
    }

    /** What the assistant does with a plan: try, report, fall back. Returns the backend that answered. */
    private String serve(ModelCatalog.Model model) {
        Router.Plan plan = router.plan(model);
        while (true) {
            ModelCatalog.Route route = plan.route();
            try {
                route.backend().complete(new GenerationRequest(chat(), route.upstreamModel()));
                plan.succeeded();
                return route.backend().id();
            } catch (InferenceException e) {
                if (plan.failed(e, true)) continue;
                throw e;
            }
        }
    }

    private static ChatRequest chat() {
        try {
            return ChatRequest.from(
                    JSON.readTree("{\"model\":\"assistant\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private CircuitBreaker.State state(String id) {
        return router.breaker(id).state();
    }

    @Test
    void healthyBackends_areTriedInOrderOfPreference() {
        assertThat(serve(model)).isEqualTo("primary");
        assertThat(serve(model)).isEqualTo("primary");
        assertThat(secondaryMock.requestCount()).isZero();
        assertThat(primaryMock.lastRequest().body().get("model").asText()).isEqualTo("big");
    }

    @Test
    void aFailingBackend_fallsBackToTheNext_thenIsSkippedOnceItsBreakerOpens() {
        primaryMock.settings().failAlways(MockError.serverError()); // 500: upstream_error

        for (int i = 0; i < THRESHOLD; i++) assertThat(serve(model)).isEqualTo("secondary");
        assertThat(state("primary")).isEqualTo(CircuitBreaker.State.OPEN);

        Router.Plan plan = router.plan(model);
        assertThat(plan.route().backend().id()).isEqualTo("secondary");
        assertThat(plan.skipped()).isEqualTo(1);
        plan.succeeded();
        for (int i = 0; i < 5; i++) assertThat(serve(model)).isEqualTo("secondary");
        assertThat(primaryMock.requestCount())
                .as("no request reaches an open backend")
                .isEqualTo(THRESHOLD);
    }

    @Test
    void unreachableAndTimingOutBackends_countAsFailures() {
        primaryMock.settings().failAlways(MockError.overloaded()); // 503: upstream_unavailable
        assertThat(serve(model)).isEqualTo("secondary");
        primaryMock.settings().failAlways(MockError.of(504, "server_error", "slow", null)); // upstream_timeout
        assertThat(serve(model)).isEqualTo("secondary");

        assertThat(state("primary")).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void aRequestTheBackendRejects_isNotRetriedElsewhere_andDoesNotCountAgainstIt() {
        primaryMock.settings().failNext(1, MockError.serverError());
        assertThat(serve(model)).isEqualTo("secondary");
        assertThat(router.breaker("primary").consecutiveFailures()).isEqualTo(1);
        primaryMock.settings().failAlways(MockError.badRequest("messages too long"));

        assertThatThrownBy(() -> serve(model))
                .isInstanceOf(InferenceException.class)
                .extracting(e -> ((InferenceException) e).code())
                .isEqualTo("upstream_rejected");

        assertThat(secondaryMock.requestCount()).isEqualTo(1);
        assertThat(router.breaker("primary").consecutiveFailures())
                .as("an answer, even a refusal, shows the backend is alive")
                .isZero();
    }

    @Test
    void afterAnswerChunksWereSent_aFailureIsNotRetried_butStillCounts() {
        Router.Plan plan = router.plan(model);

        boolean next = plan.failed(new InferenceException("upstream_error", "dropped mid-answer"), false);

        assertThat(next).isFalse();
        assertThat(router.breaker("primary").consecutiveFailures()).isEqualTo(1);
        assertThat(router.breaker("secondary").consecutiveFailures()).isZero();
    }

    @Test
    void whenEveryBackendIsOpen_failsFast_withRetryAfterTheShortestCoolDown() {
        primaryMock.settings().failAlways(MockError.serverError());
        secondaryMock.settings().failAlways(MockError.serverError());
        for (int i = 0; i < THRESHOLD; i++) {
            assertThatThrownBy(() -> serve(model)).isInstanceOf(InferenceException.class);
        }
        clock.advance(Duration.ofMillis(10_500));
        long before = primaryMock.requestCount() + secondaryMock.requestCount();

        assertThatThrownBy(() -> router.plan(model)).isInstanceOfSatisfying(InferenceException.class, e -> {
            assertThat(e.code()).isEqualTo("upstream_unavailable");
            assertThat(e.retryAfterSeconds()).isEqualTo(20L); // 19.5 s left, rounded up
            assertThat(e.getMessage()).contains("assistant");
        });
        assertThat(primaryMock.requestCount() + secondaryMock.requestCount()).isEqualTo(before);
    }

    @Test
    void afterTheCoolDown_oneTrialGoesToThePreferredBackend_andItsSuccessBringsTrafficBack() {
        primaryMock.settings().failAlways(MockError.overloaded());
        for (int i = 0; i < THRESHOLD; i++) serve(model);
        primaryMock.settings().clearFailures();
        assertThat(serve(model)).as("still cooling down").isEqualTo("secondary");

        clock.advance(COOL_DOWN);
        Router.Plan trial = router.plan(model);
        assertThat(trial.route().backend().id()).isEqualTo("primary");
        assertThat(router.plan(model).route().backend().id())
                .as("one trial at a time; others go on to the next backend")
                .isEqualTo("secondary");
        trial.abandoned();
        assertThat(serve(model)).isEqualTo("primary");

        assertThat(state("primary")).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(serve(model)).isEqualTo("primary");
    }

    @Test
    void aTrialThatFails_fallsBackAtOnce_andReopens() {
        primaryMock.settings().failAlways(MockError.overloaded());
        for (int i = 0; i < THRESHOLD; i++) serve(model);
        clock.advance(COOL_DOWN);
        long before = primaryMock.requestCount();

        assertThat(serve(model)).isEqualTo("secondary");

        assertThat(primaryMock.requestCount()).isEqualTo(before + 1);
        assertThat(state("primary")).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(router.breaker("primary").remainingCoolDown()).isEqualTo(COOL_DOWN);
    }

    @Test
    void probesFeedTheBreaker_andTheLastOneIsKept() {
        for (int i = 0; i < THRESHOLD; i++) router.probed("primary", ProbeResult.unhealthy("HTTP 503"));

        BackendStatus status = router.backends().getFirst();
        assertThat(status.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(status.consecutiveProbeFailures()).isEqualTo(THRESHOLD);
        assertThat(status.coolDownRemainingMillis()).isEqualTo(COOL_DOWN.toMillis());
        assertThat(status.lastProbe()).isEqualTo(new BackendStatus.LastProbe(clock.millis(), false, "HTTP 503"));

        clock.advance(Duration.ofSeconds(3));
        router.probed("primary", ProbeResult.healthy("HTTP 200"));
        status = router.backends().getFirst();
        assertThat(status.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(status.lastProbe().at()).isEqualTo(clock.millis());
    }

    @Test
    void backends_listsEveryBackendInOrder_withTypeAndCapacity() {
        assertThat(router.backends())
                .extracting(BackendStatus::id, BackendStatus::type, BackendStatus::capacity, BackendStatus::state)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("primary", "openai", 8, CircuitBreaker.State.CLOSED),
                        org.assertj.core.groups.Tuple.tuple("secondary", "openai", 8, CircuitBreaker.State.CLOSED));
        assertThat(router.backends().getFirst().lastProbe()).isNull();
    }

    @Test
    void aModelWhoseOnlyRouteIsOpen_failsFastToo() {
        ModelCatalog.Model single =
                new ModelCatalog.Model("small", null, 0, List.of(new ModelCatalog.Route(secondary, "small")));
        for (int i = 0; i < THRESHOLD; i++) router.breaker("secondary").onFailure(CircuitBreaker.Permit.NORMAL);

        assertThatThrownBy(() -> router.plan(single))
                .isInstanceOfSatisfying(InferenceException.class, e -> assertThat(e.retryAfterSeconds())
                        .isEqualTo(30L));
        assertThat(router.plan(model).route().backend().id())
                .as("the breaker is per backend, shared by every model routed to it")
                .isEqualTo("primary");
    }
}
