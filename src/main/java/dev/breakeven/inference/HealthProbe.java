package dev.breakeven.inference;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Active health checks: probes each backend on its own interval ({@link Backend#probe}) and hands
 * the result to the {@link Router}, so a dead backend opens its breaker without any user request
 * failing on it, and an open one that answers probes again is let back early.
 *
 * <p>Probes of one backend never overlap (fixed delay between the end of one and the start of the
 * next); different backends are probed on separate virtual threads, so one slow backend cannot
 * delay the others' probes.
 */
public final class HealthProbe implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HealthProbe.class.getName());

    /** @param interval time between probes; zero turns probing off for this backend */
    public record Target(Backend backend, Duration interval, Duration timeout) {}

    private final Router router;
    private final Map<String, Target> targets = new LinkedHashMap<>();
    private final ScheduledThreadPoolExecutor timer;

    public HealthProbe(Router router, List<Target> targets) {
        this.router = router;
        for (Target t : targets) this.targets.put(t.backend().id(), t);
        long scheduled = targets.stream().filter(HealthProbe::scheduled).count();
        this.timer = new ScheduledThreadPoolExecutor(
                (int) Math.max(1, scheduled),
                Thread.ofVirtual().name("breakeven-health-", 0).factory());
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    private static boolean scheduled(Target t) {
        return t.interval().isPositive();
    }

    /** Starts probing every target whose interval is positive, the first probe at once. */
    public HealthProbe start() {
        for (Target t : targets.values()) {
            if (!scheduled(t)) continue;
            timer.scheduleWithFixedDelay(() -> probeQuietly(t), 0, t.interval().toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * Probes one backend now, on the calling thread, and records the result.
     *
     * @return empty if the backend has nothing to probe
     */
    public Optional<ProbeResult> probeNow(String backendId) {
        Target t = targets.get(backendId);
        if (t == null) throw new IllegalArgumentException("no health check for backend '" + backendId + "'");
        return probe(t);
    }

    private Optional<ProbeResult> probe(Target t) {
        Optional<ProbeResult> result = t.backend().probe(t.timeout());
        result.ifPresent(r -> router.probed(t.backend().id(), r));
        return result;
    }

    /** A scheduled probe: an exception would cancel every later run, so none escapes. */
    private void probeQuietly(Target t) {
        try {
            probe(t);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "health probe of backend '" + t.backend().id() + "' failed", e);
            router.probed(t.backend().id(), ProbeResult.unhealthy("probe failed: " + e));
        }
    }

    /** True once {@link #close()} has returned: no probe runs or will run. */
    public boolean isStopped() {
        return timer.isTerminated();
    }

    /** Stops probing and waits (briefly) for probes in flight to end. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(5, TimeUnit.SECONDS)) LOG.warning("health probes did not stop in 5 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
