package dev.breakeven.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.assistant.Turn.Served;
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

/**
 * One chat turn, the same for the HTTP API and (later) business channels: pick a backend for the
 * model, run the generation, relay it, and record exactly one usage event for it — finished,
 * failed or cancelled. The turn itself, from admission to its usage event, is a {@link Turn}; this
 * class shapes the answer around it.
 */
public final class Assistant {
    /** How long a turn waited for room on its backends, in milliseconds (a response header). */
    public static final String QUEUE_HEADER = "x-breakeven-queue-ms";
    /** The model asked for, when another one answers (a response header). */
    public static final String DOWNGRADED_HEADER = "x-breakeven-downgraded-from";

    // package-private: each Turn reads what it is served with from its assistant
    final ModelCatalog catalog;
    final Router router;
    final Journal journal;
    final Durability durability;
    final Ids ids;
    final Clock clock;
    final TokenCounter tokens;
    final TurnMetrics metrics;
    final Admission admission;
    final Capacity capacity;

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
        Turn turn = Turn.begin(this, who, request);
        Served<Completion> served = turn.run(
                route -> route.backend().complete(new GenerationRequest(turn.request, route.upstreamModel())), null);
        ObjectNode body = served.result().body();
        body.put("id", turn.id);
        body.put("model", turn.model().id());
        Usage usage = served.result().usage();
        if (usage == null) {
            usage = turn.estimate(completionText(body));
            body.set("usage", usage.toJson());
        }
        UsageEvent event = turn.event(served.route(), usage, -1, Outcome.COMPLETED, null)
                .withGenerationMillis(generationMillis(served.result().stats()));
        turn.record(event);
        return new Answer(body, event, turn.headers());
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
        Turn turn = Turn.begin(this, who, request);
        turn.streamTo(sink);
        Relay relay = new Relay(turn.id, turn.model().id(), request.includeUsage(), sink, turn.startNanos);
        Served<StreamEnd> served;
        try {
            served = turn.run(
                    route -> route.backend().stream(new GenerationRequest(turn.request, route.upstreamModel()), relay),
                    relay);
        } catch (ClientGoneException e) {
            return cancelled(turn, relay);
        }
        Usage reported = served.result().usage();
        Usage usage = reported != null ? reported : turn.estimate(relay.text());
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

    /** Records a stream whose client went away, with the usage of what it was sent. */
    private static UsageEvent cancelled(Turn turn, Relay relay) {
        UsageEvent event = turn.event(
                turn.lastRoute(),
                turn.estimate(relay.text()),
                relay.timeToFirstTokenMillis(),
                Outcome.CANCELLED,
                "client_disconnected");
        turn.recordQuietly(event);
        return event;
    }

    private static long generationMillis(GenerationStats stats) {
        return stats == null ? -1 : stats.generationMillis();
    }

    private static String completionText(ObjectNode body) {
        StringBuilder text = new StringBuilder();
        for (JsonNode choice : body.path("choices"))
            text.append(choice.path("message").path("content").asText(""));
        return text.toString();
    }

    private static ObjectNode usageChunk(Turn turn, Usage usage) {
        ObjectNode chunk = JsonNodeFactory.instance.objectNode();
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", turn.admittedAt / 1000);
        chunk.putArray("choices");
        chunk.set("usage", usage.toJson());
        return chunk;
    }
}
