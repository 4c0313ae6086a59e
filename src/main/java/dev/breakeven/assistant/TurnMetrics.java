package dev.breakeven.assistant;

import dev.breakeven.metering.UsageEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** What chat turns export on /metrics: generations, tokens, latency, upstream errors. */
public final class TurnMetrics {
    private final MeterRegistry registry;

    public TurnMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void observe(UsageEvent e) {
        String backend = e.backend() == null ? "none" : e.backend();
        Counter.builder("breakeven.generations")
                .tag("model", e.model())
                .tag("backend", backend)
                .tag("outcome", e.outcome().name().toLowerCase())
                .register(registry)
                .increment();
        Counter.builder("breakeven.tokens")
                .tag("model", e.model())
                .tag("kind", "prompt")
                .register(registry)
                .increment(e.promptTokens());
        Counter.builder("breakeven.tokens")
                .tag("model", e.model())
                .tag("kind", "completion")
                .register(registry)
                .increment(e.completionTokens());
        Timer.builder("breakeven.generation.duration")
                .tag("model", e.model())
                .publishPercentileHistogram()
                .register(registry)
                .record(Duration.ofMillis(e.durationMillis()));
        if (e.timeToFirstTokenMillis() >= 0) {
            DistributionSummary.builder("breakeven.time.to.first.token.ms")
                    .tag("model", e.model())
                    .publishPercentileHistogram()
                    .register(registry)
                    .record(e.timeToFirstTokenMillis());
        }
    }

    /** A turn its class found no room for on {@code from}'s backend, served by {@code to} instead. */
    void downgraded(String from, String to) {
        Counter.builder("breakeven.downgrades")
                .description("Turns served by a smaller model because their class was saturated")
                .tag("from", from)
                .tag("to", to)
                .register(registry)
                .increment();
    }

    void upstreamError(String backend, String code) {
        Counter.builder("breakeven.upstream.errors")
                .tag("backend", backend)
                .tag("code", code)
                .register(registry)
                .increment();
    }
}
