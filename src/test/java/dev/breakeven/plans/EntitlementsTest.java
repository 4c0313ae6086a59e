package dev.breakeven.plans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.cluster.InProcessCounters;
import dev.breakeven.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What a plan lets a request do at admission, exactly under concurrency, with a controlled clock. */
class EntitlementsTest {
    final TestClock clock = new TestClock(Instant.parse("2026-11-28T10:00:00Z"));

    static Plan plan(String id, long price, List<String> models, long rpm, long perDay, Overage overage) {
        return new Plan(id, id.toUpperCase(), price, models, 1_000, 200, perDay, 0, rpm, 0, id, false, overage);
    }

    final Plan free = plan("free", 0, List.of("small"), 2, 1_000, Overage.REFUSE);
    final Plan plus = plan("plus", 20_000_000, List.of("small", "large"), 0, 0, Overage.REFUSE);
    final Plan pro = plan("pro", 50_000_000, List.of("small", "large", "huge"), 0, 0, Overage.REFUSE);
    final Entitlements entitlements =
            new Entitlements(new PlanCatalog(List.of(free, plus, pro), "free"), new InProcessCounters());

    Pass admit(String account, String planId, String model, long prompt, Integer maxOutput) {
        return entitlements.admit(account, planId, model, () -> prompt, maxOutput, clock.millis());
    }

    static String code(Throwable e) {
        return ((PlanException) e).code();
    }

    @Test
    void aModelOutsideThePlan_isRefused_namingTheCheapestPlanThatIncludesIt() {
        assertThatThrownBy(() -> admit("a", null, "large", 10, 10)).isInstanceOfSatisfying(PlanException.class, e -> {
            assertThat(e.code()).isEqualTo("model_not_in_plan");
            assertThat(e.getMessage()).contains("'FREE'").contains("'PLUS'").contains("$20.00/month");
        });
        assertThat(admit("a", "plus", "large", 10, 10).model()).isEqualTo("large");
    }

    @Test
    void promptAndOutputBeyondThePlan_areRefusedNamingTheLimit() {
        assertThatThrownBy(() -> admit("a", null, "small", 1_001, 10))
                .isInstanceOfSatisfying(PlanException.class, e -> {
                    assertThat(e.code()).isEqualTo("context_too_long");
                    assertThat(e.param()).isEqualTo("messages");
                    assertThat(e.getMessage()).contains("1000");
                });
        assertThatThrownBy(() -> admit("a", null, "small", 10, 201)).isInstanceOfSatisfying(PlanException.class, e -> {
            assertThat(e.code()).isEqualTo("output_too_long");
            assertThat(e.param()).isEqualTo("max_tokens");
        });
    }

    @Test
    void requestsPerMinute_refuseWithRetryAfterAndOpenAisHeaders_untilTheBucketRefills() {
        Pass first = admit("a", null, "small", 10, 10);
        admit("a", null, "small", 10, 10);
        assertThat(first.headers())
                .containsEntry("x-ratelimit-limit-requests", "2")
                .containsKey("x-ratelimit-reset-requests");

        assertThatThrownBy(() -> admit("a", null, "small", 10, 10)).isInstanceOfSatisfying(PlanException.class, e -> {
            assertThat(e.code()).isEqualTo("rate_limit_exceeded");
            assertThat(e.retryAfterSeconds()).isBetween(1L, 30L);
            assertThat(e.headers()).containsEntry("x-ratelimit-remaining-requests", "0");
        });
        clock.advance(Duration.ofSeconds(30));
        assertThat(admit("a", null, "small", 10, 10).included()).isTrue();
    }

    @Test
    void dailyAllowance_holdsTheMostARequestCanUse_andKeepsOnlyWhatItUsed() {
        Pass big = admit("a", "free-ish", "small", 400, 100); // default plan: 500 of 1,000 held
        admit("b", null, "small", 400, 100); // another account, its own allowance
        assertThatThrownBy(() -> admit("a", null, "small", 400, 200)).isInstanceOfSatisfying(PlanException.class, e -> {
            assertThat(e.code()).isEqualTo("allowance_exhausted");
            assertThat(e.retryAfterSeconds()).isPositive();
        });

        big.finished(150, clock.millis()); // used 150 of the 500 it held
        clock.advance(Duration.ofMinutes(1)); // the request bucket refills; the day does not
        assertThat(admit("a", null, "small", 400, 200).included()).isTrue();
    }

    @Test
    void beyondTheAllowance_walletOverageIsCharged_andDowngradeSwitchesTheModel() {
        Plan wallet = plan("wallet", 5_000_000, List.of("small"), 0, 100, Overage.WALLET);
        Plan down = plan(
                "down", 5_000_000, List.of("large", "small"), 0, 100, new Overage(Overage.Policy.DOWNGRADE, "small"));
        Entitlements e = new Entitlements(new PlanCatalog(List.of(wallet, down), "wallet"), new InProcessCounters());

        assertThat(e.admit("a", "wallet", "small", () -> 50, 50, clock.millis()).included())
                .isTrue();
        Pass overage = e.admit("a", "wallet", "small", () -> 50, 50, clock.millis());
        Pass downgraded = e.admit("b", "down", "large", () -> 300, 50, clock.millis());

        assertThat(overage.included()).as("paid from the wallet").isFalse();
        assertThat(downgraded.model()).isEqualTo("small");
    }

    @Test
    void withoutPlans_everyRequestIsOpen_andPaidFromTheWallet() {
        Entitlements none = new Entitlements(PlanCatalog.none(), new InProcessCounters());

        Pass pass = none.admit("a", null, "anything", () -> 1_000_000, null, clock.millis());

        assertThat(pass.included()).isFalse();
        assertThat(pass.model()).isEqualTo("anything");
    }

    @Test
    void parallelRequests_neverHoldMoreThanTheAllowance() throws Exception {
        Plan daily = plan("daily", 0, List.of("small"), 0, 1_000, Overage.REFUSE); // 10 requests of 100
        Entitlements e = new Entitlements(new PlanCatalog(List.of(daily), "daily"), new InProcessCounters());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            results.add(pool.submit(() -> {
                try {
                    e.admit("a", null, "small", () -> 50, 50, clock.millis());
                    return true;
                } catch (PlanException refused) {
                    return false;
                }
            }));
        }
        int admitted = 0;
        for (Future<Boolean> f : results) if (f.get()) admitted++;
        pool.shutdown();

        assertThat(admitted).isEqualTo(10);
    }

    @Test
    void resetHeader_isWrittenLikeOpenAis() {
        assertThat(Entitlements.resetText(Duration.ofMillis(120))).isEqualTo("120ms");
        assertThat(Entitlements.resetText(Duration.ofSeconds(1))).isEqualTo("1s");
        assertThat(Entitlements.resetText(Duration.ofSeconds(360))).isEqualTo("6m0s");
        assertThat(Entitlements.resetText(Duration.ofSeconds(3723))).isEqualTo("1h2m3s");
    }
}
