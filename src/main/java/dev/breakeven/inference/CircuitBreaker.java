package dev.breakeven.inference;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * Keeps requests away from a backend that keeps failing, and lets them back once it recovers.
 *
 * <ul>
 *   <li><b>closed</b>: every request passes. {@code failureThreshold} requests in a row that fail
 *       (or as many failed health probes in a row) open it.
 *   <li><b>open</b>: no request passes until {@code coolDown} has passed on the {@link Clock}, or a
 *       health probe passes; then it is half-open.
 *   <li><b>half-open</b>: up to {@code halfOpenTrials} trial requests pass at a time. A trial that
 *       succeeds closes it; one that fails opens it again for another cool-down.
 * </ul>
 *
 * <p>A failure is something the backend did wrong: it was unreachable, too slow, or broke (see
 * {@link #isFailure}). A request the backend refused because of its content is the client's fault
 * and shows the backend is alive. A threshold of 0 turns the breaker off: it counts, but never opens.
 *
 * <p>Thread-safe and lock-free: the whole state is one immutable snapshot swapped with
 * compare-and-set. The common path (closed, no failures) reads one volatile field and writes none.
 */
public final class CircuitBreaker {
    private static final Logger LOG = Logger.getLogger(CircuitBreaker.class.getName());

    /** The breaker's position; {@link #gauge()} is what {@code /metrics} exports. */
    public enum State {
        CLOSED(0),
        HALF_OPEN(1),
        OPEN(2);

        private final int gauge;

        State(int gauge) {
            this.gauge = gauge;
        }

        public int gauge() {
            return gauge;
        }

        /** {@code closed}, {@code half_open}, {@code open}: the name the admin API shows. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param failureThreshold consecutive failures that open the breaker; 0 never opens it
     * @param coolDown how long it stays open before letting trial requests through
     * @param halfOpenTrials trial requests allowed at the same time while half-open
     */
    public record Settings(int failureThreshold, Duration coolDown, int halfOpenTrials) {
        public static final int DEFAULT_FAILURE_THRESHOLD = 5;
        public static final Duration DEFAULT_COOL_DOWN = Duration.ofSeconds(30);

        public Settings {
            if (failureThreshold < 0) throw new IllegalArgumentException("failureThreshold < 0");
            if (coolDown.isNegative() || coolDown.isZero()) throw new IllegalArgumentException("coolDown <= 0");
            if (halfOpenTrials < 1) throw new IllegalArgumentException("halfOpenTrials < 1");
        }

        public static Settings of(int failureThreshold, Duration coolDown) {
            return new Settings(failureThreshold, coolDown, 1);
        }

        public static Settings defaults() {
            return of(DEFAULT_FAILURE_THRESHOLD, DEFAULT_COOL_DOWN);
        }
    }

    /**
     * What {@link #tryAcquire()} granted. A granted permit ({@code NORMAL} or {@code TRIAL}) must
     * be reported exactly once: {@link #onSuccess}, {@link #onFailure} or {@link #release}.
     */
    public enum Permit {
        REFUSED,
        NORMAL,
        TRIAL;

        public boolean granted() {
            return this != REFUSED;
        }
    }

    /**
     * @param since when it opened (open), or when the current trials began (half-open); unused closed
     * @param trials trial requests in flight (half-open only)
     */
    private record Snapshot(State state, int failures, int probeFailures, long since, int trials) {
        static final Snapshot CLOSED_CLEAN = new Snapshot(State.CLOSED, 0, 0, 0, 0);
    }

    private final String name;
    private final Settings settings;
    private final long coolDownMillis;
    private final Clock clock;
    private final AtomicReference<Snapshot> current = new AtomicReference<>(Snapshot.CLOSED_CLEAN);

    /** @param name the backend id, for log lines */
    public CircuitBreaker(String name, Settings settings, Clock clock) {
        this.name = name;
        this.settings = settings;
        this.coolDownMillis = settings.coolDown().toMillis();
        this.clock = clock;
    }

    /** True for the codes that count against a backend: it was unreachable, too slow, or broke. */
    public static boolean isFailure(String code) {
        return switch (code) {
            case "upstream_unavailable", "upstream_timeout", "upstream_error" -> true;
            default -> false;
        };
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Asks to send one request. While open, this is where the cool-down ends: the first request
     * after it becomes a trial.
     */
    public Permit tryAcquire() {
        while (true) {
            Snapshot s = current.get();
            switch (s.state) {
                case CLOSED -> {
                    return Permit.NORMAL;
                }
                case OPEN -> {
                    long now = clock.millis();
                    if (now - s.since < coolDownMillis) return Permit.REFUSED;
                    if (swap(s, new Snapshot(State.HALF_OPEN, s.failures, s.probeFailures, now, 1)))
                        return Permit.TRIAL;
                }
                case HALF_OPEN -> {
                    long now = clock.millis();
                    Snapshot next;
                    if (s.trials < settings.halfOpenTrials()) {
                        next = new Snapshot(State.HALF_OPEN, s.failures, s.probeFailures, s.since, s.trials + 1);
                    } else if (now - s.since >= coolDownMillis) {
                        // trials that never reported within a cool-down are forgotten, so one lost
                        // permit cannot keep the backend half-open for ever
                        next = new Snapshot(State.HALF_OPEN, s.failures, s.probeFailures, now, 1);
                    } else {
                        return Permit.REFUSED;
                    }
                    if (swap(s, next)) return Permit.TRIAL;
                }
            }
        }
    }

    /** The backend answered (or refused the request for its content, which shows it is alive). */
    public void onSuccess(Permit permit) {
        while (true) {
            Snapshot s = current.get();
            Snapshot next;
            if (s.state == State.CLOSED) {
                if (s.failures == 0) return; // the hot path: nothing to write
                next = new Snapshot(State.CLOSED, 0, s.probeFailures, 0, 0);
            } else if (s.state == State.HALF_OPEN && permit == Permit.TRIAL) {
                next = Snapshot.CLOSED_CLEAN;
            } else {
                return; // a request admitted before the breaker opened proves little now
            }
            if (swap(s, next)) return;
        }
    }

    /** The backend failed this request (see {@link #isFailure}). */
    public void onFailure(Permit permit) {
        while (true) {
            Snapshot s = current.get();
            Snapshot next;
            if (s.state == State.CLOSED) {
                next = countFailure(s, s.failures + 1, s.probeFailures);
            } else if (s.state == State.HALF_OPEN && permit == Permit.TRIAL) {
                next = new Snapshot(State.OPEN, s.failures + 1, s.probeFailures, clock.millis(), 0);
            } else {
                return;
            }
            if (swap(s, next)) return;
        }
    }

    /** The permitted request ended without saying anything about the backend (the client left, a bug). */
    public void release(Permit permit) {
        if (permit != Permit.TRIAL) return;
        while (true) {
            Snapshot s = current.get();
            if (s.state != State.HALF_OPEN || s.trials == 0) return;
            if (swap(s, new Snapshot(State.HALF_OPEN, s.failures, s.probeFailures, s.since, s.trials - 1))) return;
        }
    }

    /**
     * A health probe passed. While open, the backend is let back early (half-open): a real request
     * still has to succeed to close it. While closed it clears failed probes, not failed requests:
     * a server can list its models and still fail every generation.
     */
    public void probePassed() {
        while (true) {
            Snapshot s = current.get();
            Snapshot next;
            if (s.state == State.OPEN) {
                next = new Snapshot(State.HALF_OPEN, s.failures, 0, clock.millis(), 0);
            } else if (s.probeFailures != 0) {
                next = new Snapshot(s.state, s.failures, 0, s.since, s.trials);
            } else {
                return;
            }
            if (swap(s, next)) return;
        }
    }

    /**
     * A health probe failed. Closed: counts towards the threshold like a failed request. Half-open:
     * opens again. Open: the cool-down starts again, so no user request is sent to a backend its
     * probes still find dead.
     */
    public void probeFailed() {
        while (true) {
            Snapshot s = current.get();
            Snapshot next =
                    switch (s.state) {
                        case CLOSED -> countFailure(s, s.failures, s.probeFailures + 1);
                        case HALF_OPEN, OPEN ->
                            new Snapshot(State.OPEN, s.failures, s.probeFailures + 1, clock.millis(), 0);
                    };
            if (swap(s, next)) return;
        }
    }

    private Snapshot countFailure(Snapshot s, int failures, int probeFailures) {
        int threshold = settings.failureThreshold();
        boolean open = threshold > 0 && (failures >= threshold || probeFailures >= threshold);
        return open
                ? new Snapshot(State.OPEN, failures, probeFailures, clock.millis(), 0)
                : new Snapshot(State.CLOSED, failures, probeFailures, 0, 0);
    }

    /**
     * The state a request would meet now: an open breaker whose cool-down has passed reads as
     * half-open, although it moves only when the next request asks.
     */
    public State state() {
        Snapshot s = current.get();
        if (s.state == State.OPEN && clock.millis() - s.since >= coolDownMillis) return State.HALF_OPEN;
        return s.state;
    }

    /** Requests in a row that failed (reset by a success). */
    public int consecutiveFailures() {
        return current.get().failures;
    }

    /** Health probes in a row that failed (reset by a passing probe). */
    public int consecutiveProbeFailures() {
        return current.get().probeFailures;
    }

    /** While open: how long until trial requests may pass; otherwise zero. */
    public Duration remainingCoolDown() {
        Snapshot s = current.get();
        if (s.state != State.OPEN) return Duration.ZERO;
        return Duration.ofMillis(Math.max(0, s.since + coolDownMillis - clock.millis()));
    }

    private boolean swap(Snapshot from, Snapshot to) {
        if (!current.compareAndSet(from, to)) return false;
        if (from.state != to.state) log(from, to);
        return true;
    }

    private void log(Snapshot from, Snapshot to) {
        switch (to.state) {
            case OPEN ->
                LOG.warning("backend '" + name + "': circuit open after "
                        + (from.state == State.CLOSED ? reason(to) : "failing again while half-open")
                        + "; no requests for " + coolDownMillis + " ms");
            case HALF_OPEN -> LOG.info("backend '" + name + "': circuit half-open, letting a trial request through");
            case CLOSED -> LOG.info("backend '" + name + "': circuit closed, the backend answers again");
        }
    }

    private String reason(Snapshot s) {
        return s.probeFailures >= settings.failureThreshold() && s.failures < settings.failureThreshold()
                ? s.probeFailures + " failed health probes in a row"
                : s.failures + " failed requests in a row";
    }

    @Override
    public String toString() {
        Snapshot s = current.get();
        return "CircuitBreaker[" + name + ", " + s.state + ", failures=" + s.failures + ", probeFailures="
                + s.probeFailures + "]";
    }
}
