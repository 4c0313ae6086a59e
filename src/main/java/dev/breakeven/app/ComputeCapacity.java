package dev.breakeven.app;

import dev.breakeven.assistant.Capacity;
import dev.breakeven.assistant.Requester;
import dev.breakeven.plans.ComputeScheduler;
import dev.breakeven.plans.SchedulerException;
import dev.breakeven.plans.SchedulerListener;
import dev.breakeven.plans.Slot;
import dev.breakeven.plans.SlotRefusal;
import dev.breakeven.plans.SlotRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Backend capacity through the {@link ComputeScheduler}: each attempt waits for a slot of its
 * backend in its plan's priority class; turns no plan places queue in the class {@code default},
 * ranked above the plans' classes (see {@link SchedulerSettings#policy}). A class configured with
 * {@code on_saturation: downgrade:<model>} turns the scheduler's saturation refusals into a {@link
 * Capacity.Downgrade} to that model, which the assistant follows.
 */
final class ComputeCapacity implements Capacity {
    /** Waits longer than a year are no deadline at all: the class's own maximum wait decides. */
    private static final Duration NO_DEADLINE = Duration.ofDays(400);
    /** The refusals that mean the backend is saturated for the class, which a downgrade may answer. */
    private static final Set<String> SATURATED =
            Set.of(SlotRefusal.OVERLOADED, SlotRefusal.WAIT_EXPIRED, SlotRefusal.QUEUE_FULL);

    private final ComputeScheduler scheduler;
    private final Map<String, String> downgrades;

    /**
     * @param downgrades priority class to the model that serves its turns when the scheduler refuses
     *     them for saturation ({@code on_saturation: downgrade:<model>})
     */
    ComputeCapacity(ComputeScheduler scheduler, Map<String, String> downgrades) {
        this.scheduler = scheduler;
        this.downgrades = Map.copyOf(downgrades);
    }

    static Map<String, Integer> capacities(BreakevenConfig config) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (BreakevenConfig.Backend b : config.backends()) out.put(b.id(), Math.max(1, b.capacity()));
        return out;
    }

    static ComputeScheduler scheduler(BreakevenConfig config, Clock clock, SchedulerListener listener) {
        return new ComputeScheduler(SchedulerSettings.policy(config.scheduler()), capacities(config), clock, listener);
    }

    @Override
    public Hold acquire(String backend, Requester who, String priorityClass, long cost) {
        Slot slot;
        try {
            slot = scheduler.acquire(
                    new SlotRequest(backend, who.accountId(), priorityClass, 1, Math.max(1, cost)), NO_DEADLINE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchedulerException("closed", "the server is stopping");
        } catch (SchedulerException e) {
            String smaller = downgrades.get(priorityClass);
            if (smaller != null && SATURATED.contains(e.code()))
                throw new Downgrade(smaller, e, e.queued().toMillis());
            throw e;
        }
        return new Hold() {
            @Override
            public long queuedMillis() {
                return slot.queuedMillis();
            }

            @Override
            public void close() {
                slot.release();
            }
        };
    }
}
