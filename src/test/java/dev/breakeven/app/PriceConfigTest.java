package dev.breakeven.app;

import static dev.breakeven.billing.PriceKind.MODEL_INPUT;
import static dev.breakeven.billing.PriceKind.MODEL_OUTPUT;
import static dev.breakeven.billing.PriceKind.PLAN_FEE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.billing.ModelRates;
import dev.breakeven.billing.Price;
import dev.breakeven.testing.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code prices:} list: how it is read and checked, and how it seeds the price book at start-up. */
class PriceConfigTest {
    static final String MODELS = ConfigFiles.MODELS;

    @TempDir
    Path dir;

    TestClock clock = new TestClock(Instant.parse("2026-06-15T12:00:00Z"));

    @Test
    void byDefault_noPriceIsConfigured_andTheCopyIsReloadedEverySecond() {
        BreakevenConfig c = new ConfigLoader(Map.of()).load(null, Map.of());

        assertThat(c.prices()).isEmpty();
        assertThat(c.server().priceCacheMs()).isEqualTo(1000);
        assertThat(new ConfigLoader(Map.of("BREAKEVEN_SERVER_PRICE_CACHE_MS", "250"))
                        .load(null, Map.of())
                        .server()
                        .priceCacheMs())
                .isEqualTo(250);
    }

    @Test
    void pricesOfModelsAndPlans_areRead_inMicros() throws Exception {
        BreakevenConfig c = load(MODELS + """
                prices:
                  - {model: assistant, input_per_million_micros: 150000, output_per_million_micros: 600000}
                  - {model: small, output_per_million_micros: 0}
                  - {plan: plus, monthly_micros: 20000000}
                """);

        assertThat(c.prices())
                .containsExactly(
                        new BreakevenConfig.Price("assistant", 150_000L, 600_000L, null, null),
                        new BreakevenConfig.Price("small", null, 0L, null, null),
                        new BreakevenConfig.Price(null, null, null, "plus", 20_000_000L));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            neither model nor plan     | 'prices: [{monthly_micros: 1}]'                                                   | prices[0] must have either model (token prices) or plan (a monthly fee), not neither
            both model and plan        | 'prices: [{model: assistant, plan: plus, monthly_micros: 1}]'                     | prices[0] must have either model (token prices) or plan (a monthly fee), not both
            unknown model              | 'prices: [{model: asistant, input_per_million_micros: 1}]'                        | prices[0].model names no configured model: 'asistant'
            model without amounts      | 'prices: [{model: assistant}]'                                                    | prices[0] needs input_per_million_micros and/or output_per_million_micros
            model with a monthly fee   | 'prices: [{model: assistant, input_per_million_micros: 1, monthly_micros: 1}]'    | prices[0].monthly_micros is a key of plan prices, not model prices
            negative amount            | 'prices: [{model: assistant, output_per_million_micros: -5}]'                     | prices[0].output_per_million_micros must be whole micros, 0 or more, got -5
            dollars instead of micros  | 'prices: [{model: assistant, input_per_million_micros: 0.15}]'                    | 'prices[0].input_per_million_micros': Cannot coerce Floating-point value (0.15) to `java.lang.Long` value (amounts are whole micros: 1 USD = 1000000, so 0.15 is 150000)
            not a number               | 'prices: [{model: assistant, input_per_million_micros: cheap}]'                   | bad value for 'prices[0].input_per_million_micros'
            plan without fee           | 'prices: [{plan: plus}]'                                                          | prices[0].monthly_micros is required for a plan
            plan with token prices     | 'prices: [{plan: plus, monthly_micros: 1, input_per_million_micros: 1}]'          | are keys of model prices, not plan prices
            blank plan                 | 'prices: [{plan: " ", monthly_micros: 1}]'                                        | prices[0].plan must be a plan id
            model priced twice         | 'prices: [{model: assistant, input_per_million_micros: 1}, {model: assistant, output_per_million_micros: 1}]' | prices[1] prices model 'assistant' a second time
            plan priced twice          | 'prices: [{plan: plus, monthly_micros: 1}, {plan: plus, monthly_micros: 2}]'      | prices[1] prices plan 'plus' a second time
            typo in a key              | 'prices: [{model: assistant, input_per_milion_micros: 1}]'                        | unknown key 'prices[0].input_per_milion_micros'
            cache out of range         | 'server: {price_cache_ms: -1}'                                                    | server.price_cache_ms must be 0..60000
            """)
    void badPrices_failWithOneMessageNamingTheKey(String name, String yaml, String message) {
        assertThatThrownBy(() -> load("models: [{id: assistant, backends: []}]\n" + yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void atStartUp_configuredPrices_areSeeded_inForceSinceTheEpoch() throws Exception {
        BreakevenConfig c = load(MODELS + """
                prices:
                  - {model: assistant, input_per_million_micros: 150000, output_per_million_micros: 600000}
                  - {plan: plus, monthly_micros: 20000000}
                """);

        try (Breakeven server = Breakeven.start(c, clock, Map.of())) {
            assertThat(server.prices().modelRates("assistant", 0)).isEqualTo(new ModelRates(150_000, 600_000));
            assertThat(server.prices().modelRates("small", clock.millis()))
                    .as("an unpriced model is free")
                    .isEqualTo(ModelRates.FREE);
            Price plus = server.prices().at(PLAN_FEE, "plus", clock.millis()).orElseThrow();
            assertThat(plus.micros()).isEqualTo(20_000_000);
            assertThat(plus.effectiveFrom()).isZero();
            assertThat(plus.note()).isEqualTo("seeded from the configuration");
        }
    }

    @Test
    void onALaterStart_thePriceBookStaysTheTruth_newSubjectsAreSeeded_andADisagreementIsLogged() throws Exception {
        String first = MODELS + """
                prices:
                  - {model: assistant, input_per_million_micros: 150000, output_per_million_micros: 600000}
                """;
        long may = Instant.parse("2026-05-01T00:00:00Z").toEpochMilli();
        try (Breakeven server = Breakeven.start(load(first), clock, Map.of())) {
            server.prices().set(MODEL_INPUT, "assistant", 120_000, may, "set by an operator");
        }
        clock.advance(Duration.ofDays(1));
        String edited = MODELS + """
                prices:
                  - {model: assistant, input_per_million_micros: 100000, output_per_million_micros: 600000}
                  - {model: small, input_per_million_micros: 10000}
                """;

        List<String> warnings = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (warnings) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger log = Logger.getLogger(Breakeven.class.getName());
        log.addHandler(capture);
        try (Breakeven server = Breakeven.start(load(edited), clock, Map.of())) {
            assertThat(server.prices().modelRates("assistant", clock.millis()))
                    .isEqualTo(new ModelRates(120_000, 600_000));
            assertThat(server.prices().history(MODEL_INPUT, "assistant"))
                    .extracting(Price::micros)
                    .containsExactly(120_000L, 150_000L);
            assertThat(server.prices().history(MODEL_OUTPUT, "assistant")).hasSize(1);
            assertThat(server.prices().modelRates("small", clock.millis()))
                    .as("a model priced in the file for the first time is seeded")
                    .isEqualTo(new ModelRates(10_000, 0));
        } finally {
            log.removeHandler(capture);
        }
        synchronized (warnings) {
            assertThat(warnings)
                    .singleElement()
                    .asString()
                    .contains("prices[0]")
                    .contains("model_input of model 'assistant'")
                    .contains("100000")
                    .contains("120000 since 2026-05-01T00:00:00Z")
                    .contains("the price book wins");
        }
    }

    @Test
    void aConfiguredPriceThePriceBookRefuses_stopsStartUp_namingTheEntry() throws Exception {
        String longId = "m".repeat(201);
        BreakevenConfig c = load("models: [{id: " + longId + ", backends: []}]\n" + "prices: [{model: " + longId
                + ", input_per_million_micros: 1}]\n");

        assertThatThrownBy(() -> Breakeven.start(c, clock, Map.of()).close())
                .isInstanceOf(ConfigException.class)
                .hasMessage("prices[0]: subject must be at most 200 characters long");
    }

    private BreakevenConfig load(String yaml) throws Exception {
        Path file = dir.resolve("breakeven.yaml");
        Files.writeString(
                file,
                "server: {port: 0}\ndata_dir: \"" + dir.resolve("data") + "\"\nmetering: {durability: sync}\n" + yaml);
        return new ConfigLoader(Map.of()).load(file, Map.of());
    }
}
