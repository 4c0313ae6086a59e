package dev.breakeven.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakeven.access.JdbiAccessRepository;
import dev.breakeven.access.KeyRing;
import dev.breakeven.api.HttpApi;
import dev.breakeven.assistant.Assistant;
import dev.breakeven.assistant.TurnMetrics;
import dev.breakeven.inference.Backend;
import dev.breakeven.inference.IdleWatch;
import dev.breakeven.inference.ModelCatalog;
import dev.breakeven.inference.OpenAiBackend;
import dev.breakeven.inference.TokenCounter;
import dev.breakeven.metering.Durability;
import dev.breakeven.metering.GroupCommitJournal;
import dev.breakeven.metering.JdbiJournalRepository;
import dev.breakeven.metering.Journal;
import dev.breakeven.store.Database;
import dev.breakeven.store.DatabaseSettings;
import dev.breakeven.store.Ids;
import io.helidon.webserver.WebServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One running Breakeven: the one place where the parts are built and connected. The CLI starts
 * it; tests start it on port 0 with their own configuration and clock.
 */
public final class Breakeven implements AutoCloseable {
    private final BreakevenConfig config;
    private final Database database;
    private final Journal journal;
    private final KeyRing keys;
    private final Map<String, Backend> backends;
    private final IdleWatch idleWatch;
    private final WebServer server;

    private Breakeven(BreakevenConfig config, Clock clock, Map<String, String> env) {
        this.config = config;
        ObjectMapper json = new ObjectMapper();
        Ids ids = new Ids(clock);
        this.database = Database.open(databaseSettings(config, env));
        this.journal = new GroupCommitJournal(new JdbiJournalRepository(database.jdbi()), clock);
        this.keys = new KeyRing(new JdbiAccessRepository(database.jdbi()), ids, clock);
        this.idleWatch = new IdleWatch();
        this.backends = buildBackends(config, env, json, idleWatch);
        ModelCatalog catalog = catalog(config, backends, clock);
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        Gauge.builder("breakeven.journal.pending", journal, Journal::pending).register(meters);
        Durability durability =
                Durability.valueOf(config.metering().durability().toUpperCase());
        Assistant assistant =
                new Assistant(catalog, journal, durability, ids, clock, new TokenCounter(), new TurnMetrics(meters));
        HttpApi api = new HttpApi(new HttpApi.Parts(
                keys,
                assistant,
                catalog,
                journal,
                meters,
                database::isReachable,
                json,
                config.server().maxBodyBytes(),
                config.server().accessLog()));
        this.server = WebServer.builder()
                .host(config.server().host())
                .port(config.server().port())
                .connectionOptions(socket -> socket.tcpNoDelay(true))
                .maxPayloadSize(-1) // the API enforces server.max_body_bytes with an OpenAI-shaped 413
                .shutdownHook(false)
                .routing(api::routing)
                .build();
    }

    /**
     * Opens the database, builds every part and starts listening.
     *
     * @throws ConfigException when a backend's key file cannot be read
     * @throws dev.breakeven.store.StoreException when the database cannot be opened
     */
    public static Breakeven start(BreakevenConfig config, Clock clock, Map<String, String> env) {
        Breakeven b = new Breakeven(config, clock, env);
        try {
            b.server.start();
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    static DatabaseSettings databaseSettings(BreakevenConfig config, Map<String, String> env) {
        BreakevenConfig.Database db = config.database();
        String password = db.passwordEnv() == null ? null : env.get(db.passwordEnv());
        return new DatabaseSettings(db.url(), db.user(), password, db.poolSize());
    }

    private static Map<String, Backend> buildBackends(
            BreakevenConfig config, Map<String, String> env, ObjectMapper json, IdleWatch idle) {
        Map<String, Backend> built = new LinkedHashMap<>();
        for (BreakevenConfig.Backend b : config.backends()) {
            var settings = new OpenAiBackend.Settings(
                    b.id(),
                    URI.create(b.baseUrl()),
                    BackendSecrets.apiKey(b, env),
                    b.capacity(),
                    Duration.ofMillis(b.connectTimeoutMs()),
                    Duration.ofMillis(b.firstByteTimeoutMs()),
                    Duration.ofMillis(b.idleTimeoutMs()));
            built.put(b.id(), new OpenAiBackend(settings, json, idle));
        }
        return built;
    }

    private static ModelCatalog catalog(BreakevenConfig config, Map<String, Backend> backends, Clock clock) {
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

    public int port() {
        return server.port();
    }

    public String url() {
        return "http://" + config.server().host() + ":" + port();
    }

    public KeyRing keys() {
        return keys;
    }

    public Journal journal() {
        return journal;
    }

    public BreakevenConfig config() {
        return config;
    }

    /** Stops listening, then writes every queued usage event before closing the database. */
    @Override
    public void close() {
        if (server.isRunning()) server.stop();
        journal.close();
        backends.values().forEach(Backend::close);
        idleWatch.close();
        database.close();
    }
}
