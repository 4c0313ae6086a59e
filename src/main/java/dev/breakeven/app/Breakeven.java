package dev.breakeven.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakeven.access.JdbiAccessRepository;
import dev.breakeven.access.KeyRing;
import dev.breakeven.api.HttpApi;
import dev.breakeven.assistant.Admission;
import dev.breakeven.assistant.Assistant;
import dev.breakeven.assistant.TurnMetrics;
import dev.breakeven.billing.JdbiPriceRepository;
import dev.breakeven.billing.Prepayment;
import dev.breakeven.billing.Price;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.PriceException;
import dev.breakeven.billing.PriceKind;
import dev.breakeven.billing.Wallets;
import dev.breakeven.cluster.Counters;
import dev.breakeven.inference.Backend;
import dev.breakeven.inference.CircuitBreaker;
import dev.breakeven.inference.HealthProbe;
import dev.breakeven.inference.IdleWatch;
import dev.breakeven.inference.ModelCatalog;
import dev.breakeven.inference.Router;
import dev.breakeven.inference.TokenCounter;
import dev.breakeven.knowledge.KnowledgeBases;
import dev.breakeven.ledger.Violation;
import dev.breakeven.metering.Durability;
import dev.breakeven.metering.GroupCommitJournal;
import dev.breakeven.metering.JdbiJournalRepository;
import dev.breakeven.metering.Journal;
import dev.breakeven.plans.ComputeScheduler;
import dev.breakeven.plans.Entitlements;
import dev.breakeven.plans.PlanBook;
import dev.breakeven.plans.SchedulerMetrics;
import dev.breakeven.store.Database;
import dev.breakeven.store.DatabaseSettings;
import dev.breakeven.store.Ids;
import io.helidon.webserver.WebServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * One running Breakeven: the one place where the parts are built and connected. The CLI starts
 * it; tests start it on port 0 with their own configuration and clock.
 */
public final class Breakeven implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Breakeven.class.getName());
    static final String SEED_NOTE = "seeded from the configuration";

    private final BreakevenConfig config;
    private final Database database;
    private final Journal journal;
    private final KeyRing keys;
    private final PriceBook prices;
    private final Books books;
    private final PlanBilling plans;
    private final ComputeScheduler scheduler;
    private final Counters counters;
    private final Map<String, Backend> backends;
    private final IdleWatch idleWatch;
    private final KnowledgeBases knowledge;
    private final Router router;
    private final HealthProbe health;
    private final WebServer server;

    private Breakeven(BreakevenConfig config, Clock clock, Map<String, String> env) {
        this.config = config;
        ObjectMapper json = new ObjectMapper();
        Ids ids = new Ids(clock);
        // first: a Redis URL that cannot be read stops start-up before anything is opened
        this.counters = ClusterSettings.counters(config.cluster(), ClusterSettings.redisUrl(config.cluster(), env));
        this.idleWatch = new IdleWatch();
        // backends first: a model file that cannot be loaded stops start-up before anything else is opened
        this.knowledge = Backends.knowledgeBases(config);
        try {
            this.backends = Backends.build(config, env, json, idleWatch, knowledge);
        } catch (RuntimeException e) {
            idleWatch.close();
            if (knowledge != null) knowledge.close();
            throw e;
        }
        try {
            this.database = Database.open(databaseSettings(config, env));
        } catch (RuntimeException e) {
            backends.values().forEach(Backend::close);
            idleWatch.close();
            throw e;
        }
        this.journal = new GroupCommitJournal(new JdbiJournalRepository(database.jdbi()), clock);
        this.keys = new KeyRing(
                new JdbiAccessRepository(database.jdbi()),
                ids,
                clock,
                Duration.ofMillis(config.server().keyCacheMs()));
        this.prices = priceBook(database, ids, clock, config);
        try {
            seedPrices(prices, config.prices(), clock);
        } catch (RuntimeException e) {
            journal.close();
            backends.values().forEach(Backend::close);
            idleWatch.close();
            if (knowledge != null) knowledge.close();
            database.close();
            throw e;
        }
        this.books = new Books(database, clock, prices, Books.raterSettings(config.billing()));
        ModelCatalog catalog = Backends.catalog(config, backends, clock);
        this.router = Backends.router(config, backends, clock);
        this.health = Backends.healthProbe(config, backends, router);
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        Gauge.builder("breakeven.journal.pending", journal, Journal::pending).register(meters);
        books.registerGauges(meters);
        for (String id : backends.keySet()) {
            CircuitBreaker breaker = router.breaker(id);
            Gauge.builder("breakeven.backend.state", () -> breaker.state().gauge())
                    .description("Circuit breaker: 0 closed, 1 half-open, 2 open")
                    .tag("backend", id)
                    .register(meters);
        }
        Durability durability =
                Durability.valueOf(config.metering().durability().toUpperCase());
        SchedulerMetrics schedulerMetrics = new SchedulerMetrics(meters);
        this.scheduler = ComputeCapacity.scheduler(config, clock, schedulerMetrics);
        schedulerMetrics.bindGauges(scheduler);
        Prepayment prepayment = books.prepayment(config.billing());
        this.plans = new PlanBilling(config, database, books, keys, ids, clock);
        Entitlements entitlements = new Entitlements(plans.book::catalog, counters);
        Admission admission = new TurnAdmission(entitlements, prepayment, clock);
        Assistant assistant = new Assistant(
                catalog,
                router,
                journal,
                durability,
                ids,
                clock,
                new TokenCounter(),
                new TurnMetrics(meters),
                admission,
                new ComputeCapacity(scheduler, SchedulerSettings.downgrades(config.scheduler())));
        HttpApi api = new HttpApi(new HttpApi.Parts(
                keys,
                prices,
                books.wallets,
                books.payments(config.billing(), env, ref -> keys.account(ref).map(a -> a.id()), plans),
                clock,
                entitlements,
                plans.changes,
                plans.book,
                plans.renewals,
                assistant,
                catalog,
                router,
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
            b.health.start();
            b.books.start(b.config.billing().raterIntervalMs() > 0);
            b.plans.start();
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    /** The price book on this database, its in-memory copy kept at most {@code server.price_cache_ms} old. */
    static PriceBook priceBook(Database database, Ids ids, Clock clock, BreakevenConfig config) {
        return new PriceBook(
                new JdbiPriceRepository(database.jdbi()),
                ids,
                clock,
                Duration.ofMillis(config.server().priceCacheMs()));
    }

    /**
     * Seeds the configured prices: each is stored in force since always, but only when its kind and
     * subject have no price yet, so that the database stays the truth once an operator has set one.
     * A configured price that disagrees with the one in force is logged, not applied.
     */
    static void seedPrices(PriceBook book, List<BreakevenConfig.Price> configured, Clock clock) {
        for (int i = 0; i < configured.size(); i++) {
            BreakevenConfig.Price p = configured.get(i);
            String key = "prices[" + i + "]";
            if (p.model() != null) {
                seedPrice(book, PriceKind.MODEL_INPUT, p.model(), p.inputPerMillionMicros(), key, clock);
                seedPrice(book, PriceKind.MODEL_OUTPUT, p.model(), p.outputPerMillionMicros(), key, clock);
            } else {
                seedPrice(book, PriceKind.PLAN_FEE, p.plan(), p.monthlyMicros(), key, clock);
            }
        }
    }

    private static void seedPrice(
            PriceBook book, PriceKind kind, String subject, Long micros, String key, Clock clock) {
        if (micros == null) return;
        try {
            if (book.seed(kind, subject, micros, SEED_NOTE)) return;
        } catch (PriceException e) {
            throw new ConfigException(key + ": " + e.getMessage());
        }
        Optional<Price> inForce = book.at(kind, subject, clock.millis());
        if (inForce.isPresent() && inForce.get().micros() != micros) {
            LOG.warning(key + ": the configuration sets " + kind.wireName() + " of " + kind.subjectName() + " '"
                    + subject + "' to " + micros + " micros, but the price book has had "
                    + inForce.get().micros() + " since "
                    + Instant.ofEpochMilli(inForce.get().effectiveFrom())
                    + "; the price book wins (change it with 'breakeven prices set')");
        }
    }

    static DatabaseSettings databaseSettings(BreakevenConfig config, Map<String, String> env) {
        BreakevenConfig.Database db = config.database();
        String password = db.passwordEnv() == null ? null : env.get(db.passwordEnv());
        return new DatabaseSettings(db.url(), db.user(), password, db.poolSize());
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

    public PriceBook prices() {
        return prices;
    }

    public BreakevenConfig config() {
        return config;
    }

    /** Backend states and breakers, for tests and tools. */
    public Router router() {
        return router;
    }

    /**
     * The compute scheduler, for tests and tools: each backend's queue ({@code snapshot}), and
     * {@code expire()} to refuse the waits a controlled clock has run out (waiters time out on their
     * own only by the real clock).
     */
    public ComputeScheduler scheduler() {
        return scheduler;
    }

    /** The health checker, e.g. to probe a backend now instead of waiting for its interval. */
    public HealthProbe health() {
        return health;
    }

    /** The plans of this deployment. */
    PlanBook planBook() {
        return plans.book;
    }

    /** The ledger, wallets, rater and invoices of this node. */
    Books books() {
        return books;
    }

    /** Rates everything journaled so far, now, instead of waiting for the rater's next pass. */
    public int rateNow() {
        return books.rater.drain();
    }

    /** The wallets of this node's accounts. */
    public Wallets wallets() {
        return books.wallets;
    }

    /** Every broken invariant of the ledger and of its agreement with the journal. */
    public List<Violation> audit() {
        return books.audit();
    }

    /** Stops listening, then writes every queued usage event before closing the database. */
    @Override
    public void close() {
        if (server.isRunning()) server.stop();
        health.close();
        scheduler.close();
        plans.close();
        journal.close();
        books.close();
        if (counters instanceof AutoCloseable closeable) closeQuietly(closeable);
        backends.values().forEach(Backend::close);
        idleWatch.close();
        if (knowledge != null) knowledge.close();
        database.close();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.warning("closing " + closeable + ": " + e);
        }
    }
}
