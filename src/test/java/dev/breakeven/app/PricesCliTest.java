package dev.breakeven.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code breakeven prices}, run in-process on a real data directory: outputs and exit codes. */
@Isolated("swaps System.out and System.err")
class PricesCliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    Run cli(String... args) {
        CliRun run = CliRun.of(args);
        return new Run(run.code(), run.out(), run.err());
    }

    /** Runs a prices command on this test's data directory, and expects it to succeed. */
    Run prices(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "prices";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--data";
        all[args.length + 2] = dir.resolve("data").toString();
        Run run = cli(all);
        assertThat(run.code()).as(run.err()).isZero();
        return run;
    }

    @Test
    void pricesSet_forAModel_storesInputAndOutput_perMillionTokens_parsedExactly() {
        Run set = prices("set", "--model", "assistant", "--input", "0.15", "--output", "0.60", "--note", "launch");

        assertThat(set.out().lines())
                .hasSize(2)
                .anySatisfy(l ->
                        assertThat(l).startsWith("model_input of model 'assistant': 0.15 per million tokens from "))
                .anySatisfy(
                        l -> assertThat(l).startsWith("model_output of model 'assistant': 0.60 per million tokens"));
        JsonNode listed = parse(prices("list", "--format", "json").out());
        assertThat(listed).hasSize(2);
        assertThat(listed.get(0).get("kind").asText()).isEqualTo("model_input");
        assertThat(listed.get(0).get("micros").asLong()).isEqualTo(150_000);
        assertThat(listed.get(1).get("micros").asLong()).isEqualTo(600_000);
        assertThat(listed.get(1).get("note").asText()).isEqualTo("launch");

        prices("set", "--model", "assistant", "--input", "0.000001", "--from", "2999-01-01");
        assertThat(parse(prices("list", "--at", "2999-01-01", "--format", "json")
                                .out())
                        .get(0)
                        .get("micros")
                        .asLong())
                .as("one micro is the smallest amount, kept exactly")
                .isEqualTo(1);
    }

    @Test
    void pricesSet_forAPlan_storesTheMonthlyFee() {
        prices("set", "--plan", "plus", "--monthly", "20", "--from", "2026-01-01");

        JsonNode plus = parse(prices("list", "--format", "json").out()).get(0);
        assertThat(plus.get("kind").asText()).isEqualTo("plan_fee");
        assertThat(plus.get("subject").asText()).isEqualTo("plus");
        assertThat(plus.get("micros").asLong()).isEqualTo(20_000_000);
        assertThat(plus.get("unit").asText()).isEqualTo("per_month");
        assertThat(plus.get("effective_from").asLong())
                .isEqualTo(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
    }

    @Test
    void pricesList_atATime_showsWhatWasInForceThen_asATableCsvOrJson() {
        prices("set", "--model", "assistant", "--input", "0.15", "--from", "2026-01-01");
        prices("set", "--model", "assistant", "--input", "0.12", "--from", "2026-05-01T00:00:00Z", "--note", "cheaper");

        Run february = prices("list", "--at", "2026-02-01");
        assertThat(february.out().lines().toList())
                .first()
                .asString()
                .startsWith("KIND")
                .contains("SUBJECT")
                .contains("PRICE")
                .contains("FROM");
        assertThat(february.out())
                .contains("0.15")
                .contains("2026-01-01T00:00:00Z")
                .doesNotContain("0.12");

        Run may = prices(
                "list",
                "--at",
                Long.toString(Instant.parse("2026-05-01T00:00:00Z").toEpochMilli()),
                "--format",
                "csv");
        assertThat(may.out().lines().toList())
                .hasSize(2)
                .first()
                .isEqualTo("id,kind,subject,micros,amount,unit,effective_from,created_at,note");
        assertThat(may.out().lines().toList().get(1))
                .contains(",model_input,assistant,120000,0.12,per_million_tokens,1777593600000,")
                .endsWith(",cheaper");

        assertThat(parse(
                        prices("list", "--at", "2025-12-31", "--format", "json").out()))
                .as("nothing was in force before the first price")
                .isEmpty();
    }

    @Test
    void pricesHistory_listsEveryVersion_newestFirst_ofAModelOrAPlan() {
        prices("set", "--model", "assistant", "--input", "0.15", "--output", "0.60", "--from", "2026-01-01");
        prices("set", "--model", "assistant", "--input", "0.12", "--from", "2026-05-01");
        prices("set", "--plan", "assistant", "--monthly", "5", "--from", "2026-02-01");
        prices("set", "--plan", "plus", "--monthly", "20", "--from", "2026-03-01");

        JsonNode model = parse(
                prices("history", "--model", "assistant", "--format", "json").out());
        assertThat(model)
                .extracting(p -> p.get("micros").asLong())
                .containsExactlyInAnyOrder(120_000L, 150_000L, 600_000L);
        assertThat(model.get(0).get("micros").asLong()).isEqualTo(120_000);

        JsonNode plan =
                parse(prices("history", "--plan", "plus", "--format", "json").out());
        assertThat(plan)
                .singleElement()
                .satisfies(p -> assertThat(p.get("micros").asLong()).isEqualTo(20_000_000));

        assertThat(parse(prices("history", "--format", "json").out())).hasSize(5);
        assertThat(prices("history").out()).contains("plan_fee").contains("model_output");
    }

    @Test
    void aModelThatIsNotConfigured_isPricedAllTheSame_withANote() {
        Run set = prices("set", "--model", "asistant", "--input", "1");

        assertThat(set.err()).contains("'asistant' is not a model of this configuration (assistant)");
        assertThat(parse(prices("list", "--format", "json").out())).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            neither model nor plan   | set --input 1                                         | give --model ID
            both model and plan      | set --model a --plan b --input 1                      | not both
            model without amounts    | set --model a                                         | --model needs --input and/or --output
            model with monthly fee   | set --model a --input 1 --monthly 2                   | --monthly is for a plan
            plan with token prices   | set --plan b --monthly 2 --output 1                   | --input and --output are for a model
            plan without fee         | set --plan b                                          | --plan needs --monthly
            negative amount          | set --plan b --monthly -2                             | --monthly: a price cannot be negative
            not an amount            | set --model a --input cheap                           | --input: 'cheap' is not an amount
            too many decimals        | set --model a --input 0.1234567                       | more than six decimals
            not a time               | set --model a --input 1 --from soon                   | --from: 'soon' is not a time
            bad list time            | list --at soon                                        | --at: 'soon' is not a time
            bad format               | list --format xml                                     | --format
            history of both          | history --model a --plan b                            | not both
            no subcommand            | ''                                                    | Missing subcommand
            """)
    void badUsage_exits2_withTheProblemFirst(String name, String args, String message) {
        String data = args.isEmpty() ? "" : " --data " + dir.resolve("data");
        Run run = cli(("prices " + args + data).trim().split(" +"));

        assertThat(run.code()).as(run.err()).isEqualTo(2);
        assertThat(run.err().lines().findFirst().orElseThrow()).contains(message);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void anotherAmountForTheSameTime_fails_exit1_withOneLine_andChangesNothing() {
        prices("set", "--model", "assistant", "--input", "0.15", "--output", "0.60", "--from", "2026-01-01");

        Run conflict = cli(
                "prices",
                "set",
                "--model",
                "assistant",
                "--input",
                "0.15",
                "--output",
                "0.70",
                "--from",
                "2026-01-01",
                "--data",
                dir.resolve("data").toString());

        assertThat(conflict.code()).isEqualTo(1);
        assertThat(conflict.err().strip())
                .isEqualTo("breakeven: model_output of model 'assistant' is already 0.60 (600000 micros) from"
                        + " 2026-01-01T00:00:00Z; stored prices never change: set the new one with another effective"
                        + " time");
        assertThat(parse(prices("history", "--format", "json").out())).hasSize(2);
        assertThat(prices("set", "--model", "assistant", "--input", "0.15", "--from", "2026-01-01")
                        .code())
                .as("the same amount again is no change, and no failure")
                .isZero();
    }

    @Test
    void aPriceSetByTheCli_appliesOnARunningServer_onceItsCopyIsOlderThanPriceCacheMs() {
        TestClock clock = new TestClock(Instant.parse("2026-06-15T12:00:00Z"));
        try (Gateway gw = Gateway.in(dir).clock(clock).start()) {
            String config = dir.resolve("breakeven.yaml").toString();
            assertThat(inputPrice(gw)).as("nothing priced yet").isNull();

            Run set = cli(
                    "prices",
                    "set",
                    "--model",
                    "assistant",
                    "--input",
                    "0.15",
                    "--from",
                    "2026-01-01",
                    "--config",
                    config);
            assertThat(set.code()).as(set.err()).isZero();

            assertThat(inputPrice(gw))
                    .as("the server's copy is younger than price_cache_ms")
                    .isNull();
            clock.advance(Duration.ofMillis(1000));
            assertThat(inputPrice(gw)).isEqualTo(150_000L);
        }
    }

    private static Long inputPrice(Gateway gw) {
        JsonNode list = Gateway.json(gw.get("/admin/v1/prices", gw.operatorKey));
        for (JsonNode p : list.get("data")) {
            if (p.get("kind").asText().equals("model_input")
                    && p.get("subject").asText().equals("assistant"))
                return p.get("micros").asLong();
        }
        return null;
    }

    private static JsonNode parse(String json) {
        try {
            return Gateway.JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
