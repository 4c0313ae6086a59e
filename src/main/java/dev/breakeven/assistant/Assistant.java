package dev.breakeven.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.inference.ChatRequest;
import dev.breakeven.inference.ClientGoneException;
import dev.breakeven.inference.Completion;
import dev.breakeven.inference.GenerationRequest;
import dev.breakeven.inference.GenerationStats;
import dev.breakeven.inference.InferenceException;
import dev.breakeven.inference.ModelCatalog;
import dev.breakeven.inference.Router;
import dev.breakeven.inference.StreamEnd;
import dev.breakeven.inference.TokenCounter;
import dev.breakeven.inference.Usage;
import dev.breakeven.metering.Durability;
import dev.breakeven.metering.Journal;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageEvent.Outcome;
import dev.breakeven.store.Ids;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One chat turn, the same for the HTTP API and (later) business channels: pick a backend for the
 * model, run the generation, relay it, and record exactly one usage event for it — finished,
 * failed or cancelled.
 */
public final class Assistant {
    private static final Logger LOG = Logger.getLogger(Assistant.class.getName());
    /** How long a turn waited for room on its backends, in milliseconds (a response header). */
    public static final String QUEUE_HEADER = "x-breakeven-queue-ms";
    /** The model asked for, when another one answers (a response header). */
    public static final String DOWNGRADED_HEADER = "x-breakeven-downgraded-from";

    private final ModelCatalog catalog;
    private final Router router;
    private final Journal journal;
    private final Durability durability;
    private final Ids ids;
    private final Clock clock;
    private final TokenCounter tokens;
    private final TurnMetrics metrics;
    private final Admission admission;
    private final Capacity capacity;

    public Assistant(
            ModelCatalog catalog,
            Router router,
            Journal journal,
            Durability durability,
            Ids ids,
            Clock clock,
            TokenCounter tokens,
            TurnMetrics metrics) {
        this(catalog, router, journal, durability, ids, clock, tokens, metrics, Admission.OPEN, Capacity.UNLIMITED);
    }

    public Assistant(
            ModelCatalog catalog,
            Router router,
            Journal journal,
            Durability durability,
            Ids ids,
            Clock clock,
            TokenCounter tokens,
            TurnMetrics metrics,
            Admission admission,
            Capacity capacity) {
        this.admission = admission;
        this.capacity = capacity;
        this.catalog = catalog;
        this.router = router;
        this.journal = journal;
        this.durability = durability;
        this.ids = ids;
        this.clock = clock;
        this.tokens = tokens;
        this.metrics = metrics;
    }

    /**
     * Answers a non-streamed request.
     *
     * @throws InferenceException when the model is unknown, has no backend, or every backend failed
     * @throws AssistantException {@code usage_not_recorded} when the usage event could not be made
     *     durable in sync mode
     * @throws RuntimeException whatever the {@link Admission} threw to refuse the turn
     */
    public Answer answer(Requester who, ChatRequest request) {
        Turn turn = begin(who, request);
        Served<Completion> served = turn.run(
                route -> route.backend().complete(new GenerationRequest(turn.request, route.upstreamModel())), null);
        ObjectNode body = served.result().body();
        body.put("id", turn.id);
        body.put("model", turn.model.id());
        Usage usage = served.result().usage();
        if (usage == null) {
            usage = estimate(request, completionText(body));
            body.set("usage", usage.toJson());
        }
        UsageEvent event = turn.event(served.route(), usage, -1, Outcome.COMPLETED, null)
                .withGenerationMillis(generationMillis(served.result().stats()));
        turn.record(event);
        Map<String, String> headers = new LinkedHashMap<>(turn.admitted.headers());
        headers.put(QUEUE_HEADER, Long.toString(turn.queuedMillis));
        if (turn.downgradedFrom != null) headers.put(DOWNGRADED_HEADER, turn.downgradedFrom);
        return new Answer(body, event, headers);
    }

    /**
     * Streams an answer to {@code sink}, then ends it with {@link TurnSink#done()}.
     *
     * @return the usage event, also when the client went away mid-stream (outcome {@code CANCELLED})
     * @throws InferenceException when the turn fails; if nothing was sent yet the caller can still
     *     answer with an error status
     * @throws AssistantException {@code usage_not_recorded} in sync mode when the journal refused the event
     */
    public UsageEvent stream(Requester who, ChatRequest request, TurnSink sink) {
        Turn turn = begin(who, request);
        turn.sink = sink;
        sink.headers(turn.admitted.headers());
        Relay relay = new Relay(turn.id, turn.model.id(), request.includeUsage(), sink, turn.startNanos);
        Served<StreamEnd> served;
        try {
            served = turn.run(
                    route -> route.backend().stream(new GenerationRequest(turn.request, route.upstreamModel()), relay),
                    relay);
        } catch (ClientGoneException e) {
            UsageEvent event = turn.event(
                    turn.lastRoute,
                    estimate(request, relay.text()),
                    relay.timeToFirstTokenMillis(),
                    Outcome.CANCELLED,
                    "client_disconnected");
            turn.recordQuietly(event);
            return event;
        }
        Usage reported = served.result().usage();
        Usage usage = reported != null ? reported : estimate(request, relay.text());
        UsageEvent event = turn.event(served.route(), usage, relay.timeToFirstTokenMillis(), Outcome.COMPLETED, null)
                .withGenerationMillis(generationMillis(served.result().stats()));
        try {
            if (reported == null && request.includeUsage()) relay.sendOwnUsage(usageChunk(turn, usage));
        } catch (ClientGoneException e) {
            turn.recordQuietly(event); // the answer was whole; only our usage chunk missed the client
            throw e;
        }
        turn.record(event);
        sink.done();
        return event;
    }

    private static long generationMillis(GenerationStats stats) {
        return stats == null ? -1 : stats.generationMillis();
    }

    private Turn begin(Requester who, ChatRequest request) {
        ModelCatalog.Model asked = catalog.require(request.model());
        String id = "chatcmpl-" + ids.next("");
        long admittedAt = clock.millis();
        Admission.Admitted admitted = admission.admit(new Admission.Ticket(
                id,
                who,
                asked.id(),
                () -> tokens.countMessages(request.body().path("messages")),
                request.maxTokens(),
                admittedAt));
        ModelCatalog.Model model;
        try {
            model = admitted.model().equals(asked.id()) ? asked : catalog.require(admitted.model());
            requireRoutes(model);
        } catch (RuntimeException e) {
            admitted.onEnd().accept(null);
            throw e;
        }
        ChatRequest capped = admitted.outputCap() != null && request.maxTokens() == null
                ? request.withMaxTokens(admitted.outputCap())
                : request;
        return new Turn(who, capped, model, id, admittedAt, System.nanoTime(), admitted);
    }

    private static void requireRoutes(ModelCatalog.Model model) {
        if (model.routes().isEmpty()) {
            throw new InferenceException(
                    "no_backend",
                    "The model '" + model.id() + "' has no backend configured yet. "
                            + "Point it at an OpenAI-compatible server (see docs/configuration.md, or set BREAKEVEN_UPSTREAM_URL).");
        }
    }

    private Usage estimate(ChatRequest request, String completion) {
        return new Usage(tokens.countMessages(request.body().path("messages")), tokens.count(completion), true);
    }

    private static String completionText(ObjectNode body) {
        StringBuilder text = new StringBuilder();
        for (JsonNode choice : body.path("choices"))
            text.append(choice.path("message").path("content").asText(""));
        return text.toString();
    }

    private ObjectNode usageChunk(Turn turn, Usage usage) {
        ObjectNode chunk = JsonNodeFactory.instance.objectNode();
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", turn.admittedAt / 1000);
        chunk.putArray("choices");
        chunk.set("usage", usage.toJson());
        return chunk;
    }

    /** Makes the event durable before the caller sends its last bytes (sync), or just queues it (async). */
    private void record(UsageEvent event) {
        metrics.observe(event);
        var appended = journal.append(event);
        if (durability == Durability.ASYNC) {
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

    /** For turns that already failed or were abandoned: the event is written, its failure only logged. */
    private void recordQuietly(UsageEvent event) {
        try {
            record(event);
        } catch (AssistantException e) {
            LOG.log(Level.SEVERE, "usage event " + event.id() + " was not recorded: " + e.getMessage());
        }
    }

    private record Served<T>(ModelCatalog.Route route, T result) {}

    /** The state of one turn from admission to its usage event. */
    private final class Turn {
        final Requester who;
        final ChatRequest request;
        ModelCatalog.Model model;
        final String id;
        final long admittedAt;
        final long startNanos;
        final Admission.Admitted admitted;
        private final AtomicBoolean ended = new AtomicBoolean();
        TurnSink sink;
        long queuedMillis;
        ModelCatalog.Route lastRoute;
        /** The model asked for, once the turn moved to a smaller one under saturation. */
        String downgradedFrom;
        /** The refusal that moved it, which stands if the smaller model is refused too. */
        Capacity.Downgrade downgrade;

        Turn(
                Requester who,
                ChatRequest request,
                ModelCatalog.Model model,
                String id,
                long admittedAt,
                long startNanos,
                Admission.Admitted admitted) {
            this.admitted = admitted;
            this.who = who;
            this.request = request;
            this.model = model;
            this.id = id;
            this.admittedAt = admittedAt;
            this.startNanos = startNanos;
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
                    metrics.upstreamError(lastRoute.backend().id(), e.code());
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
                return router.plan(model);
            } catch (InferenceException e) { // every backend's breaker is open
                recordFailure(relay, e.code());
                throw e;
            }
        }

        /** Waits for room on the route's backend; a refusal is thrown to {@link #run}. */
        private Capacity.Hold waitForRoom(ModelCatalog.Route route) {
            Capacity.Hold hold = capacity.acquire(route.backend().id(), who, admitted.priorityClass(), 1);
            queuedMillis += hold.queuedMillis();
            if (sink != null) sink.headers(Map.of(QUEUE_HEADER, Long.toString(queuedMillis)));
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
                    ? catalog.find(d.model()).orElse(null)
                    : null;
            Router.Plan plan = smaller == null ? null : planOrNull(smaller);
            if (plan == null) {
                end(null);
                throw downgrade == null ? d.refusal() : downgrade.refusal();
            }
            downgrade = d;
            downgradedFrom = admitted.headers().getOrDefault(DOWNGRADED_HEADER, model.id());
            metrics.downgraded(model.id(), smaller.id());
            model = smaller;
            if (relay != null) relay.model(smaller.id());
            if (sink != null) sink.headers(Map.of(DOWNGRADED_HEADER, downgradedFrom));
            return plan;
        }

        /** The routes of {@code m}, or null when it has none whose breaker lets requests through. */
        private Router.Plan planOrNull(ModelCatalog.Model m) {
            try {
                return router.plan(m);
            } catch (InferenceException e) {
                return null;
            }
        }

        private void recordFailure(Relay relay, String code) {
            String partial = relay == null ? "" : relay.text();
            long ttft = relay == null ? -1 : relay.timeToFirstTokenMillis();
            recordQuietly(event(lastRoute, estimate(request, partial), ttft, Outcome.FAILED, code));
        }

        /** Records the turn's one event, then tells the admission it ended (also when recording failed). */
        void record(UsageEvent event) {
            try {
                Assistant.this.record(event);
            } finally {
                end(event);
            }
        }

        void recordQuietly(UsageEvent event) {
            try {
                Assistant.this.recordQuietly(event);
            } finally {
                end(event);
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
}
