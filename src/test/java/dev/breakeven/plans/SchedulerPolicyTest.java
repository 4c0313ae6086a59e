package dev.breakeven.plans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a policy may say, and the slots the suggested one gives each class. */
class SchedulerPolicyTest {
    static final Duration W = Duration.ofSeconds(5);

    @Test
    void theSuggestedPolicyIsFreePlusPro_inRankOrder() {
        SchedulerPolicy p = SchedulerPolicy.defaults();

        assertThat(p.classes()).extracting(PriorityClass::name).containsExactly("free", "plus", "pro");
        assertThat(p.find("free").maxWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.find("plus").maxWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.find("pro").maxWait()).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.find("enterprise")).isNull();
    }

    @Test
    void classesAreKeptInRankOrder_whateverTheOrderGiven() {
        SchedulerPolicy p = SchedulerPolicy.defaults()
                .withClasses(List.of(new PriorityClass("top", 9, W, 1.0), new PriorityClass("bottom", -3, W, 0.5)));

        assertThat(p.classes()).extracting(PriorityClass::name).containsExactly("bottom", "top");
    }

    @ParameterizedTest(name = "capacity {0}: free {1}, plus {2}, pro {3}")
    @CsvSource({"1, 1, 1, 1", "2, 1, 1, 2", "4, 2, 3, 4", "10, 5, 8, 10", "32, 16, 27, 32", "64, 32, 54, 64"})
    void theSuggestedSharesInSlots_atLeastOneForEveryClass(int capacity, int free, int plus, int pro) {
        assertThat(SchedulerPolicy.FREE.slots(capacity)).isEqualTo(free);
        assertThat(SchedulerPolicy.PLUS.slots(capacity)).isEqualTo(plus);
        assertThat(SchedulerPolicy.PRO.slots(capacity)).isEqualTo(pro);
    }

    @Test
    void invalidPoliciesAreRefusedWithTheReason() {
        assertInvalid(() -> SchedulerPolicy.defaults().withClasses(List.of()), "at least one priority class");
        assertInvalid(
                () -> SchedulerPolicy.defaults()
                        .withClasses(List.of(new PriorityClass("a", 0, W, 1), new PriorityClass("a", 1, W, 1))),
                "priority class a appears twice");
        assertInvalid(
                () -> SchedulerPolicy.defaults()
                        .withClasses(List.of(new PriorityClass("a", 0, W, 1), new PriorityClass("b", 0, W, 1))),
                "priority classes a and b share rank 0");
        assertInvalid(
                () -> SchedulerPolicy.defaults()
                        .withClasses(List.of(
                                new PriorityClass("a", 0, W, 0.9),
                                new PriorityClass("b", 1, W, 0.5),
                                new PriorityClass("c", 2, W, 1))),
                "priority class b has a smaller maxShare (0.5) than the lower class a (0.9)");
        assertInvalid(
                () -> SchedulerPolicy.defaults().withClasses(List.of(new PriorityClass("a", 0, W, 0.9))),
                "the highest priority class (a) must have maxShare 1, or slots would idle");
        assertInvalid(() -> new PriorityClass("a", 0, W, 0), "priority class a: maxShare must be in (0, 1], not 0.0");
        assertInvalid(
                () -> new PriorityClass("a", 0, W.negated(), 1), "priority class a: maxWait must be zero or more");
        assertInvalid(
                () -> new SchedulerPolicy(List.of(SchedulerPolicy.PRO), Duration.ZERO, W, 1),
                "initialHoldEstimate must be at least 1 ms");
        assertInvalid(
                () -> new ComputeScheduler(
                        SchedulerPolicy.defaults(), java.util.Map.of("gpu", 0), java.time.Clock.systemUTC()),
                "backend gpu: capacity must be at least 1");
    }

    static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        SchedulerException.class, e -> assertThat(e.code()).isEqualTo("invalid_policy"))
                .hasMessageContaining(message);
    }
}
