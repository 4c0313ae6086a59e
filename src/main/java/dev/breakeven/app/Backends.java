package dev.breakeven.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakeven.inference.Backend;
import dev.breakeven.inference.CircuitBreaker;
import dev.breakeven.inference.HealthProbe;
import dev.breakeven.inference.IdleWatch;
import dev.breakeven.inference.KnowledgeBackend;
import dev.breakeven.inference.LlamaBackend;
import dev.breakeven.inference.ModelCatalog;
import dev.breakeven.inference.ModelFileException;
import dev.breakeven.inference.OpenAiBackend;
import dev.breakeven.inference.Router;
import dev.breakeven.inference.TokenCounter;
import dev.breakeven.knowledge.KnowledgeBase;
import dev.breakeven.knowledge.KnowledgeBases;
import dev.breakeven.knowledge.MiniLmEmbedder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The configured backends and models, built for a {@link Breakeven}: backends, router, health probe, model catalog. */
final class Backends {
    private Backends() {}

    /**
     * Builds every configured backend; in-process models are loaded here, so a bad model file stops
     * start-up with one line naming the backend, the file and the reason.
     */
    static Map<String, Backend> build(
            BreakevenConfig config,
            Map<String, String> env,
            ObjectMapper json,
            IdleWatch idle,
            KnowledgeBases knowledge) {
        Map<String, Backend> built = new LinkedHashMap<>();
        try {
            for (BreakevenConfig.Backend b : config.backends()) {
                if (!b.type().equals("knowledge")) built.put(b.id(), buildBackend(b, env, json, idle));
            }
            // knowledge backends last: their writer is one of the backends above
            for (BreakevenConfig.Backend b : config.backends()) {
                if (b.type().equals("knowledge")) built.put(b.id(), knowledgeBackend(b, built, knowledge, config));
            }
        } catch (RuntimeException e) {
            built.values().forEach(Backend::close);
            throw e;
        }
        return built;
    }

    private static Backend knowledgeBackend(
            BreakevenConfig.Backend b, Map<String, Backend> built, KnowledgeBases knowledge, BreakevenConfig config) {
        KnowledgeBase base = knowledge.openOrCreate(b.knowledgeBase());
        if (b.knowledgeBase().equals(HelpKnowledge.NAME)) HelpKnowledge.install(base, Path.of(config.dataDir()));
        var settings =
                new KnowledgeBackend.Settings(b.id(), b.capacity(), b.passages(), b.minSimilarity(), b.writerModel());
        Backend writer = b.writer() == null ? null : built.get(b.writer());
        return new KnowledgeBackend(settings, base, writer, new TokenCounter());
    }

    /** The knowledge bases under the data directory, when a backend answers from one (loading the embedding model takes seconds). */
    static KnowledgeBases knowledgeBases(BreakevenConfig config) {
        boolean needed = config.backends().stream().anyMatch(b -> b.type().equals("knowledge"));
        return needed ? new KnowledgeBases(Path.of(config.dataDir()).resolve("knowledge"), new MiniLmEmbedder()) : null;
    }

    static Router router(BreakevenConfig config, Map<String, Backend> backends, Clock clock) {
        List<Router.Member> members = new ArrayList<>();
        for (BreakevenConfig.Backend b : config.backends()) {
            // in-process backends (llama, knowledge) do not fail like a network peer: no breaker for them
            int threshold = b.failureThreshold() == null ? 0 : b.failureThreshold();
            long coolDown = b.coolDownMs() == null ? 1 : b.coolDownMs();
            var breaker = CircuitBreaker.Settings.of(threshold, Duration.ofMillis(coolDown));
            members.add(new Router.Member(backends.get(b.id()), b.type(), breaker));
        }
        return new Router(members, clock);
    }

    static HealthProbe healthProbe(BreakevenConfig config, Map<String, Backend> backends, Router router) {
        List<HealthProbe.Target> targets = new ArrayList<>();
        for (BreakevenConfig.Backend b : config.backends()) {
            if (b.healthCheckIntervalMs() == null) continue; // only network backends are probed
            targets.add(new HealthProbe.Target(
                    backends.get(b.id()),
                    Duration.ofMillis(b.healthCheckIntervalMs()),
                    Duration.ofMillis(b.healthCheckTimeoutMs())));
        }
        return new HealthProbe(router, targets);
    }

    private static Backend buildBackend(
            BreakevenConfig.Backend b, Map<String, String> env, ObjectMapper json, IdleWatch idle) {
        if (b.type().equals("llama")) {
            var settings = new LlamaBackend.Settings(b.id(), Path.of(b.path()), b.threads(), b.context(), b.capacity());
            try {
                return LlamaBackend.open(settings);
            } catch (ModelFileException e) {
                throw new ConfigException("backend '" + b.id() + "': " + e.getMessage());
            }
        }
        var settings = new OpenAiBackend.Settings(
                b.id(),
                URI.create(b.baseUrl()),
                BackendSecrets.apiKey(b, env),
                b.capacity(),
                Duration.ofMillis(b.connectTimeoutMs()),
                Duration.ofMillis(b.firstByteTimeoutMs()),
                Duration.ofMillis(b.idleTimeoutMs()));
        return new OpenAiBackend(settings, json, idle);
    }

    static ModelCatalog catalog(BreakevenConfig config, Map<String, Backend> backends, Clock clock) {
        List<ModelCatalog.Model> models = new ArrayList<>();
        long created = clock.millis();
        for (BreakevenConfig.Model m : config.models()) {
            List<ModelCatalog.Route> routes = m.backends().stream()
                    .map(r -> new ModelCatalog.Route(backends.get(r.backend()), r.model()))
                    .toList();
            models.add(new ModelCatalog.Model(m.id(), m.description(), created, routes));
        }
        return new ModelCatalog(models);
    }
}
