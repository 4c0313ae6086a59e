package dev.breakeven.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.ledger.AccountKind;
import dev.breakeven.ledger.Balance;
import dev.breakeven.ledger.GroupCommitLedger;
import dev.breakeven.ledger.JdbiLedgerRepository;
import dev.breakeven.ledger.LedgerAudit;
import dev.breakeven.ledger.Violation;
import dev.breakeven.metering.JdbiJournalRepository;
import dev.breakeven.store.Database;
import dev.breakeven.store.DatabaseSettings;
import dev.breakeven.store.Ids;
import dev.breakeven.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code kill -9} of the rater at any moment neither loses a charge nor posts one twice: the rater
 * runs in a JVM of its own ({@link RaterProcess}) over a journal of 20,000 usage events, is
 * SIGKILLed while it is verifiably part way, and rating restarts on the same database — three
 * times, at three points — until the journal is drained. The books must then be exactly those one
 * clean rating gives, transfer by transfer ({@link RatingWorkload#expected()}), and pass the checks
 * of {@code breakeven ledger check}; right after each kill, those checks must pass too.
 *
 * <p>The rater rates 25 events a pass, so that it commits often: each pass is a ledger transaction
 * (or a few) followed by a cursor update. Two of the kills are aimed: the child is frozen
 * ({@code SIGSTOP}) whenever the database shows the moment sought, the moment is confirmed while
 * nothing can move, and only then is the child killed; otherwise it is let go ({@code SIGCONT}) and
 * watched again.
 *
 * <ul>
 *   <li>{@link Moment#LEDGER_TRANSACTION_OPEN}: a ledger batch is written but not committed. On
 *       PostgreSQL, a connection of the child is idle in a transaction whose last statement is the
 *       ledger's; on SQLite, the child holds the write lock while no ledger rows lie beyond the
 *       cursor (so it is not the cursor's update).
 *   <li>{@link Moment#LEDGER_COMMITTED_CURSOR_NOT}: usage transfers of events after the cursor are
 *       committed, so the restart re-reads events that are already posted.
 *   <li>{@link Moment#ANY}: at once, wherever the rater is.
 * </ul>
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RaterCrashTest {
    static final int EVENTS = 20_000;
    static final int BATCH = 25;
    /** The child's connections on PostgreSQL, to find them in {@code pg_stat_activity}. */
    static final String CHILD_APPLICATION = "breakeven-rater-child";

    /** Where in its work the rater is killed. */
    enum Moment {
        LEDGER_TRANSACTION_OPEN,
        LEDGER_COMMITTED_CURSOR_NOT,
        ANY
    }

    /** Kill once this share of the usage transfers is stored, at that moment. */
    record Kill(double share, Moment moment) {}

    static final List<Kill> KILLS = List.of(
            new Kill(0.15, Moment.LEDGER_TRANSACTION_OPEN),
            new Kill(0.50, Moment.LEDGER_COMMITTED_CURSOR_NOT),
            new Kill(0.85, Moment.ANY));
    static final Duration STARTUP = Duration.ofSeconds(60);
    static final Duration PROGRESS = Duration.ofSeconds(120);
    /** What {@link Process#exitValue()} reports on Unix for a process that died of signal 9. */
    static final int KILLED_BY_SIGKILL = 128 + 9;

    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    String url;
    Database db;
    Parts parts;
    RatingWorkload workload;
    RatingWorkload.Books expected;
    final List<Child> children = new ArrayList<>();

    /** The money parts of one process over the test database. */
    static final class Parts implements AutoCloseable {
        final Clock clock = Clock.systemUTC();
        final JdbiJournalRepository journal;
        final JdbiLedgerRepository ledgerRepository;
        final GroupCommitLedger ledger;
        final PriceBook prices;
        final Wallets wallets;
        final JdbiRaterCursor cursor;

        Parts(Database db) {
            journal = new JdbiJournalRepository(db);
            ledgerRepository = new JdbiLedgerRepository(db);
            ledger = new GroupCommitLedger(ledgerRepository, clock);
            prices = new PriceBook(new JdbiPriceRepository(db.jdbi()), new Ids(clock), clock, Duration.ZERO);
            wallets = new Wallets(ledger);
            cursor = new JdbiRaterCursor(db);
        }

        Rater rater(Rater.Settings settings) {
            return new Rater(journal, cursor, prices, ledger, wallets, clock, settings);
        }

        /** What {@code breakeven ledger check} reports. */
        List<Violation> audit() {
            List<Violation> out = new ArrayList<>(new LedgerAudit(ledgerRepository).check());
            out.addAll(new BillingAudit(journal, cursor, prices, ledger).check());
            return out;
        }

        @Override
        public void close() {
            ledger.close();
        }
    }

    @BeforeEach
    void seed() {
        url = engine.freshUrl(dir);
        db = Database.open(DatabaseSettings.of(url));
        parts = new Parts(db);
        long now = System.currentTimeMillis();
        workload = new RatingWorkload(20261128, EVENTS, now - 3_600_000, now + 86_400_000);
        workload.seed(parts.prices, parts.wallets, parts.ledger, parts.journal);
        expected = workload.expected();
        assertThat(parts.journal.lastSeq()).isEqualTo(EVENTS);
    }

    @AfterEach
    void close() {
        children.forEach(Child::kill);
        if (parts != null) parts.close();
        if (db != null) db.close();
        if (engine == TestDatabase.POSTGRESQL && url != null) dropSchema();
    }

    @Test
    void cleanRating_givesTheBooksTheRulesGive_transferByTransfer() {
        parts.rater(Rater.Settings.defaults()).drain();

        assertBooksAreExactlyTheExpected(parts);
        // the workload meets every leg a chain can have, and wallets of every shape
        assertThat(expected.usageTransfers().keySet())
                .anyMatch(id -> id.endsWith(":g"))
                .anyMatch(id -> id.endsWith(":p"))
                .anyMatch(id -> id.endsWith(":g2"))
                .anyMatch(id -> id.endsWith(":p2"))
                .anyMatch(id -> id.endsWith(":r"));
        assertThat(expected.wallets().values())
                .anyMatch(w -> w.owed() > 0 && w.granted() == 0 && w.paid() == 0)
                .anyMatch(w -> w.owed() == 0 && w.paid() > 0)
                .anyMatch(w -> w.reserved() > 0);
    }

    @Test
    void rater_killedMidRating_atThreePoints_restarts_andPostsNothingTwice() throws Exception {
        long started = System.nanoTime();
        int total = expected.usageTransfers().size();
        StringBuilder log = new StringBuilder();
        long before = 0;
        try {
            for (Kill kill : KILLS) {
                long target = (long) (total * kill.share());
                Child child = Child.start(this, "rater-" + (int) (kill.share() * 100));
                child.awaitRating();
                // this child must have rated something itself: an earlier kill may have landed past this target
                awaitUsageTransfers(child, Math.max(target, before + 1));
                int freezes = killAt(child, kill.moment());
                assertThat(child.process.waitFor(30, TimeUnit.SECONDS))
                        .as("the rater died")
                        .isTrue();
                assertThat(child.process.exitValue())
                        .as("destroyForcibly() is SIGKILL")
                        .isEqualTo(KILLED_BY_SIGKILL);

                long transfers = usageTransfers();
                long cursor = parts.cursor.load();
                long beyond = eventsRatedBeyondTheCursor();
                log.append(("%n  killed %s (after %d freezes) at %d of %d usage transfers, cursor %d of %d,"
                                + " %d events rated beyond the cursor")
                        .formatted(kill.moment(), freezes, transfers, total, cursor, EVENTS, beyond));
                assertThat(transfers)
                        .as("the kill landed while rating was in progress")
                        .isGreaterThanOrEqualTo(target)
                        .isGreaterThan(before)
                        .isLessThan(total);
                assertThat(cursor)
                        .as("the cursor is short of the journal's end")
                        .isLessThan(EVENTS);
                if (kill.moment() == Moment.LEDGER_COMMITTED_CURSOR_NOT)
                    assertThat(beyond)
                            .as("events posted but not passed by the cursor")
                            .isPositive();
                assertThat(parts.audit())
                        .as("right after the kill the ledger is consistent and every event up to the cursor is posted")
                        .isEmpty();
                before = transfers;
            }

            try (Parts restarted = new Parts(db)) {
                int rows = restarted
                        .rater(new Rater.Settings(BATCH, Duration.ofMillis(10), Duration.ofSeconds(10)))
                        .drain();
                log.append("%n  restarted in-process, rated %d more journal rows".formatted(rows));

                assertBooksAreExactlyTheExpected(restarted);
            }
            System.out.printf(
                    "%s: %d events, %d usage transfers, %d s%s%n",
                    engine, EVENTS, total, (System.nanoTime() - started) / 1_000_000_000, log);
        } catch (Throwable t) {
            StringBuilder b = new StringBuilder(String.valueOf(t.getMessage())).append(log);
            for (Child c : children) b.append('\n').append(c.tail());
            throw new AssertionError(b.toString(), t);
        }
    }

    /**
     * SIGKILLs the child at the moment sought: watches the database for it, freezes the child when it
     * shows, confirms it while the child cannot move, and kills it — or lets it go on and watches
     * again.
     *
     * @return how many times the child was frozen
     */
    int killAt(Child child, Moment moment) throws IOException, InterruptedException {
        if (moment == Moment.ANY) {
            child.process.destroyForcibly();
            return 0;
        }
        long deadline = System.nanoTime() + PROGRESS.toNanos();
        for (int freezes = 1; ; freezes++) {
            while (!looksLike(moment)) {
                if (!child.process.isAlive() || System.nanoTime() > deadline)
                    throw new AssertionError("the rater was never seen " + moment + " (" + freezes + " freezes)");
                Thread.sleep(1); // polling interval
            }
            child.signal("STOP");
            if (quiet() && confirmed(moment)) {
                child.process.destroyForcibly(); // SIGKILL works on a stopped process
                return freezes;
            }
            child.signal("CONT");
        }
    }

    /** A cheap look that does not disturb the child: worth freezing it to confirm? */
    private boolean looksLike(Moment moment) {
        return switch (moment) {
            case LEDGER_COMMITTED_CURSOR_NOT -> eventsRatedBeyondTheCursor() > 0;
            case LEDGER_TRANSACTION_OPEN -> engine == TestDatabase.SQLITE || childInLedgerTransaction();
            case ANY -> true;
        };
    }

    /** Whether the moment holds; called while the child is frozen and the database {@link #quiet()}. */
    private boolean confirmed(Moment moment) {
        return switch (moment) {
            case LEDGER_COMMITTED_CURSOR_NOT -> eventsRatedBeyondTheCursor() > 0;
            case LEDGER_TRANSACTION_OPEN ->
                engine == TestDatabase.SQLITE
                        ? sqliteWriteLockHeld() && eventsRatedBeyondTheCursor() == 0
                        : childInLedgerTransaction();
            case ANY -> true;
        };
    }

    /**
     * On PostgreSQL, waits until none of the frozen child's statements is still running on the
     * server, so that what is committed cannot change before the kill (its open transaction, if
     * any, is rolled back when it dies). On SQLite the frozen process is the only writer: nothing
     * moves.
     */
    private boolean quiet() throws InterruptedException {
        if (engine == TestDatabase.SQLITE) return true;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            long active = childConnections().stream()
                    .filter(c -> c[0].equals("active"))
                    .count();
            if (active == 0) return true;
            Thread.sleep(1); // polling interval
        }
        return false;
    }

    /** The child's PostgreSQL connections: {state, last statement}. */
    private List<String[]> childConnections() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT state, query FROM pg_stat_activity"
                        + " WHERE application_name = :app AND state IS NOT NULL")
                .bind("app", CHILD_APPLICATION)
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)})
                .list());
    }

    /** A connection of the child is in a transaction whose last statement is the ledger batch's. */
    private boolean childInLedgerTransaction() {
        return childConnections().stream()
                .anyMatch(c -> c[0].equals("idle in transaction")
                        && (c[1].contains("ledger_transfers")
                                || c[1].contains("FOR UPDATE")
                                || c[1].startsWith("UPDATE ledger_accounts")));
    }

    /** Whether another connection holds SQLite's write lock: {@code BEGIN IMMEDIATE} fails at once if so. */
    private boolean sqliteWriteLockHeld() {
        try (Connection c = DriverManager.getConnection(url + "?busy_timeout=0")) {
            try {
                c.createStatement().execute("BEGIN IMMEDIATE");
            } catch (SQLException e) {
                if (e.getMessage().contains("SQLITE_BUSY")) return true;
                throw e;
            }
            c.createStatement().execute("ROLLBACK");
            return false;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot probe the SQLite write lock: " + e.getMessage(), e);
        }
    }

    /** Everything a clean rating of the workload leaves, and the checks of {@code ledger check}. */
    void assertBooksAreExactlyTheExpected(Parts p) {
        assertThat(p.audit()).as("ledger check").isEmpty();
        assertThat(p.cursor.load()).as("the cursor is at the journal's end").isEqualTo(EVENTS);

        Map<String, Long> actual = usageTransfersById();
        List<String> differences = new ArrayList<>();
        for (String id :
                new TreeSet<>(union(actual.keySet(), expected.usageTransfers().keySet()))) {
            Long a = actual.get(id);
            Long e = expected.usageTransfers().get(id);
            if (!Objects.equals(a, e)) differences.add(id + ": expected " + e + ", stored " + a);
        }
        assertThat(differences.size())
                .as(
                        "usage transfers (%d stored, %d expected) that differ from a clean rating's, first: %s",
                        actual.size(),
                        expected.usageTransfers().size(),
                        differences.subList(0, Math.min(20, differences.size())))
                .isZero();

        long revenue = p.ledger
                .balance(AccountKind.REVENUE_COMPUTE.account().id())
                .orElseThrow()
                .creditBalance();
        assertThat(revenue)
                .as("revenue:compute is the sum of the events' charges")
                .isEqualTo(expected.revenue());
        for (String account : expected.wallets().keySet()) {
            assertThat(p.wallets.balance(account)).isEqualTo(expected.wallets().get(account));
        }
        List<Balance> wallets = new ArrayList<>(p.ledger.balancesOfKind(AccountKind.USER_WALLET_GRANTED));
        wallets.addAll(p.ledger.balancesOfKind(AccountKind.USER_WALLET_PAID));
        assertThat(wallets).hasSize(2 * expected.wallets().size());
        assertThat(wallets).as("no wallet below zero").allSatisfy(b -> {
            assertThat(b.available()).as(b.account().id()).isNotNegative();
            assertThat(b.respectsRule()).as(b.account().id()).isTrue();
        });
        assertThat(openReservations())
                .as("only the reservations without an event are still pending")
                .isEqualTo(expected.openReservations())
                .isPositive();
    }

    private static <T> List<T> union(java.util.Collection<T> a, java.util.Collection<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private void awaitUsageTransfers(Child child, long target) throws InterruptedException {
        long deadline = System.nanoTime() + PROGRESS.toNanos();
        while (usageTransfers() < target) {
            if (!child.process.isAlive()) {
                throw new AssertionError("the rater exited (" + child.process.exitValue() + ") before " + target
                        + " usage transfers were stored: it was too fast to be killed mid-way");
            }
            if (System.nanoTime() > deadline)
                throw new AssertionError("fewer than " + target + " usage transfers after " + PROGRESS);
            Thread.sleep(1); // polling interval
        }
    }

    long usageTransfers() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ledger_transfers WHERE code = 'usage'")
                .mapTo(Long.class)
                .one());
    }

    /**
     * Events after the cursor that already have usage transfers: the ledger committed them and the
     * cursor has not moved over them. One statement, so the cursor and the transfers are read in one
     * snapshot.
     */
    long eventsRatedBeyondTheCursor() {
        // the rater waits for a pass's transfers before it moves the cursor: at most one pass lies beyond
        return db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM journal j,"
                        + " (SELECT COALESCE(MAX(seq), 0) AS at FROM billing_cursor WHERE name = 'rater') c"
                        + " WHERE j.seq > c.at AND j.seq <= c.at + " + 4 * BATCH
                        + " AND EXISTS (SELECT 1 FROM ledger_transfers t WHERE t.reference = j.event_id"
                        + " AND t.code = 'usage')")
                .mapTo(Long.class)
                .one());
    }

    Map<String, Long> usageTransfersById() {
        Map<String, Long> out = new HashMap<>();
        db.jdbi().useHandle(h -> h.createQuery("SELECT id, amount FROM ledger_transfers WHERE code = 'usage'")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .forEach(e -> out.put(e.getKey(), e.getValue())));
        return out;
    }

    long openReservations() {
        return db.jdbi()
                .withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ledger_transfers t WHERE t.phase = 'pending'"
                                + " AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id)")
                        .mapTo(Long.class)
                        .one());
    }

    private void dropSchema() {
        Matcher m = Pattern.compile("currentSchema=(\\w+)").matcher(url);
        if (!m.find()) return;
        try (Connection c = DriverManager.getConnection(TestDatabase.pgUrl())) {
            c.createStatement().execute("DROP SCHEMA " + m.group(1) + " CASCADE");
        } catch (SQLException e) {
            // a leftover test schema harms nothing; the next run uses a new name
        }
    }

    /** {@link RaterProcess} in its own JVM: stdout read for its lines, stderr to a file. */
    static final class Child {
        final String name;
        final Process process;
        final Path stderr;
        final CompletableFuture<Void> rating = new CompletableFuture<>();
        final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();

        private Child(String name, Process process, Path stderr) {
            this.name = name;
            this.process = process;
            this.stderr = stderr;
        }

        static Child start(RaterCrashTest test, String name) throws IOException {
            Path stderr = test.dir.resolve(name + ".stderr.log");
            // Small and quick to start on a shared machine: 256 MB, serial GC, C1 only.
            ProcessBuilder pb = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-Xmx256m",
                            "-XX:+UseSerialGC",
                            "-XX:TieredStopAtLevel=1",
                            "-cp",
                            System.getProperty("java.class.path"),
                            RaterProcess.class.getName(),
                            test.engine == TestDatabase.POSTGRESQL
                                    ? test.url + "&ApplicationName=" + CHILD_APPLICATION
                                    : test.url,
                            Integer.toString(BATCH))
                    .directory(test.dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(stderr.toFile());
            Child child = new Child(name, pb.start(), stderr);
            test.children.add(child);
            Thread.ofPlatform().daemon().name(name + "-stdout").start(child::readStdout);
            return child;
        }

        private void readStdout() {
            try (BufferedReader in = process.inputReader(StandardCharsets.UTF_8)) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                    if (line.equals("rating")) rating.complete(null);
                }
            } catch (IOException e) {
                rating.completeExceptionally(e);
            }
            rating.completeExceptionally(new IllegalStateException(name + " closed its stdout before rating"));
        }

        void awaitRating() throws InterruptedException {
            try {
                rating.get(STARTUP.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError(e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new AssertionError(name + " did not start rating within " + STARTUP);
            }
        }

        /** Sends a signal by process id ({@code STOP} freezes the child, {@code CONT} lets it go on). */
        void signal(String name) throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) throw new IOException("kill -" + name + " " + process.pid() + ": " + out);
            if (name.equals("STOP")) awaitStopped();
        }

        /**
         * Waits until every thread of the child is stopped: a thread inside a system call (sending a
         * COMMIT) finishes it before it stops, and what it sent must be seen before the moment is
         * confirmed.
         */
        private void awaitStopped() throws IOException, InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
            while (System.nanoTime() < deadline) {
                boolean all = true;
                try (var threads = Files.list(tasks)) {
                    for (Path t : threads.toList()) {
                        String stat;
                        try {
                            stat = Files.readString(t.resolve("stat"));
                        } catch (IOException gone) {
                            continue; // a thread that ended meanwhile
                        }
                        char state = stat.charAt(stat.lastIndexOf(')') + 2);
                        if (state != 'T' && state != 't') all = false;
                    }
                }
                if (all) return;
                Thread.sleep(1); // polling interval
            }
            throw new IOException("child " + process.pid() + " did not stop");
        }

        void kill() {
            if (!process.isAlive()) return;
            process.destroyForcibly();
            try {
                process.waitFor(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        String tail() {
            StringBuilder b = new StringBuilder("--- " + name + " stdout ---\n");
            lines.forEach(l -> b.append(l).append('\n'));
            b.append("--- ").append(name).append(" stderr (last lines) ---\n");
            try {
                List<String> err = Files.exists(stderr) ? Files.readAllLines(stderr) : List.of();
                err.subList(Math.max(0, err.size() - 30), err.size())
                        .forEach(l -> b.append(l).append('\n'));
            } catch (IOException e) {
                b.append("(unreadable: ").append(e).append(")\n");
            }
            return b.toString();
        }
    }
}
