package dev.breakeven.plans;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;

/**
 * What the compute scheduler exports on {@code /metrics}, tagged by {@code backend} and {@code
 * class}: {@code breakeven_scheduler_queue_ms} (a histogram of the waits of granted requests),
 * {@code breakeven_scheduler_grants_total}, {@code breakeven_scheduler_refusals_total} (also by
 * {@code code}), {@code breakeven_scheduler_cancellations_total}, and the gauges {@code
 * breakeven_scheduler_running}, {@code breakeven_scheduler_waiting}, {@code
 * breakeven_scheduler_headroom} (the slots kept now for the classes above, raised by the adaptive
 * headroom) and {@code breakeven_scheduler_capacity} (by backend). Pass it to the scheduler as its listener, then
 * {@link #bindGauges} the scheduler. Recording never throws.
 */
public final class SchedulerMetrics implements SchedulerListener {
    private final MeterRegistry registry;

    public SchedulerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers the gauges that read the scheduler's current state when scraped. */
    public void bindGauges(ComputeScheduler scheduler) {
        for (String backend : scheduler.backends()) {
            Gauge.builder("breakeven.scheduler.capacity", scheduler, s -> s.capacity(backend))
                    .tag("backend", backend)
                    .register(registry);
            for (PriorityClass c : scheduler.policy().classes()) {
                classGauge("breakeven.scheduler.running", scheduler, backend, c, SchedulerSnapshot.ClassLoad::running);
                classGauge("breakeven.scheduler.waiting", scheduler, backend, c, SchedulerSnapshot.ClassLoad::waiting);
                classGauge(
                        "breakeven.scheduler.headroom", scheduler, backend, c, SchedulerSnapshot.ClassLoad::headroom);
            }
        }
    }

    /** A gauge of one class on one backend, read from the backend's snapshot when scraped. */
    private void classGauge(
            String name,
            ComputeScheduler scheduler,
            String backend,
            PriorityClass c,
            ToDoubleFunction<SchedulerSnapshot.ClassLoad> value) {
        Gauge.builder(
                        name,
                        scheduler,
                        s -> value.applyAsDouble(s.snapshot(backend).of(c.name())))
                .tag("backend", backend)
                .tag("class", c.name())
                .register(registry);
    }

    @Override
    public void granted(Slot slot) {
        Counter.builder("breakeven.scheduler.grants")
                .tag("backend", slot.backend())
                .tag("class", slot.priorityClass())
                .register(registry)
                .increment();
        DistributionSummary.builder("breakeven.scheduler.queue.ms")
                .tag("backend", slot.backend())
                .tag("class", slot.priorityClass())
                .publishPercentileHistogram()
                .register(registry)
                .record(slot.queuedMillis());
    }

    @Override
    public void refused(SlotRequest request, SlotRefusal refusal) {
        Counter.builder("breakeven.scheduler.refusals")
                .tag("backend", request.backend())
                .tag("class", request.priorityClass())
                .tag("code", refusal.code())
                .register(registry)
                .increment();
    }

    @Override
    public void cancelled(SlotRequest request, long queuedMillis) {
        Counter.builder("breakeven.scheduler.cancellations")
                .tag("backend", request.backend())
                .tag("class", request.priorityClass())
                .register(registry)
                .increment();
    }
}
