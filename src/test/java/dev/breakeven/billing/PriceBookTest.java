package dev.breakeven.billing;

import static dev.breakeven.billing.PriceKind.MODEL_INPUT;
import static dev.breakeven.billing.PriceKind.MODEL_OUTPUT;
import static dev.breakeven.billing.PriceKind.PLAN_FEE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.store.Ids;
import dev.breakeven.testing.TestClock;
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

/** What {@link PriceBook} promises, on every database engine. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class PriceBookTest {
    static final Instant NOW = Instant.parse("2026-06-15T12:00:00Z");
    static final long JAN = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    static final long MAR = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();
    static final long MAY = Instant.parse("2026-05-01T00:00:00Z").toEpochMilli();
    static final long AUG = Instant.parse("2026-08-01T00:00:00Z").toEpochMilli();

    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    TestDatabase.Opened opened;
    TestClock clock;
    PriceBook book;

    @BeforeEach
    void open() {
        opened = engine.open(dir);
        clock = new TestClock(NOW);
        book = newBook(Duration.ofSeconds(1));
    }

    @AfterEach
    void close() {
        if (opened != null) opened.close();
    }

    PriceBook newBook(Duration maxAge) {
        return new PriceBook(new JdbiPriceRepository(opened.db().jdbi()), new Ids(clock), clock, maxAge);
    }

    long now() {
        return clock.millis();
    }

    @Test
    void priceBook_ratesAnEvent_atThePriceInForceAtItsOwnTime() {
        Price jan = book.set(MODEL_INPUT, "assistant", 150_000, JAN, "launch");
        Price may = book.set(MODEL_INPUT, "assistant", 120_000, MAY, "cheaper GPUs");

        assertThat(book.at(MODEL_INPUT, "assistant", JAN - 1))
                .as("before any price")
                .isEmpty();
        assertThat(book.at(MODEL_INPUT, "assistant", JAN))
                .as("from its first millisecond")
                .contains(jan);
        assertThat(book.at(MODEL_INPUT, "assistant", MAY - 1))
                .as("until the next one's")
                .contains(jan);
        assertThat(book.at(MODEL_INPUT, "assistant", MAY)).contains(may);
        assertThat(book.at(MODEL_INPUT, "assistant", Long.MAX_VALUE)).contains(may);
    }

    @Test
    void aSetPrice_isStoredWithItsKindSubjectAmountTimesAndNote() {
        Price price = book.set(PLAN_FEE, "plus", 20_000_000, MAR, "  spring pricing  ");

        assertThat(price.id()).startsWith("price_");
        assertThat(price.kind()).isEqualTo(PLAN_FEE);
        assertThat(price.subject()).isEqualTo("plus");
        assertThat(price.micros()).isEqualTo(20_000_000);
        assertThat(price.effectiveFrom()).isEqualTo(MAR);
        assertThat(price.createdAt()).isEqualTo(now());
        assertThat(price.note()).isEqualTo("spring pricing");
        assertThat(book.history(null, null)).containsExactly(price);
        assertThat(book.set(PLAN_FEE, "plus", 0, AUG, "  ").note())
                .as("a blank note is no note")
                .isNull();
    }

    @Test
    void setWithoutATime_isInForceFromNow() {
        Price price = book.set(MODEL_OUTPUT, "assistant", 600_000, null);

        assertThat(price.effectiveFrom()).isEqualTo(now());
        assertThat(book.at(MODEL_OUTPUT, "assistant", now() - 1)).isEmpty();
        assertThat(book.at(MODEL_OUTPUT, "assistant", now())).contains(price);
    }

    @Test
    void aChange_isANewRow_andHistoryKeepsEveryVersion_newestFirst() {
        Price first = book.set(MODEL_INPUT, "assistant", 150_000, JAN, null);
        clock.advance(Duration.ofMinutes(1));
        Price second = book.set(MODEL_INPUT, "assistant", 120_000, MAY, null);
        clock.advance(Duration.ofMinutes(1));
        Price third = book.set(MODEL_INPUT, "assistant", 130_000, MAR, "late correction");

        assertThat(book.history(MODEL_INPUT, "assistant")).containsExactly(second, third, first);
        assertThat(rowCount()).isEqualTo(3);
        assertThat(book.history(MODEL_INPUT, "assistant").getLast())
                .as("the first row is as it was stored")
                .isEqualTo(first);
    }

    @Test
    void aLatePrice_withAPastEffectiveTime_changesLookupsFromThenOn_only() {
        Price jan = book.set(MODEL_INPUT, "assistant", 150_000, JAN, null);
        Price may = book.set(MODEL_INPUT, "assistant", 120_000, MAY, null);

        Price mar = book.set(MODEL_INPUT, "assistant", 140_000, MAR, "agreed in February, entered in June");

        assertThat(book.at(MODEL_INPUT, "assistant", MAR - 1)).contains(jan);
        assertThat(book.at(MODEL_INPUT, "assistant", MAR)).contains(mar);
        assertThat(book.at(MODEL_INPUT, "assistant", MAY - 1)).contains(mar);
        assertThat(book.at(MODEL_INPUT, "assistant", MAY)).contains(may);

        Price epoch = book.set(MODEL_INPUT, "assistant", 200_000, 0, "before everything");
        assertThat(book.at(MODEL_INPUT, "assistant", JAN - 1)).contains(epoch);
        assertThat(book.at(MODEL_INPUT, "assistant", JAN)).contains(jan);
    }

    @Test
    void aFuturePrice_isNotInForce_untilItsTime() {
        Price today = book.set(MODEL_INPUT, "assistant", 150_000, JAN, null);
        Price august = book.set(MODEL_INPUT, "assistant", 100_000, AUG, "announced in June");
        Price newModel = book.set(MODEL_INPUT, "big", 900_000, AUG, "launches in August");

        assertThat(book.at(MODEL_INPUT, "assistant", now())).contains(today);
        assertThat(book.modelRates("assistant", now()).inputPerMillion()).isEqualTo(150_000);
        assertThat(book.current(now())).containsExactly(today);

        clock.advance(Duration.ofMillis(AUG - now()));

        assertThat(book.modelRates("assistant", now()).inputPerMillion()).isEqualTo(100_000);
        assertThat(book.current(now())).containsExactly(august, newModel);
    }

    @Test
    void settingTheSameInstantTwice_withTheSameAmount_returnsTheStoredPrice() {
        Price first = book.set(MODEL_INPUT, "assistant", 150_000, JAN, "first");
        clock.advance(Duration.ofMinutes(5));

        Price again = book.set(MODEL_INPUT, "assistant", 150_000, JAN, "retried");

        assertThat(again).isEqualTo(first);
        assertThat(rowCount()).isEqualTo(1);
    }

    @Test
    void settingTheSameInstant_withAnotherAmount_isRefused_priceExists_andNothingChanges() {
        Price first = book.set(MODEL_INPUT, "assistant", 150_000, JAN, null);

        assertThatThrownBy(() -> book.set(MODEL_INPUT, "assistant", 160_000, JAN, null))
                .isInstanceOfSatisfying(PriceException.class, e -> {
                    assertThat(e.code()).isEqualTo("price_exists");
                    assertThat(e.param()).isEqualTo("effective_from");
                })
                .hasMessageContaining("assistant")
                .hasMessageContaining("0.15")
                .hasMessageContaining("2026-01-01T00:00:00Z");
        assertThat(book.history(null, null)).containsExactly(first);
        assertThat(book.at(MODEL_INPUT, "assistant", now())).contains(first);
    }

    @Test
    void setAll_storesEveryPriceOrNone() {
        book.set(MODEL_OUTPUT, "assistant", 600_000, JAN, null);

        assertThatThrownBy(() -> book.setAll(List.of(
                        new PriceBook.Change(MODEL_INPUT, "assistant", 150_000, JAN, null),
                        new PriceBook.Change(MODEL_OUTPUT, "assistant", 700_000, JAN, null))))
                .isInstanceOfSatisfying(
                        PriceException.class, e -> assertThat(e.code()).isEqualTo("price_exists"));
        assertThat(book.at(MODEL_INPUT, "assistant", now()))
                .as("the input price was not stored")
                .isEmpty();

        List<Price> both = book.setAll(List.of(
                new PriceBook.Change(MODEL_INPUT, "assistant", 150_000, JAN, null),
                new PriceBook.Change(MODEL_OUTPUT, "assistant", 600_000, JAN, null)));
        assertThat(both).extracting(Price::kind).containsExactly(MODEL_INPUT, MODEL_OUTPUT);
        assertThat(rowCount()).isEqualTo(2);
    }

    @Test
    void invalidPrices_areRefused_namingTheField() {
        assertInvalid(() -> book.set(MODEL_INPUT, "assistant", -1, JAN, null), "micros");
        assertInvalid(() -> book.set(null, "assistant", 1, JAN, null), "kind");
        assertInvalid(() -> book.set(MODEL_INPUT, null, 1, JAN, null), "subject");
        assertInvalid(() -> book.set(MODEL_INPUT, "  ", 1, JAN, null), "subject");
        assertInvalid(() -> book.set(MODEL_INPUT, " assistant", 1, JAN, null), "subject");
        assertInvalid(() -> book.set(MODEL_INPUT, "a\tb", 1, JAN, null), "subject");
        assertInvalid(() -> book.set(MODEL_INPUT, "m".repeat(201), 1, JAN, null), "subject");
        assertInvalid(() -> book.set(MODEL_INPUT, "assistant", 1, -1, null), "effective_from");
        assertInvalid(() -> book.set(MODEL_INPUT, "assistant", 1, JAN, "n".repeat(1001)), "note");
        assertThat(rowCount()).isZero();

        assertThat(book.set(MODEL_INPUT, "m".repeat(200), 0, 0, "n".repeat(1000))
                        .micros())
                .as("the limits themselves are allowed, and so is a free model")
                .isZero();
    }

    @Test
    void modelRates_giveBothTokenPrices_andCountAMissingKindAsZero() {
        book.set(MODEL_INPUT, "assistant", 150_000, JAN, null);
        book.set(MODEL_OUTPUT, "assistant", 600_000, JAN, null);
        book.set(MODEL_OUTPUT, "half-priced", 50_000, JAN, null);

        assertThat(book.modelRates("assistant", now())).isEqualTo(new ModelRates(150_000, 600_000));
        assertThat(book.modelRates("half-priced", now())).isEqualTo(new ModelRates(0, 50_000));
        assertThat(book.modelRates("unpriced", now())).isEqualTo(ModelRates.FREE);
        assertThat(book.modelRates("assistant", JAN - 1)).isEqualTo(ModelRates.FREE);
        assertThat(book.modelRates(null, now())).isEqualTo(ModelRates.FREE);
    }

    @Test
    void current_listsThePriceInForce_ofEveryKindAndSubject_byKindThenSubject() {
        Price plus = book.set(PLAN_FEE, "plus", 20_000_000, JAN, null);
        book.set(MODEL_INPUT, "zeta", 1, JAN, null);
        Price zeta = book.set(MODEL_INPUT, "zeta", 2, MAR, null);
        Price alpha = book.set(MODEL_INPUT, "alpha", 3, JAN, null);
        Price out = book.set(MODEL_OUTPUT, "alpha", 4, JAN, null);
        book.set(MODEL_OUTPUT, "beta", 5, AUG, null);

        assertThat(book.current(now())).containsExactly(alpha, zeta, out, plus);
        assertThat(book.current(JAN - 1)).isEmpty();
    }

    @Test
    void history_selectsByKindAndOrSubject() {
        Price in = book.set(MODEL_INPUT, "assistant", 1, JAN, null);
        Price outJan = book.set(MODEL_OUTPUT, "assistant", 2, JAN, null);
        Price outMay = book.set(MODEL_OUTPUT, "assistant", 3, MAY, null);
        Price other = book.set(MODEL_OUTPUT, "other", 4, MAR, null);
        Price plan = book.set(PLAN_FEE, "assistant", 5, AUG, "a plan may share a model's name");

        assertThat(book.history(MODEL_OUTPUT, "assistant")).containsExactly(outMay, outJan);
        assertThat(book.history(MODEL_OUTPUT, null)).containsExactly(outMay, other, outJan);
        assertThat(book.history(null, "assistant")).containsExactly(plan, outMay, in, outJan);
        assertThat(book.history(PLAN_FEE, "nobody")).isEmpty();
    }

    @Test
    void aPriceSetElsewhere_isSeen_onceTheCopyIsOlderThanItsMaxAge() {
        PriceBook otherNode = newBook(Duration.ofSeconds(1));
        book.set(MODEL_INPUT, "assistant", 150_000, JAN, null);
        assertThat(otherNode.modelRates("assistant", now()).inputPerMillion()).isEqualTo(150_000);

        book.set(MODEL_INPUT, "assistant", 120_000, MAY, "set by the CLI");
        assertThat(book.modelRates("assistant", now()).inputPerMillion())
                .as("the instance that set it sees it at once")
                .isEqualTo(120_000);
        assertThat(otherNode.modelRates("assistant", now()).inputPerMillion())
                .as("another instance within its max age still has its copy")
                .isEqualTo(150_000);

        clock.advance(Duration.ofMillis(999));
        assertThat(otherNode.modelRates("assistant", now()).inputPerMillion()).isEqualTo(150_000);

        clock.advance(Duration.ofMillis(1));
        assertThat(otherNode.modelRates("assistant", now()).inputPerMillion()).isEqualTo(120_000);
        assertThat(otherNode.history(MODEL_INPUT, "assistant"))
                .as("history always reads the database")
                .hasSize(2);
    }

    @Test
    void seed_storesAPriceSinceTheEpoch_onlyWhenItsKindAndSubjectHaveNone() {
        assertThat(book.seed(MODEL_INPUT, "assistant", 150_000, "from breakeven.yaml"))
                .isTrue();
        assertThat(book.at(MODEL_INPUT, "assistant", 0).orElseThrow().micros()).isEqualTo(150_000);

        assertThat(book.seed(MODEL_INPUT, "assistant", 999_999, "from an edited breakeven.yaml"))
                .as("the price book, not the file, is the truth once a price exists")
                .isFalse();
        assertThat(book.modelRates("assistant", now()).inputPerMillion()).isEqualTo(150_000);

        book.set(MODEL_INPUT, "launching", 900_000, AUG, "a future price only");
        assertThat(book.seed(MODEL_INPUT, "launching", 1, null))
                .as("a future price counts as a price")
                .isFalse();
        assertThat(book.at(MODEL_INPUT, "launching", now())).isEmpty();
        assertThat(rowCount()).isEqualTo(2);
    }

    @Test
    void rowsOfAKindThisBuildDoesNotKnow_areIgnored() {
        Price known = book.set(MODEL_INPUT, "assistant", 150_000, JAN, null);
        opened.db().jdbi().useHandle(h -> h.execute("""
                INSERT INTO prices (id, kind, subject, micros, effective_from, created_at, note)
                VALUES ('price_fromanewernode', 'ad_click', 'campaign-1', 250000, 0, 0, NULL)
                """));
        PriceBook fresh = newBook(Duration.ofSeconds(1));

        assertThat(fresh.current(now())).containsExactly(known);
        assertThat(fresh.history(null, null)).containsExactly(known);
        assertThat(fresh.history(null, "campaign-1")).isEmpty();
    }

    @Test
    void theTableRefusesANegativeAmount_evenFromOutsideThePriceBook() {
        assertThatThrownBy(() -> opened.db().jdbi().useHandle(h -> h.execute("""
                        INSERT INTO prices (id, kind, subject, micros, effective_from, created_at, note)
                        VALUES ('price_negative', 'model_input', 'x', -1, 0, 0, NULL)
                        """)))
                .isInstanceOf(RuntimeException.class);
        assertThat(rowCount()).isZero();
    }

    @Test
    void kinds_haveStableWireNames_subjectsAndUnits() {
        assertThat(PriceKind.wireNames()).isEqualTo("model_input, model_output, plan_fee");
        assertThat(PriceKind.parse(" Model_Output ")).isEqualTo(MODEL_OUTPUT);
        assertThat(PriceKind.parse("ad_click")).isNull();
        assertThat(PriceKind.parse(null)).isNull();
        assertThat(MODEL_INPUT.unit()).isEqualTo(PriceKind.Unit.PER_MILLION_TOKENS);
        assertThat(PLAN_FEE.unit().wireName()).isEqualTo("per_month");
        assertThat(PLAN_FEE.subjectName()).isEqualTo("plan");
        assertThat(MODEL_OUTPUT.subjectName()).isEqualTo("model");
    }

    private int rowCount() {
        return opened.db().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM prices")
                .mapTo(Integer.class)
                .one());
    }

    private static void assertInvalid(Runnable call, String param) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(PriceException.class, e -> {
            assertThat(e.code()).isEqualTo("invalid_price");
            assertThat(e.param()).isEqualTo(param);
        });
    }
}
