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
 * (or a few) followed by a cursor update. Two of the kills are aimed: the child is told to stop at
 * the moment sought ({@link RaterProcess}: its thread blocks there and says so), what the database
 * shows is checked against that moment while the child is held, and it is killed there; nothing of
 * it runs between the check and the kill.
 *
 * <ul>
 *   <li>{@link Moment#LEDGER_TRANSACTION_OPEN}: a ledger batch is written but not committed: the
 *       child holds SQLite's write lock, or on PostgreSQL a connection of the child is idle in a
 *       transaction that has read or written the ledger; after the kill none of it is stored.
 *   <li>{@link Moment#LEDGER_COMMITTED_CURSOR_NOT}: usage transfers of events after the cursor are
 *       committed and the cursor is about to move, so the restart re-reads events that are already
 *       posted.
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
                Held held = killAt(child, kill.moment());
                assertThat(child.process.waitFor(30, TimeUnit.SECONDS))
                        .as("the rater died")
                        .isTrue();
                assertThat(child.process.exitValue())
                        .as("destroyForcibly() is SIGKILL")
                        .isEqualTo(KILLED_BY_SIGKILL);

                long transfers = usageTransfers();
                long cursor = parts.cursor.load();
                long beyond = eventsRatedBeyondTheCursor();
                log.append(("%n  killed %s at %d of %d usage transfers, cursor %d of %d,"
                                + " %d events rated beyond the cursor")
                        .formatted(kill.moment(), transfers, total, cursor, EVENTS, beyond));
                assertThat(transfers)
                        .as("the kill landed while rating was in progress")
                        .isGreaterThanOrEqualTo(target)
                        .isGreaterThan(before)
                        .isLessThan(total);
                assertThat(cursor)
                        .as("the cursor is short of the journal's end")
                        .isLessThan(EVENTS);
                if (held != null) {
                    assertThat(allTransfers())
                            .as("no transfer was committed after the child was held at " + kill.moment())
                            .isEqualTo(held.transfers());
                    assertThat(cursor)
                            .as("the cursor did not move after the child was held at " + kill.moment())
                            .isEqualTo(held.cursor());
                }
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

    /** What the database held while the child was held at a moment: every transfer, and the cursor. */
    record Held(long transfers, long cursor) {}

    /**
     * SIGKILLs the child at the moment sought: has it stop there, checks that the database shows
     * that moment while the child is held, and kills it.
     *
     * @return what the database held while the child was held, null for {@link Moment#ANY}
     */
    Held killAt(Child child, Moment moment) throws IOException, InterruptedException {
        Held held = null;
        if (moment != Moment.ANY) {
            long n = child.holdAt(moment);
            held = new Held(allTransfers(), parts.cursor.load());
            if (moment == Moment.LEDGER_TRANSACTION_OPEN) {
                assertThat(held.transfers())
                        .as("the held ledger transaction has written transfers that are not committed")
                        .isLessThan(n);
                assertThat(engine == TestDatabase.SQLITE ? sqliteWriteLockHeld() : childInLedgerTransaction())
                        .as("the child is inside a ledger transaction")
                        .isTrue();
            } else {
                assertThat(held.cursor())
                        .as("the cursor is short of the seq it is about to save")
                        .isLessThan(n);
                assertThat(eventsRatedBeyondTheCursor())
                        .as("the pass's transfers are committed before the cursor moves")
                        .isPositive();
            }
        }
        child.process.destroyForcibly();
        return held;
    }

    /** The child's PostgreSQL connections: {state, last statement}. */
    private List<String[]> childConnections() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT state, query FROM pg_stat_activity"
                        + " WHERE application_name = :app AND state IS NOT NULL")
                .bind("app", CHILD_APPLICATION)
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)})
                .list());
    }

    /**
     * A connection of the child is idle in a transaction whose last statement is the ledger's (while
     * the child is held before a ledger commit, that is its own count of {@code ledger_transfers}).
     */
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

    long allTransfers() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ledger_transfers")
                .mapTo(Long.class)
                .one());
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

    /**
     * {@link RaterProcess} in its own JVM: stdout read for its lines, commands to its stdin, stderr
     * to a file.
     */
    static final class Child {
        final String name;
        final Process process;
        final Path stderr;
        final CompletableFuture<String> rating = new CompletableFuture<>();
        final CompletableFuture<String> held = new CompletableFuture<>();
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
                    if (line.equals("rating")) rating.complete(line);
                    if (line.startsWith("held ")) held.complete(line);
                }
            } catch (IOException e) {
                rating.completeExceptionally(e);
                held.completeExceptionally(e);
            }
            rating.completeExceptionally(new IllegalStateException(name + " closed its stdout before rating"));
            held.completeExceptionally(new IllegalStateException(name + " closed its stdout before it was held"));
        }

        void awaitRating() throws InterruptedException {
            await(rating, STARTUP, "start rating");
        }

        /**
         * Has the child stop at {@code moment} the next time its rater gets there, and waits until it
         * is held there.
         *
         * @return the number the child gives with the moment (see {@link RaterProcess})
         */
        long holdAt(Moment moment) throws IOException, InterruptedException {
            var in = process.outputWriter(StandardCharsets.UTF_8);
            in.write("hold " + moment + "\n");
            in.flush();
            String line = await(held, PROGRESS, "get to " + moment);
            String prefix = "held " + moment + " ";
            if (!line.startsWith(prefix)) throw new AssertionError(name + " was held elsewhere: " + line);
            return Long.parseLong(line.substring(prefix.length()));
        }

        private String await(CompletableFuture<String> line, Duration within, String what) throws InterruptedException {
            try {
                return line.get(within.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError(e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new AssertionError(name + " did not " + what + " within " + within);
            }
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
