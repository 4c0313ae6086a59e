package dev.breakeven.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.plans.Plan;
import dev.breakeven.testing.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's plans follow the models each run serves, although plans are otherwise seeded once. */
class DemoPlansTest {
    @TempDir
    Path dir;

    BreakevenConfig config(String models) throws Exception {
        Path file = dir.resolve("breakeven.yaml");
        Files.writeString(file, """
                server: {port: 0}
                data_dir: "%s"
                models:
                %s""".formatted(dir.resolve("data"), models));
        return DemoCommand.withDemoPlans(new ConfigLoader(Map.of()).load(file, Map.of()));
    }

    Plan plan(Breakeven running, String id) {
        return running.planBook().catalog().plan(id).orElseThrow();
    }

    @Test
    void aModelAddedOnALaterRun_isInThePaidPlans() throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-06-15T12:00:00Z"));
        BreakevenConfig first = config("  - {id: assistant, backends: []}\n");
        try (Breakeven running = Breakeven.start(first, clock, Map.of())) {
            DemoCommand.resetDemoPlans(running, first);
            assertThat(plan(running, "plus").models()).containsExactly("assistant");
        }

        BreakevenConfig second = config("  - {id: assistant, backends: []}\n  - {id: local, backends: []}\n");
        try (Breakeven running = Breakeven.start(second, clock, Map.of())) {
            assertThat(plan(running, "plus").models())
                    .as("seeding alone keeps the stored plan")
                    .containsExactly("assistant");

            DemoCommand.resetDemoPlans(running, second);

            assertThat(plan(running, "plus").models()).containsExactly("assistant", "local");
            assertThat(plan(running, "pro").models()).containsExactly("assistant", "local");
            assertThat(plan(running, "free").models()).containsExactly("assistant");
        }
    }
}
