package dev.breakeven.plans;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.testing.TestClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the scheduler puts on /metrics: waits, grants, refusals by code, and the current load. */
class SchedulerMetricsTest {
    final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final SchedulerMetrics metrics = new SchedulerMetrics(registry);
    final ComputeScheduler s = new ComputeScheduler(SchedulerPolicy.defaults(), Map.of("gpu", 1), clock, metrics);

    {
        metrics.bindGauges(s);
    }

    double gauge(String name, String cls) {
        return registry.get(name)
                .tag("backend", "gpu")
                .tag("class", cls)
                .gauge()
                .value();
    }

    @Test
    void waitsGrantsRefusalsAndLoadAreExported() {
        Slot running = s.offer(SlotRequest.of("gpu", "a", "pro")).slot();
        SlotTicket waiting = s.offer(SlotRequest.of("gpu", "b", "pro"));
        s.offer(SlotRequest.of("gpu", "c", "free")); // 10 s estimated; free waits 5 s at most

        assertThat(gauge("breakeven.scheduler.running", "pro")).isEqualTo(1);
        assertThat(gauge("breakeven.scheduler.waiting", "pro")).isEqualTo(1);
        assertThat(registry.get("breakeven.scheduler.capacity").gauge().value()).isEqualTo(1);

        clock.advance(Duration.ofMillis(800));
        running.release();

        assertThat(waiting.slot().queuedMillis()).isEqualTo(800);
        var queueMs =
                registry.get("breakeven.scheduler.queue.ms").tag("class", "pro").summary();
        assertThat(queueMs.count()).isEqualTo(2);
        assertThat(queueMs.max()).isEqualTo(800);
        assertThat(registry.get("breakeven.scheduler.grants")
                        .tag("class", "pro")
                        .counter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get("breakeven.scheduler.refusals")
                        .tag("class", "free")
                        .tag("code", "overloaded")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(gauge("breakeven.scheduler.waiting", "pro")).isZero();
    }
}
