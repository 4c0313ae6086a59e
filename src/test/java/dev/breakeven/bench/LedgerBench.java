package dev.breakeven.bench;

import dev.breakeven.ledger.AccountKind;
import dev.breakeven.ledger.Balance;
import dev.breakeven.ledger.GroupCommitLedger;
import dev.breakeven.ledger.JdbiLedgerRepository;
import dev.breakeven.ledger.LedgerAccount;
import dev.breakeven.ledger.LedgerAudit;
import dev.breakeven.ledger.LedgerRepository;
import dev.breakeven.ledger.StoredTransfer;
import dev.breakeven.ledger.Transfer;
import dev.breakeven.ledger.TransferQuery;
import dev.breakeven.ledger.TransferResult;
import dev.breakeven.ledger.Violation;
import dev.breakeven.store.Database;
import dev.breakeven.store.DatabaseSettings;
import dev.breakeven.store.Ids;
import dev.breakeven.testing.TestDatabase;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Ledger throughput, durable (SQLite WAL + synchronous=FULL; a PostgreSQL commit), in transfers/s
 * over a realistic account set: {@code users} users, each with a paid and a granted wallet (both
 * {@code debits_within_credits}, topped up before the run, 1% of them with almost nothing so that
 * limits refuse some transfers), and the house accounts. Every usage transfer credits {@code
 * revenue:compute}: one hot account that every batch touches.
 *
 * <p>Shapes:
 *
 * <ul>
 *   <li>{@code direct}: the reference, no {@link GroupCommitLedger}: one thread hands {@link
 *       JdbiLedgerRepository#apply} lists of {@code maxBatch} one-transfer chains, back to back. What
 *       this machine and engine can store at best with the same SQL and durability; the other shapes
 *       are reported as a ratio of it, which stays comparable when the shared cores are busy;
 *   <li>{@code batched}: the same chains, handed by one caller to {@link GroupCommitLedger#submitAsync}
 *       back to back, then every future joined (bulk posting, e.g. the rater catching up on the
 *       journal): batches fill up to {@code maxBatch};
 *   <li>{@code single}: {@code threads} virtual threads, each submitting a one-transfer chain through
 *       {@link GroupCommitLedger#submit} and waiting for it before the next, like requests (batches
 *       hold at most {@code threads} chains);
 *   <li>{@code linked}: as {@code single}, each chain two transfers (the granted wallet, then the paid
 *       wallet, both to revenue), applied whole or not at all;
 *   <li>{@code pending}: as {@code single}, each request two submissions: a reservation (pending
 *       transfer) at admission, then, once it is durable, the post of the actual amount.
 * </ul>
 *
 * <p>On PostgreSQL, when the shapes include {@code single} or {@code batched}, a second part runs
 * them with two writers, as two processes would: two {@link GroupCommitLedger}s on two {@link
 * Database} pools, the threads (or two callers) split between them, beside one writer in the same
 * round. Failed batch attempts (retried by the ledger) are counted.
 *
 * <p>Each run opens a fresh database (SQLite on a temporary file; PostgreSQL in a fresh schema,
 * dropped afterwards) and prebuilds its chains, so the run times the ledger alone. Every shape runs
 * once unmeasured to warm the JIT, and that run is audited ({@link LedgerAudit}); then {@code rounds}
 * rounds run the shapes in turn, and the tables give medians over rounds.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt) dev.breakeven.bench.LedgerBench \
 *     [--quick] [--out FILE] [--summary FILE] [transfers=100000] [threads=64] [users=10000] [rounds=3]
 *     [engines=sqlite,postgresql] [shapes=direct,batched,single,linked,pending] [maxBatch=2048] [writers=2]
 * </pre>
 *
 * <p>What-if settings, to measure what a change to the schema or the settings would gain (the
 * report then says it is a what-if and writes no summary line): {@code drop=index,…} drops indexes
 * of {@code ledger_transfers} ({@code fks}: its two foreign keys, PostgreSQL) in the fresh database;
 * {@code pragma=name=value,…} (SQLite) runs those pragmas on every pooled connection; {@code url=…}
 * adds JDBC URL parameters (e.g. {@code cache_size=-65536} for SQLite, {@code
 * options=-c%20synchronous_commit%3Doff} for PostgreSQL); {@code credit=spread} credits usage to one
 * of 1,000 accounts instead of the hot {@code revenue:compute}.
 */
public final class LedgerBench {
    static final double TARGET = 50_000;
    static final String TARGET_TEXT = "≥ 50,000 transfers/s";

    static final LedgerAccount REVENUE = AccountKind.REVENUE_COMPUTE.account();
    /** With {@code credit=spread}: usage credits one of this many accounts instead of the one hot revenue account. */
    static final int SPREAD = 1000;

    static final LedgerAccount CLEARING = AccountKind.PAYMENT_CLEARING.account("stripe");
    static final LedgerAccount PROMOTIONS = AccountKind.PROMOTIONS.account();
    static final List<LedgerAccount> HOUSE = List.of(
            REVENUE,
            CLEARING,
            PROMOTIONS,
            AccountKind.REVENUE_ADS.account(),
            AccountKind.REVENUE_SUBSCRIPTIONS.account(),
            AccountKind.COST_INFERENCE.account(),
            AccountKind.COSTS_PAYABLE.account());

    /** Settings from the command line. */
    record Options(
            boolean quick,
            int transfers,
            int threads,
            int users,
            int rounds,
            List<String> engines,
            List<String> shapes,
            int maxBatch,
            int writers,
            String credit,
            String url,
            List<String> drop,
            List<String> pragmas) {

        static Options parse(List<String> args, boolean quick) {
            Map<String, String> kv = new LinkedHashMap<>();
            for (String a : args) {
                int eq = a.indexOf('=');
                if (eq < 0) throw new IllegalArgumentException("expected key=value, got " + a);
                kv.put(a.substring(0, eq), a.substring(eq + 1));
            }
            Options o = new Options(
                    quick,
                    Integer.parseInt(kv.getOrDefault("transfers", quick ? "10000" : "100000")),
                    Integer.parseInt(kv.getOrDefault("threads", "64")),
                    Integer.parseInt(kv.getOrDefault("users", "10000")),
                    Integer.parseInt(kv.getOrDefault("rounds", quick ? "1" : "3")),
                    List.of(kv.getOrDefault("engines", "sqlite,postgresql").split(",")),
                    List.of(kv.getOrDefault("shapes", "direct,batched,single,linked,pending")
                            .split(",")),
                    Integer.parseInt(kv.getOrDefault(
                            "maxBatch",
                            String.valueOf(GroupCommitLedger.Settings.defaults().maxBatch()))),
                    Integer.parseInt(kv.getOrDefault("writers", "2")),
                    kv.getOrDefault("credit", "hot"),
                    kv.getOrDefault("url", ""),
                    kv.getOrDefault("drop", "").isEmpty()
                            ? List.of()
                            : List.of(kv.get("drop").split(",")),
                    kv.getOrDefault("pragma", "").isEmpty()
                            ? List.of()
                            : List.of(kv.get("pragma").split(",")));
            if (!o.credit().equals("hot") && !o.credit().equals("spread"))
                throw new IllegalArgumentException("credit must be hot or spread");
            kv.keySet()
                    .removeAll(List.of(
                            "transfers",
                            "threads",
                            "users",
                            "rounds",
                            "engines",
                            "shapes",
                            "maxBatch",
                            "writers",
                            "credit",
                            "url",
                            "drop",
                            "pragma"));
            if (!kv.isEmpty()) throw new IllegalArgumentException("unknown settings " + kv.keySet());
            return o;
        }

        String describe() {
            return String.format(
                            Locale.ROOT,
                            "transfers=%d threads=%d users=%d rounds=%d engines=%s shapes=%s maxBatch=%d writers=%d",
                            transfers,
                            threads,
                            users,
                            rounds,
                            String.join(",", engines),
                            String.join(",", shapes),
                            maxBatch,
                            writers)
                    + (credit.equals("hot") ? "" : " credit=" + credit)
                    + (url.isEmpty() ? "" : " url=" + url)
                    + (drop.isEmpty() ? "" : " drop=" + String.join(",", drop))
                    + (pragmas.isEmpty() ? "" : " pragma=" + String.join(",", pragmas));
        }

        /** Whether this run changes the database's settings or schema (a what-if, not the product as built). */
        boolean whatIf() {
            return !url.isEmpty() || !drop.isEmpty() || !pragmas.isEmpty() || !credit.equals("hot");
        }
    }

    public static void main(String[] args) throws Exception {
        List<String> reportArgs = new ArrayList<>();
        List<String> settings = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                reportArgs.add(args[i]);
                if (!args[i].equals("--quick") && i + 1 < args.length) reportArgs.add(args[++i]);
            } else {
                settings.add(args[i]);
            }
        }
        Report report = Report.fromArgs(reportArgs.toArray(String[]::new));
        Options o = Options.parse(settings, report.quick);
        String loadStart = load3();

        List<TestDatabase> engines = new ArrayList<>();
        if (o.engines().contains("sqlite")) engines.add(TestDatabase.SQLITE);
        String pg = System.getenv(TestDatabase.PG_URL_VARIABLE);
        boolean pgSkipped = false;
        if (o.engines().contains("postgresql")) {
            if (pg != null && !pg.isBlank()) engines.add(TestDatabase.POSTGRESQL);
            else pgSkipped = true;
        }

        report.line("## e. Ledger — `LedgerBench`")
                .line("")
                .line("`dev.breakeven.bench.LedgerBench " + o.describe() + "`, "
                        + Runtime.getRuntime().availableProcessors() + " cores, JDK " + Runtime.version()
                        + ", load average at start "
                        + loadStart + ".")
                .line("")
                .line("Durable transfers/s: SQLite in WAL mode with `synchronous=FULL` on a temporary file, "
                        + "PostgreSQL with `synchronous_commit` as the server has it"
                        + (pg == null ? "" : " (" + pgSetting("synchronous_commit") + ")")
                        + ", in a fresh schema. Each run opens a fresh database with "
                        + String.format(Locale.ROOT, "%,d", o.users())
                        + " users, each with a paid and a granted wallet (never below zero; 1% topped up with "
                        + "almost nothing, so that limits refuse some transfers), and "
                        + HOUSE.size()
                        + " house accounts. Every usage transfer credits `revenue:compute`, so every batch "
                        + "touches that one hot row. Shapes: *direct* (the reference: one thread hands "
                        + "`JdbiLedgerRepository.apply` lists of " + o.maxBatch() + " one-transfer chains, no "
                        + "group commit), *batched* (the same chains through `GroupCommitLedger.submitAsync` "
                        + "from one caller, then joined), *single* (" + o.threads() + " virtual threads, each "
                        + "submitting a one-transfer chain and waiting, like requests), *linked* (as single, "
                        + "two-leg chains granted + paid wallet), *pending* (as single, a reservation then "
                        + "its post: two submissions per request). Every shape ran once unmeasured (warm-up, "
                        + "audited with `LedgerAudit`), then " + o.rounds() + " round(s) in turn; values are "
                        + "medians over rounds, *vs direct* the median of each round's ratio.")
                .line("");
        if (o.whatIf()) {
            report.line("**What-if run** (`" + o.describe() + "`): the database's settings or schema, or the "
                            + "workload, differ from the product's, to measure what a change would gain; not a "
                            + "result for the targets."
                            + (o.credit().equals("spread")
                                    ? " `credit=spread`: usage credits one of " + SPREAD + " accounts "
                                            + "(`payouts:pN`) instead of `revenue:compute`: no hot row."
                                    : ""))
                    .line("");
        }
        if (pgSkipped)
            report.line("PostgreSQL skipped: `BREAKEVEN_TEST_PG_URL` is unset.").line("");

        for (TestDatabase engine : engines) {
            String name = engine == TestDatabase.SQLITE ? "SQLite" : "PostgreSQL";
            Map<String, List<Run>> runs = new LinkedHashMap<>();
            for (String shape : o.shapes()) {
                Report.progress("ledger " + name + " " + shape + ": warm-up");
                Run warm = run(engine, shape, 1, Math.max(o.transfers() / 10, 4 * o.threads()), o, true);
                Report.progress("  warm-up " + warm.oneLine());
            }
            for (int round = 1; round <= o.rounds(); round++) {
                for (String shape : o.shapes()) {
                    Run r = run(engine, shape, 1, o.transfers(), o, false);
                    Report.progress("ledger " + name + " round " + round + " " + r.oneLine());
                    runs.computeIfAbsent(shape, k -> new ArrayList<>()).add(r);
                }
            }
            section(report, name, runs, o);
            if (engine == TestDatabase.POSTGRESQL && o.writers() > 1) {
                List<String> multi = o.shapes().stream()
                        .filter(s -> s.equals("single") || s.equals("batched"))
                        .toList();
                if (!multi.isEmpty()) twoWriters(report, engine, multi, o);
            }
        }
        report.line("Load average (1, 5, 15 min) at end: " + load3() + ".").line("");
        report.write();
    }

    // --- one run ---------------------------------------------------------------------------------

    /** What one run measured. */
    record Run(
            String shape,
            int writers,
            long transfers,
            long created,
            long exists,
            long refused,
            long elapsedNanos,
            long cpuNanos,
            long pgCpuNanos,
            long writtenBytes,
            long[] chainsPerBatch,
            long transfersInBatches,
            long failedAttempts,
            long applyNanos,
            long applyCpuNanos,
            long[] latencies,
            String load) {

        double rate() {
            return transfers / (elapsedNanos / 1e9);
        }

        long batches() {
            return chainsPerBatch.length;
        }

        String oneLine() {
            return String.format(
                    Locale.ROOT,
                    "%s x%d: %,.0f transfers/s, %,d transfers in %,d batches (mean %,.1f chains), %d refused,"
                            + " %d failed attempts, %.1f µs CPU/transfer (writer in apply %.1f), %.1f KiB written/transfer"
                            + " (load %s)",
                    shape,
                    writers,
                    rate(),
                    transfers,
                    batches(),
                    meanChains(),
                    refused,
                    failedAttempts,
                    cpuNanos / 1e3 / transfers,
                    applyCpuNanos / 1e3 / transfers,
                    writtenBytes / 1024.0 / transfers,
                    load);
        }

        double meanChains() {
            return batches() == 0 ? 0 : (double) Arrays.stream(chainsPerBatch).sum() / batches();
        }
    }

    /** One request: a chain, and for {@code pending} the post submitted once the first is durable. */
    record Request(List<Transfer> first, List<Transfer> second) {
        int size() {
            return first.size() + (second == null ? 0 : second.size());
        }
    }

    static Run run(TestDatabase engine, String shape, int writers, int transfers, Options o, boolean audit)
            throws Exception {
        Path dir = Files.createTempDirectory("ledger-bench");
        List<GroupCommitLedger> ledgers = new ArrayList<>();
        List<Database> extra = new ArrayList<>();
        try (TestDatabase.Opened opened = open(engine, dir, o)) {
            JdbiLedgerRepository plain = new JdbiLedgerRepository(opened.db());
            whatIf(opened.db(), o);
            populate(opened.db(), plain, o);
            List<CountingRepository> repositories = new ArrayList<>();
            repositories.add(new CountingRepository(plain));
            for (int w = 1; w < writers; w++) {
                Database db = Database.open(DatabaseSettings.of(urlOf(opened, dir, o)));
                extra.add(db);
                repositories.add(new CountingRepository(new JdbiLedgerRepository(db)));
            }
            GroupCommitLedger.Settings defaults = GroupCommitLedger.Settings.defaults();
            GroupCommitLedger.Settings settings = new GroupCommitLedger.Settings(
                    o.maxBatch(), Math.max(defaults.capacity(), transfers), defaults.attempts(), defaults.backoff());
            if (!shape.equals("direct")) {
                for (CountingRepository r : repositories)
                    ledgers.add(new GroupCommitLedger(r, Clock.systemUTC(), settings));
            }
            Request[] requests = workload(shape, transfers, o, shape.hashCode() * 31L + transfers);

            LongAdder created = new LongAdder();
            LongAdder exists = new LongAdder();
            LongAdder refused = new LongAdder();
            LongAdder submitted = new LongAdder();
            long[] latencies = null;
            long cpuBefore = processCpuNanos();
            long pgBefore = engine == TestDatabase.POSTGRESQL ? postgresCpuNanos() : 0;
            long writtenBefore = writtenBytes(engine);
            long began = System.nanoTime();
            switch (shape) {
                case "direct" -> {
                    CountingRepository repository = repositories.get(0);
                    for (int from = 0; from < requests.length; from += o.maxBatch()) {
                        List<List<Transfer>> chains = new ArrayList<>(o.maxBatch());
                        for (int i = from; i < Math.min(requests.length, from + o.maxBatch()); i++) {
                            chains.add(requests[i].first());
                            submitted.add(requests[i].first().size());
                        }
                        for (List<TransferResult> rs : repository.apply(chains, System.currentTimeMillis()))
                            count(rs, created, exists, refused);
                    }
                }
                case "batched" -> {
                    try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
                        for (int w = 0; w < ledgers.size(); w++) {
                            GroupCommitLedger ledger = ledgers.get(w);
                            int writer = w;
                            callers.submit(() -> {
                                List<CompletableFuture<List<TransferResult>>> futures = new ArrayList<>();
                                for (int i = writer; i < requests.length; i += ledgers.size()) {
                                    futures.add(ledger.submitAsync(requests[i].first()));
                                    submitted.add(requests[i].first().size());
                                }
                                for (var f : futures) count(f.join(), created, exists, refused);
                                return null;
                            });
                        }
                    }
                }
                default -> {
                    long[] lat = new long[requests.length];
                    latencies = lat;
                    CountDownLatch start = new CountDownLatch(1);
                    long startedAt;
                    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                        for (int t = 0; t < o.threads(); t++) {
                            int thread = t;
                            GroupCommitLedger ledger = ledgers.get(t % ledgers.size());
                            pool.submit(() -> {
                                start.await();
                                for (int i = thread; i < requests.length; i += o.threads()) {
                                    Request r = requests[i];
                                    long s = System.nanoTime();
                                    List<TransferResult> rs = ledger.submit(r.first());
                                    submitted.add(r.first().size());
                                    count(rs, created, exists, refused);
                                    if (r.second() != null && rs.stream().allMatch(TransferResult::ok)) {
                                        List<TransferResult> posted = ledger.submit(r.second());
                                        submitted.add(r.second().size());
                                        count(posted, created, exists, refused);
                                    }
                                    lat[i] = System.nanoTime() - s;
                                }
                                return null;
                            });
                        }
                        startedAt = System.nanoTime();
                        start.countDown();
                    }
                    began = startedAt;
                }
            }
            long elapsed = System.nanoTime() - began;
            long cpu = processCpuNanos() - cpuBefore;
            long pgCpu = engine == TestDatabase.POSTGRESQL ? postgresCpuNanos() - pgBefore : 0;
            long written = writtenBytes(engine) - writtenBefore;
            for (GroupCommitLedger l : ledgers) l.close();
            String load = Machine.loadAverage().split(" ")[0];

            long expected = (long) o.users() * 2 + created.sum();
            long stored = opened.db().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ledger_transfers")
                    .mapTo(Long.class)
                    .one());
            if (stored != expected) {
                throw new IllegalStateException(shape + ": stored " + stored + " transfers, expected " + expected);
            }
            if (refused.sum() > submitted.sum() / 20) {
                throw new IllegalStateException(shape + ": " + refused.sum() + " of " + submitted.sum()
                        + " transfers refused: the workload is wrong");
            }
            if (audit && o.drop().isEmpty()) { // without its indexes the audit's sums scan the table per account
                List<Violation> violations = new LedgerAudit(plain).check();
                if (!violations.isEmpty()) throw new IllegalStateException(shape + ": audit found " + violations);
            }
            List<Long> sizes = new ArrayList<>();
            long inBatches = 0;
            long failed = 0;
            long applyNanos = 0;
            long applyCpu = 0;
            for (CountingRepository r : repositories) {
                synchronized (r) {
                    sizes.addAll(r.chains);
                    inBatches += r.transfers;
                }
                failed += r.failures.get();
                applyNanos += r.nanos.get();
                applyCpu += r.cpu.get();
            }
            return new Run(
                    shape,
                    writers,
                    submitted.sum(),
                    created.sum(),
                    exists.sum(),
                    refused.sum(),
                    elapsed,
                    cpu,
                    pgCpu,
                    written,
                    sizes.stream().mapToLong(Long::longValue).toArray(),
                    inBatches,
                    failed,
                    applyNanos,
                    applyCpu,
                    latencies,
                    load);
        } finally {
            for (GroupCommitLedger l : ledgers) l.close();
            for (Database db : extra) db.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void count(List<TransferResult> results, LongAdder created, LongAdder exists, LongAdder refused) {
        for (TransferResult r : results) {
            switch (r.status()) {
                case CREATED -> created.increment();
                case EXISTS -> exists.increment();
                case REFUSED -> refused.increment();
            }
        }
    }

    /**
     * A fresh, migrated database: {@link TestDatabase#open} as the tests have it, or, for a what-if
     * run with {@code url=…}, the same with those parameters added to the JDBC URL (SQLite pragmas
     * such as {@code cache_size=-65536}; PostgreSQL ones such as {@code options=-c synchronous_commit=off}).
     */
    private static TestDatabase.Opened open(TestDatabase engine, Path dir, Options o) {
        if (o.url().isEmpty()) return engine.open(dir);
        if (engine == TestDatabase.SQLITE) {
            return new TestDatabase.Opened(
                    Database.open(DatabaseSettings.of("jdbc:sqlite:" + dir.resolve("test.db") + "?" + o.url())),
                    null,
                    null);
        }
        String base = TestDatabase.pgUrl();
        String schema = "lb_" + Long.toHexString(new Random().nextLong() & Long.MAX_VALUE);
        try (var c = java.sql.DriverManager.getConnection(base)) {
            c.createStatement().execute("CREATE SCHEMA " + schema);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        TestDatabase.Opened schemaOnly = new TestDatabase.Opened(null, base, schema);
        return new TestDatabase.Opened(Database.open(DatabaseSettings.of(urlOf(schemaOnly, dir, o))), base, schema);
    }

    private static String urlOf(TestDatabase.Opened opened, Path dir, Options o) {
        String url = opened.schema() == null
                ? "jdbc:sqlite:" + dir.resolve("test.db")
                : opened.baseUrl() + (opened.baseUrl().contains("?") ? "&" : "?") + "currentSchema=" + opened.schema();
        if (o.url().isEmpty()) return url;
        return url + (url.contains("?") ? "&" : "?") + o.url();
    }

    /**
     * A what-if run's change, made before anything is stored: {@code drop=} names indexes of {@code
     * ledger_transfers} to drop, and {@code fks} (PostgreSQL) drops its two foreign keys; {@code
     * pragma=} (SQLite) runs {@code PRAGMA name=value} on every connection of the pool, e.g. {@code
     * foreign_keys=OFF} or {@code synchronous=NORMAL}, which the URL cannot override.
     */
    private static void whatIf(Database db, Options o) throws java.sql.SQLException {
        if (!o.pragmas().isEmpty()) {
            List<java.sql.Connection> all = new ArrayList<>();
            try {
                for (int i = 0; i < DatabaseSettings.of("x").poolSize(); i++) {
                    java.sql.Connection c = db.dataSource().getConnection();
                    all.add(c);
                    for (String p : o.pragmas()) c.createStatement().execute("PRAGMA " + p);
                }
            } finally {
                for (java.sql.Connection c : all) c.close();
            }
        }
        for (String d : o.drop()) {
            String sql = d.equals("fks")
                    ? "ALTER TABLE ledger_transfers DROP CONSTRAINT ledger_transfers_debit_account_fkey,"
                            + " DROP CONSTRAINT ledger_transfers_credit_account_fkey"
                    : "DROP INDEX " + d;
            db.jdbi().useHandle(h -> h.execute(sql));
        }
    }

    // --- the account set and the workload --------------------------------------------------------

    static String paid(int user) {
        return "wallet:u" + user + ":paid";
    }

    static String granted(int user) {
        return "wallet:u" + user + ":granted";
    }

    /**
     * Opens the accounts in one transaction (the same INSERT as {@link JdbiLedgerRepository#open},
     * batched: opening 20,000 accounts one transaction each would take minutes of fsyncs), then tops
     * every wallet up through the repository: paid wallets with 20 USD, granted ones with 1 USD, and
     * every 100th user's with 2,000 and 1,000 micros, which a few usage transfers exhaust.
     */
    private static void populate(Database db, LedgerRepository repository, Options o) {
        int users = o.users();
        long now = System.currentTimeMillis();
        db.jdbi().useTransaction(h -> {
            PreparedBatch insert = h.prepareBatch(
                    "INSERT INTO ledger_accounts (id, kind, owner, rule, created_at) VALUES (?, ?, ?, ?, ?)");
            List<LedgerAccount> all = new ArrayList<>(HOUSE);
            for (int u = 0; u < users; u++) {
                all.add(AccountKind.USER_WALLET_PAID.account("u" + u));
                all.add(AccountKind.USER_WALLET_GRANTED.account("u" + u));
            }
            if (o.credit().equals("spread")) {
                for (int i = 0; i < SPREAD; i++) all.add(AccountKind.PUBLISHER_PAYOUTS.account("p" + i));
            }
            for (LedgerAccount a : all) {
                insert.bind(0, a.id())
                        .bind(1, a.kind().wire())
                        .bind(2, a.owner())
                        .bind(3, a.rule().wire())
                        .bind(4, now)
                        .add();
            }
            insert.execute();
        });
        List<List<Transfer>> topUps = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            boolean poor = u % 100 == 0;
            topUps.add(List.of(Transfer.posted(
                    "topup:u" + u, CLEARING.id(), paid(u), poor ? 2_000 : 20_000_000, "topup", "pay_u" + u, now)));
            topUps.add(List.of(Transfer.posted(
                    "grant:u" + u, PROMOTIONS.id(), granted(u), poor ? 1_000 : 1_000_000, "grant", null, now)));
        }
        for (int from = 0; from < topUps.size(); from += 2048) {
            List<List<TransferResult>> results =
                    repository.apply(topUps.subList(from, Math.min(topUps.size(), from + 2048)), now);
            for (List<TransferResult> rs : results)
                if (!rs.get(0).ok()) throw new IllegalStateException("top-up refused: " + rs);
        }
    }

    /**
     * The requests of one run, {@code transfers} transfers in all, built beforehand. Ids are derived
     * from time-ordered event ids like the gateway's ({@link Ids}); users are drawn uniformly; usage
     * costs 100 to 2,000 micros.
     */
    static Request[] workload(String shape, int transfers, Options o, long seed) {
        int users = o.users();
        boolean spread = o.credit().equals("spread");
        Random random = new Random(seed);
        Ids ids = new Ids(Clock.systemUTC());
        long now = System.currentTimeMillis();
        boolean two = shape.equals("linked") || shape.equals("pending");
        int n = two ? transfers / 2 : transfers;
        Request[] out = new Request[n];
        for (int i = 0; i < n; i++) {
            String event = ids.next("chatcmpl-");
            int user = random.nextInt(users);
            long amount = 100 + random.nextInt(1_900);
            long at = now - 1_500;
            String revenue = spread ? "payouts:p" + random.nextInt(SPREAD) : REVENUE.id();
            out[i] = switch (shape) {
                case "linked" ->
                    new Request(
                            List.of(
                                    Transfer.posted(
                                            "usage:" + event + ":granted",
                                            granted(user),
                                            revenue,
                                            amount / 3 + 1,
                                            "usage",
                                            event,
                                            at),
                                    Transfer.posted(
                                            "usage:" + event + ":paid",
                                            paid(user),
                                            revenue,
                                            amount - amount / 3 - 1,
                                            "usage",
                                            event,
                                            at)),
                            null);
                case "pending" ->
                    new Request(
                            List.of(Transfer.pending(
                                    "reserve:" + event,
                                    paid(user),
                                    revenue,
                                    amount + 500,
                                    "reservation",
                                    event,
                                    at,
                                    now + 600_000)),
                            List.of(Transfer.post("usage:" + event, "reserve:" + event, amount, "usage", event, at)));
                default ->
                    new Request(
                            List.of(Transfer.posted("usage:" + event, paid(user), revenue, amount, "usage", event, at)),
                            null);
            };
        }
        return out;
    }

    // --- two writers -----------------------------------------------------------------------------

    private static void twoWriters(Report report, TestDatabase engine, List<String> shapes, Options o)
            throws Exception {
        Map<String, List<Run>> one = new LinkedHashMap<>();
        Map<String, List<Run>> many = new LinkedHashMap<>();
        for (String shape : shapes) {
            Report.progress("ledger PostgreSQL " + shape + " x" + o.writers() + ": warm-up");
            run(engine, shape, o.writers(), Math.max(o.transfers() / 10, 4 * o.threads()), o, true);
        }
        for (int round = 1; round <= o.rounds(); round++) {
            for (String shape : shapes) {
                Run a = run(engine, shape, 1, o.transfers(), o, false);
                Report.progress("ledger PostgreSQL round " + round + " " + a.oneLine());
                Run b = run(engine, shape, o.writers(), o.transfers(), o, false);
                Report.progress("ledger PostgreSQL round " + round + " " + b.oneLine());
                one.computeIfAbsent(shape, k -> new ArrayList<>()).add(a);
                many.computeIfAbsent(shape, k -> new ArrayList<>()).add(b);
            }
        }
        report.line("### PostgreSQL, " + o.writers() + " writers")
                .line("")
                .line(o.writers() + " `GroupCommitLedger`s, each on its own `Database` (connection pool), as "
                        + o.writers() + " processes would be; *single* splits its " + o.threads() + " threads "
                        + "between them, *batched* has one caller per writer. Each round runs one writer, then "
                        + o.writers() + ", on fresh schemas. *failed attempts*: batches the database refused "
                        + "and the ledger retried (deadlocks, serialization failures, a transfer id stored by "
                        + "the other writer meanwhile).")
                .line("");
        List<List<String>> rows = new ArrayList<>();
        for (String shape : shapes) {
            List<Run> as = one.get(shape);
            List<Run> bs = many.get(shape);
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < as.size(); i++)
                ratios.add(bs.get(i).rate() / as.get(i).rate());
            for (List<Run> rs : List.of(as, bs)) {
                Run m = medianRun(rs);
                rows.add(List.of(
                        shape,
                        String.valueOf(m.writers()),
                        fmt(Samples.median(rs.stream().map(Run::rate).toList())),
                        m.writers() == 1 ? "1" : String.format(Locale.ROOT, "%.2fx", Samples.median(ratios)),
                        perRound(rs),
                        batches(m),
                        String.valueOf(
                                rs.stream().mapToLong(Run::failedAttempts).sum()),
                        String.format(Locale.ROOT, "%.2f", m.applyNanos() / 1e6 / Math.max(1, m.batches())),
                        latency(m)));
            }
        }
        report.table(
                List.of(
                        "shape",
                        "writers",
                        "transfers/s",
                        "vs 1 writer",
                        "per round",
                        "batches, chains/batch mean (max)",
                        "failed attempts (all rounds)",
                        "ms per batch in apply",
                        "request latency p50 / p99"),
                rows);
    }

    // --- the report ------------------------------------------------------------------------------

    private static void section(Report report, String name, Map<String, List<Run>> runs, Options o) {
        report.line("### " + name).line("");
        List<Run> direct = runs.get("direct");
        List<List<String>> rows = new ArrayList<>();
        for (var e : runs.entrySet()) {
            List<Run> rs = e.getValue();
            Run m = medianRun(rs);
            double rate = Samples.median(rs.stream().map(Run::rate).toList());
            String vs = "—";
            if (direct != null && !e.getKey().equals("direct")) {
                List<Double> ratios = new ArrayList<>();
                for (int i = 0; i < rs.size(); i++)
                    ratios.add(rs.get(i).rate() / direct.get(i).rate());
                vs = String.format(Locale.ROOT, "%.2fx", Samples.median(ratios));
            }
            rows.add(List.of(
                    e.getKey(),
                    fmt(rate),
                    vs,
                    perRound(rs),
                    batches(m),
                    String.format(Locale.ROOT, "%.2f", m.applyNanos() / 1e6 / Math.max(1, m.batches())),
                    String.format(Locale.ROOT, "%,d / %,d", m.refused(), m.transfers()),
                    String.format(
                                    Locale.ROOT,
                                    "%.1f / %.1f",
                                    m.applyCpuNanos() / 1e3 / m.transfers(),
                                    m.cpuNanos() / 1e3 / m.transfers())
                            + (m.pgCpuNanos() > 0
                                    ? String.format(Locale.ROOT, " + %.1f", m.pgCpuNanos() / 1e3 / m.transfers())
                                    : ""),
                    String.format(Locale.ROOT, "%.1f", m.writtenBytes() / 1024.0 / m.transfers()),
                    latency(m),
                    m.load()));
        }
        report.table(
                List.of(
                        "shape",
                        "transfers/s",
                        "vs direct",
                        "per round",
                        "batches, chains/batch mean (max)",
                        "ms per batch in apply",
                        "refused / transfers",
                        "µs CPU/transfer: writer in apply / this JVM"
                                + (name.equals("PostgreSQL") ? " + postgres processes" : ""),
                        "KiB written/transfer",
                        "request latency p50 / p99",
                        "load (1 min)"),
                rows);
        for (String shape : List.of("batched", "single")) {
            List<Run> rs = runs.get(shape);
            if (rs == null) continue;
            double rate = Samples.median(rs.stream().map(Run::rate).toList());
            if (o.whatIf()) continue;
            report.summary(
                    "e. ledger (" + name + ", " + shape + ")",
                    "transfers/s durable" + (shape.equals("single") ? ", " + o.threads() + " threads" : ""),
                    fmt(rate),
                    TARGET_TEXT,
                    rate >= TARGET);
        }
    }

    /** The run whose rate is the median (the lower middle one for an even count). */
    private static Run medianRun(List<Run> runs) {
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(Run::rate));
        return sorted.get((sorted.size() - 1) / 2);
    }

    private static String perRound(List<Run> runs) {
        return String.join(", ", runs.stream().map(r -> fmt(r.rate())).toList());
    }

    private static String batches(Run m) {
        long max = Arrays.stream(m.chainsPerBatch()).max().orElse(0);
        return String.format(Locale.ROOT, "%,d, %,.1f (%,d)", m.batches(), m.meanChains(), max);
    }

    private static String latency(Run m) {
        if (m.latencies() == null) return "—";
        long[] sorted = m.latencies().clone();
        Arrays.sort(sorted);
        return String.format(
                Locale.ROOT,
                "%.1f / %.1f ms",
                Machine.ms(Machine.at(sorted, 0.50)),
                Machine.ms(Machine.at(sorted, 0.99)));
    }

    private static String fmt(double rate) {
        return String.format(Locale.ROOT, "%,.0f", rate);
    }

    // --- measuring -------------------------------------------------------------------------------

    /** A repository that counts what the ledger hands it: batch sizes, time, failed attempts. */
    static final class CountingRepository implements LedgerRepository {
        private final LedgerRepository inner;
        final List<Long> chains = new ArrayList<>();
        long transfers;
        final AtomicLong failures = new AtomicLong();
        final AtomicLong nanos = new AtomicLong();
        /** CPU time of the thread that called {@code apply} (the ledger's writer), inside it. */
        final AtomicLong cpu = new AtomicLong();

        CountingRepository(LedgerRepository inner) {
            this.inner = inner;
        }

        @Override
        public List<List<TransferResult>> apply(List<List<Transfer>> batch, long now) {
            long s = System.nanoTime();
            long cpuStart = THREADS.getCurrentThreadCpuTime();
            try {
                List<List<TransferResult>> out = inner.apply(batch, now);
                int n = 0;
                for (List<Transfer> c : batch) n += c.size();
                synchronized (this) {
                    chains.add((long) batch.size());
                    transfers += n;
                }
                return out;
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                throw e;
            } finally {
                nanos.addAndGet(System.nanoTime() - s);
                cpu.addAndGet(THREADS.getCurrentThreadCpuTime() - cpuStart);
            }
        }

        @Override
        public LedgerAccount open(LedgerAccount account, long now) {
            return inner.open(account, now);
        }

        @Override
        public List<Balance> balances(Collection<String> accountIds) {
            return inner.balances(accountIds);
        }

        @Override
        public List<Balance> balancesOf(String owner) {
            return inner.balancesOf(owner);
        }

        @Override
        public List<Balance> allBalances() {
            return inner.allBalances();
        }

        @Override
        public List<AuditRow> auditRows() {
            return inner.auditRows();
        }

        @Override
        public List<Balance> balancesOfKind(dev.breakeven.ledger.AccountKind kind) {
            return inner.balancesOfKind(kind);
        }

        @Override
        public List<StoredTransfer> transfersById(Collection<String> ids) {
            return inner.transfersById(ids);
        }

        @Override
        public Optional<StoredTransfer> transfer(String id) {
            return inner.transfer(id);
        }

        @Override
        public List<StoredTransfer> transfers(TransferQuery query) {
            return inner.transfers(query);
        }

        @Override
        public Optional<Balance> balanceAt(String accountId, long at) {
            return inner.balanceAt(accountId, at);
        }

        @Override
        public List<String> expiredPending(long now, int limit) {
            return inner.expiredPending(now, limit);
        }
    }

    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * CPU time (user + system) of every process named {@code postgres} on this machine, from {@code
     * /proc}: the server's share of the work. Other users of the same server add to it.
     */
    static long postgresCpuNanos() {
        long ticks = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) continue;
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    if (!stat.substring(open + 1, close).equals("postgres")) continue;
                    String[] f = stat.substring(close + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (IOException | RuntimeException e) {
                    // the process ended meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks * 10_000_000L; // USER_HZ = 100
    }

    /** The 1, 5 and 15 minute load averages. */
    static String load3() {
        String[] f = Machine.loadAverage().split(" ");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : Machine.loadAverage();
    }

    /**
     * Bytes this process (SQLite) or every {@code postgres} process (PostgreSQL) has caused to be
     * written to storage ({@code write_bytes} of {@code /proc/<pid>/io}; 0 where unreadable).
     */
    static long writtenBytes(TestDatabase engine) {
        if (engine == TestDatabase.SQLITE) return ioWriteBytes(Path.of("/proc/self"));
        long sum = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) continue;
                try {
                    if (Files.readString(p.resolve("comm")).strip().equals("postgres")) sum += ioWriteBytes(p);
                } catch (IOException | RuntimeException e) {
                    // ended meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return sum;
    }

    private static long ioWriteBytes(Path proc) {
        try {
            for (String line : Files.readAllLines(proc.resolve("io"))) {
                if (line.startsWith("write_bytes:"))
                    return Long.parseLong(line.substring(12).strip());
            }
        } catch (IOException | RuntimeException e) {
            // not readable
        }
        return 0;
    }

    private static String pgSetting(String name) {
        try (var c = java.sql.DriverManager.getConnection(System.getenv(TestDatabase.PG_URL_VARIABLE));
                var rs = c.createStatement().executeQuery("SHOW " + name)) {
            return rs.next() ? name + " = " + rs.getString(1) : "?";
        } catch (java.sql.SQLException e) {
            return "?";
        }
    }

    private LedgerBench() {}
}
