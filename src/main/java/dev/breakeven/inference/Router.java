package dev.breakeven.inference;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides which backend serves a model's request: the model's routes in order of preference,
 * skipping backends whose {@link CircuitBreaker} is open, falling back to the next route when a
 * backend fails before anything reached the client, and keeping each backend's breaker informed by
 * every outcome and every health probe.
 *
 * <p>When every backend of a model is open, the request fails at once with {@code
 * upstream_unavailable} and a {@code Retry-After} of the shortest remaining cool-down, rather than
 * being sent to a backend known to be failing: the client learns when to come back, the backend
 * gets the rest it needs to recover, and recovery is still found by the trial request after the
 * cool-down (or sooner, by a passing health probe).
 */
public final class Router {

    /** A backend the router keeps a breaker for. {@code type} is what the admin API shows. */
    public record Member(Backend backend, String type, CircuitBreaker.Settings breaker) {}

    private static final class Tracked {
        final Backend backend;
        final String type;
        final CircuitBreaker breaker;
        volatile BackendStatus.LastProbe lastProbe;

        Tracked(Backend backend, String type, CircuitBreaker breaker) {
            this.backend = backend;
            this.type = type;
            this.breaker = breaker;
        }
    }

    private final Map<String, Tracked> members = new LinkedHashMap<>();
    private final Clock clock;

    public Router(List<Member> members, Clock clock) {
        this.clock = clock;
        for (Member m : members) {
            String id = m.backend().id();
            if (this.members.containsKey(id)) throw new IllegalArgumentException("backend '" + id + "' twice");
            this.members.put(id, new Tracked(m.backend(), m.type(), new CircuitBreaker(id, m.breaker(), clock)));
        }
    }

    /**
     * Starts one request's walk through {@code model}'s routes, holding a permit for the first
     * route whose breaker lets it through.
     *
     * @throws InferenceException {@code upstream_unavailable}, with {@code Retry-After}, when every
     *     backend of the model is open; {@code no_backend} when the model has no route
     */
    public Plan plan(ModelCatalog.Model model) {
        Plan plan = new Plan(model);
        if (!plan.advance()) throw plan.allOpen();
        return plan;
    }

    /** The breaker of a backend. */
    public CircuitBreaker breaker(String backendId) {
        return tracked(backendId).breaker;
    }

    /** Records a health probe's result and lets it move the backend's breaker. */
    public void probed(String backendId, ProbeResult result) {
        Tracked t = tracked(backendId);
        t.lastProbe = new BackendStatus.LastProbe(clock.millis(), result.healthy(), result.detail());
        if (result.healthy()) t.breaker.probePassed();
        else t.breaker.probeFailed();
    }

    /** Every backend's state, in configuration order. */
    public List<BackendStatus> backends() {
        List<BackendStatus> out = new ArrayList<>(members.size());
        for (Tracked t : members.values()) {
            out.add(new BackendStatus(
                    t.backend.id(),
                    t.type,
                    t.backend.capacity(),
                    t.breaker.state(),
                    t.breaker.consecutiveFailures(),
                    t.breaker.consecutiveProbeFailures(),
                    t.breaker.remainingCoolDown().toMillis(),
                    t.lastProbe));
        }
        return out;
    }

    private Tracked tracked(String backendId) {
        Tracked t = members.get(backendId);
        if (t == null) throw new IllegalStateException("the router knows no backend '" + backendId + "'");
        return t;
    }

    /**
     * One request's walk through a model's routes; used by one thread. Each route it hands out
     * holds a breaker permit that the caller gives back exactly once: {@link #succeeded()}, {@link
     * #failed}, or {@link #abandoned()}.
     */
    public final class Plan {
        private final ModelCatalog.Model model;
        private int index = -1;
        private Tracked tracked;
        private CircuitBreaker.Permit permit = CircuitBreaker.Permit.REFUSED;
        private int skipped;

        private Plan(ModelCatalog.Model model) {
            this.model = model;
        }

        /** The route to try now. */
        public ModelCatalog.Route route() {
            return model.routes().get(index);
        }

        /** Routes passed over so far because their backend's breaker was open. */
        public int skipped() {
            return skipped;
        }

        /** The backend answered. */
        public void succeeded() {
            if (permit.granted()) tracked.breaker.onSuccess(permit);
            permit = CircuitBreaker.Permit.REFUSED;
        }

        /**
         * Reports that the current route failed with {@code e}, and moves to the next route if the
         * request may go there: {@code e} is the backend's fault ({@link CircuitBreaker#isFailure}),
         * nothing has reached the client yet, and a later route's breaker lets it through.
         *
         * @param nothingSent false once any chunk of an answer was sent: a client must never get
         *     two answers spliced together
         * @return true when {@link #route()} is now the next route to try
         */
        public boolean failed(InferenceException e, boolean nothingSent) {
            boolean backendsFault = CircuitBreaker.isFailure(e.code());
            if (permit.granted()) {
                // a refusal for the request's content shows the backend is alive
                if (backendsFault) tracked.breaker.onFailure(permit);
                else tracked.breaker.onSuccess(permit);
            }
            permit = CircuitBreaker.Permit.REFUSED;
            return backendsFault && nothingSent && advance();
        }

        /** The attempt ended without telling anything about the backend (the client left, a bug). */
        public void abandoned() {
            if (permit.granted()) tracked.breaker.release(permit);
            permit = CircuitBreaker.Permit.REFUSED;
        }

        /** Moves to the next route whose breaker grants a permit; false when none is left. */
        private boolean advance() {
            List<ModelCatalog.Route> routes = model.routes();
            while (++index < routes.size()) {
                Tracked t = tracked(routes.get(index).backend().id());
                CircuitBreaker.Permit p = t.breaker.tryAcquire();
                if (p.granted()) {
                    tracked = t;
                    permit = p;
                    return true;
                }
                skipped++;
            }
            return false;
        }

        private InferenceException allOpen() {
            if (model.routes().isEmpty()) {
                return new InferenceException(
                        "no_backend", "The model '" + model.id() + "' has no backend configured yet.");
            }
            Duration soonest = null;
            for (ModelCatalog.Route r : model.routes()) {
                Duration left = tracked(r.backend().id()).breaker.remainingCoolDown();
                if (soonest == null || left.compareTo(soonest) < 0) soonest = left;
            }
            long seconds = Math.max(1, (soonest.toMillis() + 999) / 1000);
            return new InferenceException(
                    "upstream_unavailable",
                    "Every backend of the model '" + model.id()
                            + "' is failing, so Breakeven is giving them a rest. Try again in " + seconds + " s.",
                    null,
                    seconds,
                    null);
        }
    }
}
