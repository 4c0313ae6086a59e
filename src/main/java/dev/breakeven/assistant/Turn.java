package dev.breakeven.assistant;

import dev.breakeven.inference.ChatRequest;
import dev.breakeven.inference.ClientGoneException;
import dev.breakeven.inference.InferenceException;
import dev.breakeven.inference.ModelCatalog;
import dev.breakeven.inference.Router;
import dev.breakeven.inference.TokenCounter;
import dev.breakeven.inference.Usage;
import dev.breakeven.metering.Durability;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageEvent.Outcome;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The state of one chat turn from admission to its usage event: the routes tried in the order the
 * router gives, the room held on each backend, the move to a smaller model under saturation, and
 * the one event recorded for it. {@link Assistant} shapes the answer around it.
 */
final class Turn {
    /** The assistant's logger: the turn's messages are its messages, wherever logging is configured. */
    private static final Logger LOG = Logger.getLogger(Assistant.class.getName());

    /** A generation's result and the route that produced it. */
    record Served<T>(ModelCatalog.Route route, T result) {}

    /** Serves the turn: its catalog, router, capacity, journal and metrics. */
    private final Assistant assistant;

    private final Requester who;
    final ChatRequest request;
    final String id;
    final long admittedAt;
    final long startNanos;
    private final Admission.Admitted admitted;
    private final AtomicBoolean ended = new AtomicBoolean();
    private ModelCatalog.Model model;
    private TurnSink sink;
    private long queuedMillis;
    private ModelCatalog.Route lastRoute;
    /** The model asked for, once the turn moved to a smaller one under saturation. */
    private String downgradedFrom;
    /** The refusal that moved it, which stands if the smaller model is refused too. */
    private Capacity.Downgrade downgrade;

    private Turn(
            Assistant assistant,
            Admission.Ticket ticket,
            Admission.Admitted admitted,
            ChatRequest request,
            ModelCatalog.Model model) {
        this.assistant = assistant;
        this.who = ticket.who();
        this.id = ticket.turnId();
        this.admittedAt = ticket.at();
        this.admitted = admitted;
        this.request = request;
        this.model = model;
        this.startNanos = System.nanoTime();
    }

    /**
     * Admits a turn for {@code request}: the admission may move it to another model and cap its
     * output. If that model turns out to be unusable, the admission is given back before the
     * failure is thrown.
     *
     * @throws RuntimeException whatever the {@link Admission} threw to refuse the turn
     */
    static Turn begin(Assistant assistant, Requester who, ChatRequest request) {
        ModelCatalog.Model asked = assistant.catalog.require(request.model());
        Admission.Ticket ticket = new Admission.Ticket(
                "chatcmpl-" + assistant.ids.next(""),
                who,
                asked.id(),
                () -> assistant.tokens.countMessages(request.body().path("messages")),
                request.maxTokens(),
                assistant.clock.millis());
        Admission.Admitted admitted = assistant.admission.admit(ticket);
        ModelCatalog.Model model;
        try {
            model = admitted.model().equals(asked.id()) ? asked : assistant.catalog.require(admitted.model());
            requireRoutes(model);
        } catch (RuntimeException e) {
            admitted.onEnd().accept(null);
            throw e;
        }
        ChatRequest capped = admitted.outputCap() != null && request.maxTokens() == null
                ? request.withMaxTokens(admitted.outputCap())
                : request;
        return new Turn(assistant, ticket, admitted, capped, model);
    }

    private static void requireRoutes(ModelCatalog.Model model) {
        if (model.routes().isEmpty()) {
            throw new InferenceException(
                    "no_backend",
                    "The model '" + model.id() + "' has no backend configured yet. "
                            + "Point it at an OpenAI-compatible server (see docs/configuration.md, or set BREAKEVEN_UPSTREAM_URL).");
        }
    }

    /** The model that serves the turn: the one asked for, unless the turn moved to another. */
    ModelCatalog.Model model() {
        return model;
    }

    /** The route last tried, or null when none was. */
    ModelCatalog.Route lastRoute() {
        return lastRoute;
    }

    /** Streams the turn to {@code sink}: sends it the admission's headers now, and later ones as they come. */
    void streamTo(TurnSink sink) {
        this.sink = sink;
        sink.headers(admitted.headers());
    }

    /** The headers of a non-streamed answer: the admission's, the time queued, and any downgrade. */
    Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>(admitted.headers());
        headers.put(Assistant.QUEUE_HEADER, Long.toString(queuedMillis));
        if (downgradedFrom != null) headers.put(Assistant.DOWNGRADED_HEADER, downgradedFrom);
        return headers;
    }

    /**
     * Tries the model's routes in the order the router gives. A backend that failed is left for
     * the next route while nothing has been sent; any other failure is recorded and thrown.
     */
    <T> Served<T> run(Function<ModelCatalog.Route, T> generation, Relay relay) {
        Router.Plan plan = plan(relay);
        while (true) {
            lastRoute = plan.route();
            Capacity.Hold hold;
            try {
                hold = waitForRoom(lastRoute);
            } catch (Capacity.Downgrade d) {
                plan.abandoned();
                plan = downgrade(d, relay);
                continue;
            } catch (RuntimeException e) { // refused: no backend was asked, so nothing is recorded
                plan.abandoned();
                end(null);
                throw e;
            }
            try (hold) {
                T result = generation.apply(lastRoute);
                plan.succeeded();
                return new Served<>(lastRoute, result);
            } catch (InferenceException e) {
                assistant.metrics.upstreamError(lastRoute.backend().id(), e.code());
                if (plan.failed(e, relay == null || relay.sent() == 0)) continue;
                recordFailure(relay, e.code());
                throw e;
            } catch (ClientGoneException e) {
                plan.abandoned();
                throw e;
            } catch (RuntimeException e) {
                plan.abandoned();
                recordFailure(relay, "internal_error"); // a bug, not a backend's failure: still one event
                throw e;
            }
        }
    }

    private Router.Plan plan(Relay relay) {
        try {
            return assistant.router.plan(model);
        } catch (InferenceException e) { // every backend's breaker is open
            recordFailure(relay, e.code());
            throw e;
        }
    }

    /** Waits for room on the route's backend; a refusal is thrown to {@link #run}. */
    private Capacity.Hold waitForRoom(ModelCatalog.Route route) {
        Capacity.Hold hold = assistant.capacity.acquire(route.backend().id(), who, admitted.priorityClass(), 1);
        queuedMillis += hold.queuedMillis();
        if (sink != null) sink.headers(Map.of(Assistant.QUEUE_HEADER, Long.toString(queuedMillis)));
        return hold;
    }

    /**
     * Moves the turn, once, to the model its class is served by under saturation, and plans that
     * model's routes. Nothing has been sent yet (a refusal comes before any generation), so the
     * answer and its usage event simply name the model that serves it. When the turn cannot
     * move, the refusal of the model asked for stands: the admission is given back and nothing
     * is recorded.
     */
    private Router.Plan downgrade(Capacity.Downgrade d, Relay relay) {
        queuedMillis += d.queuedMillis();
        ModelCatalog.Model smaller = downgrade == null && !d.model().equals(model.id())
                ? assistant.catalog.find(d.model()).orElse(null)
                : null;
        Router.Plan plan = smaller == null ? null : planOrNull(smaller);
        if (plan == null) {
            end(null);
            throw downgrade == null ? d.refusal() : downgrade.refusal();
        }
        downgrade = d;
        downgradedFrom = admitted.headers().getOrDefault(Assistant.DOWNGRADED_HEADER, model.id());
        assistant.metrics.downgraded(model.id(), smaller.id());
        model = smaller;
        if (relay != null) relay.model(smaller.id());
        if (sink != null) sink.headers(Map.of(Assistant.DOWNGRADED_HEADER, downgradedFrom));
        return plan;
    }

    /** The routes of {@code m}, or null when it has none whose breaker lets requests through. */
    private Router.Plan planOrNull(ModelCatalog.Model m) {
        try {
            return assistant.router.plan(m);
        } catch (InferenceException e) {
            return null;
        }
    }

    private void recordFailure(Relay relay, String code) {
        String partial = relay == null ? "" : relay.text();
        long ttft = relay == null ? -1 : relay.timeToFirstTokenMillis();
        recordQuietly(event(lastRoute, estimate(partial), ttft, Outcome.FAILED, code));
    }

    /** The usage of an answer whose backend did not report it, counted here. */
    Usage estimate(String completion) {
        TokenCounter tokens = assistant.tokens;
        return new Usage(tokens.countMessages(request.body().path("messages")), tokens.count(completion), true);
    }

    /**
     * Records the turn's one event, then tells the admission it ended (also when recording failed).
     *
     * @throws AssistantException {@code usage_not_recorded} when the event could not be made
     *     durable in sync mode
     */
    void record(UsageEvent event) {
        try {
            append(event);
        } finally {
            end(event);
        }
    }

    /** For turns that already failed or were abandoned: the event is written, its failure only logged. */
    void recordQuietly(UsageEvent event) {
        try {
            append(event);
        } catch (AssistantException e) {
            LOG.log(Level.SEVERE, "usage event " + event.id() + " was not recorded: " + e.getMessage());
        } finally {
            end(event);
        }
    }

    /** Makes the event durable before the caller sends its last bytes (sync), or just queues it (async). */
    private void append(UsageEvent event) {
        assistant.metrics.observe(event);
        var appended = assistant.journal.append(event);
        if (assistant.durability == Durability.ASYNC) {
            appended.exceptionally(e -> {
                LOG.log(Level.SEVERE, "usage event " + event.id() + " was not recorded: " + e.getMessage());
                return null;
            });
            return;
        }
        try {
            appended.join();
        } catch (CompletionException e) {
            throw new AssistantException(
                    "usage_not_recorded",
                    "The answer's usage could not be recorded, so it was withheld.",
                    e.getCause());
        }
    }

    private void end(UsageEvent event) {
        if (!ended.compareAndSet(false, true)) return;
        try {
            admitted.onEnd().accept(event);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "turn " + id + ": releasing its admission failed: " + e.getMessage());
        }
    }

    UsageEvent event(ModelCatalog.Route route, Usage usage, long ttftMillis, Outcome outcome, String errorCode) {
        long duration = (System.nanoTime() - startNanos) / 1_000_000;
        return new UsageEvent(
                id,
                admittedAt,
                who.accountId(),
                who.keyId(),
                model.id(),
                route == null ? null : route.backend().id(),
                route == null ? null : route.upstreamModel(),
                usage.promptTokens(),
                usage.completionTokens(),
                usage.estimated(),
                ttftMillis,
                duration,
                outcome,
                request.stream(),
                errorCode,
                -1,
                admitted.included());
    }
}
