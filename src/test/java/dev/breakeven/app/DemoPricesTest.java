package dev.breakeven.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.billing.ModelRates;
import dev.breakeven.billing.PriceKind;
import dev.breakeven.testing.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo prices its models, so that it shows costs, without overriding prices that exist. */
class DemoPricesTest {
    @TempDir
    Path dir;

    @Test
    void demoModels_getDemoPrices_butConfiguredAndOperatorPricesWin_andTheWelcomeShowsThem() throws Exception {
        Path file = dir.resolve("breakeven.yaml");
        Files.writeString(file, """
                server: {port: 0}
                data_dir: "%s"
                models:
                  - {id: assistant, backends: []}
                  - {id: local, backends: []}
                  - {id: custom, backends: []}
                prices:
                  - {model: assistant, input_per_million_micros: 100000}
                """.formatted(dir.resolve("data")));
        BreakevenConfig config = new ConfigLoader(Map.of()).load(file, Map.of());
        TestClock clock = new TestClock(Instant.parse("2026-06-15T12:00:00Z"));

        try (Breakeven running = Breakeven.start(config, clock, Map.of())) {
            running.prices().set(PriceKind.MODEL_OUTPUT, "local", 1, 0, "set by an operator");

            DemoCommand.seedDemoPrices(running.prices(), config);
            DemoCommand.seedDemoPrices(running.prices(), config); // a second demo run changes nothing

            long now = clock.millis();
            assertThat(running.prices().modelRates("assistant", now)).isEqualTo(new ModelRates(100_000, 600_000));
            assertThat(running.prices().modelRates("local", now)).isEqualTo(new ModelRates(20_000, 1));
            assertThat(running.prices().modelRates("custom", now)).isEqualTo(ModelRates.FREE);
            assertThat(running.prices().history(null, null)).hasSize(4);

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DemoCommand.printPrices(new PrintStream(out, true, StandardCharsets.UTF_8), running.prices(), config);
            assertThat(out.toString(StandardCharsets.UTF_8).lines())
                    .containsExactly(
                            "Prices in USD per million tokens, prompt / completion (change them with ./breakeven"
                                    + " prices set):",
                            "  assistant  0.10 / 0.60",
                            "  local      0.02 / 0.000001",
                            "  custom     0.00 / 0.00");
        }
    }
}
