package dev.breakeven.plans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The plan store on each engine: seeding, edits, archiving, and what other nodes see. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class PlanBookTest {
    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    PlanStack s;

    @BeforeEach
    void open() {
        s = new PlanStack(engine, dir, Instant.parse("2026-11-16T00:00:00Z"));
    }

    @AfterEach
    void close() {
        s.close();
    }

    static Plan withDailyTokens(Plan p, long tokens) {
        return new Plan(
                p.id(),
                p.name(),
                p.monthlyPriceMicros(),
                p.models(),
                p.maxContextTokens(),
                p.maxOutputTokens(),
                tokens,
                p.tokensPerMonth(),
                p.requestsPerMinute(),
                p.tokensPerMinute(),
                p.priorityClass(),
                p.ads(),
                p.overage());
    }

    @Test
    void seeding_storesAConfiguredPlanOnce_andAStoredPlanWins() {
        Plan edited = withDailyTokens(PlanStack.plan("plus", PlanStack.PLUS_FEE), 1234);
        s.book.put(edited, null);

        assertThat(s.book.seed(PlanStack.plan("plus", PlanStack.PLUS_FEE))).isFalse();
        assertThat(s.book.catalog().plan("plus")).contains(edited);
        assertThat(s.book.catalog().plans()).extracting(Plan::id).containsExactly("free", "plus", "pro");
    }

    @Test
    void storedPlans_readBackExactly_inCatalogOrder() {
        Plan odd = new Plan(
                "odd",
                "Odd plan",
                7,
                List.of("large", "small"),
                1,
                2,
                3,
                4,
                5,
                6,
                "plus",
                true,
                new Overage(Overage.Policy.DOWNGRADE, "small"));
        s.book.create(odd);

        assertThat(s.book.find("odd").orElseThrow().plan()).isEqualTo(odd);
        assertThat(s.book.stored()).extracting(p -> p.plan().id()).containsExactly("free", "plus", "pro", "odd");
    }

    @Test
    void archiving_hidesAPlanFromTheOffer_only() {
        s.book.archive("pro");

        PlanCatalog catalog = s.book.catalog();
        assertThat(catalog.plans()).extracting(Plan::id).containsExactly("free", "plus");
        assertThat(catalog.plan("pro")).isPresent();
        assertThat(catalog.offered("pro")).isEmpty();
        assertThat(catalog.cheapestWith("large").orElseThrow().id()).isEqualTo("plus");
        assertThatThrownBy(() -> s.book.archive("free"))
                .isInstanceOfSatisfying(
                        PlanException.class, e -> assertThat(e.code()).isEqualTo("plan_is_default"));
        assertThatThrownBy(() -> s.book.archive("nope"))
                .isInstanceOfSatisfying(
                        PlanException.class, e -> assertThat(e.code()).isEqualTo("plan_not_found"));
    }

    @Test
    void aPlanNamingWhatThisDeploymentLacks_isRefused_andNothingIsStored() {
        Plan unknownModel =
                new Plan("bad", "Bad", 0, List.of("gpt-9"), 0, 0, 0, 0, 0, 0, "free", false, Overage.REFUSE);
        Plan unknownClass = new Plan("bad", "Bad", 0, List.of("small"), 0, 0, 0, 0, 0, 0, "vip", false, Overage.REFUSE);

        for (Plan bad : List.of(unknownModel, unknownClass)) {
            assertThatThrownBy(() -> s.book.create(bad))
                    .isInstanceOfSatisfying(
                            PlanException.class, e -> assertThat(e.code()).isEqualTo("invalid_plan"));
        }
        assertThat(s.book.find("bad")).isEmpty();
    }

    @Test
    void anotherNode_seesAChange_onceItsCopyIsOlderThanItsMaxAge() {
        PlanBook otherNode = s.book(Duration.ofSeconds(1));
        assertThat(otherNode.catalog().plan("plus").orElseThrow().tokensPerDay())
                .isZero();

        s.book.put(withDailyTokens(PlanStack.plan("plus", PlanStack.PLUS_FEE), 99), null);

        assertThat(otherNode.catalog().plan("plus").orElseThrow().tokensPerDay())
                .isZero();
        s.clock.advance(Duration.ofSeconds(1));
        assertThat(otherNode.catalog().plan("plus").orElseThrow().tokensPerDay())
                .isEqualTo(99);
    }
}
