package dev.breakeven.bench;

import dev.breakeven.billing.JdbiPriceRepository;
import dev.breakeven.billing.JdbiRaterCursor;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.PriceKind;
import dev.breakeven.billing.Rater;
import dev.breakeven.billing.Wallets;
import dev.breakeven.ledger.GroupCommitLedger;
import dev.breakeven.ledger.JdbiLedgerRepository;
import dev.breakeven.ledger.LedgerAudit;
import dev.breakeven.ledger.Transfer;
import dev.breakeven.ledger.TransferResult;
import dev.breakeven.metering.JdbiJournalRepository;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.store.Ids;
import dev.breakeven.testing.TestDatabase;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Rater throughput, durable, on each engine: {@code events} usage events of 1,000 accounts are in
 * the journal (written before the clock starts); half the accounts have granted credits for about
 * half of their usage, so most events post a two-leg chain (wallet, then receivable). Shapes:
 *
 * <ul>
 *   <li>{@code direct}: the reference — the same number of two-leg chains, built beforehand,
 *       handed to the ledger ({@code submitAsync}) back to back. What the ledger can store at best;
 *   <li>{@code rater}: {@link Rater#drain()}: journal reads in seq order, price lookups, balance
 *       and reservation reads, chain building, ledger writes and cursor saves.
 * </ul>
 *
 * Each run is preceded by a smaller unmeasured one to warm the JIT; the audit runs after each
 * measured run and must find nothing.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt) dev.breakeven.bench.RaterBench \
 *     [events=50000] [engines=sqlite,postgresql] [runs=3]
 * </pre>
 */
public final class RaterBench {
    static final int ACCOUNTS = 1_000;

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        List<String> only = args.length > 1 ? List.of(args[1].split(",")) : List.of("sqlite", "postgresql");
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<TestDatabase> engines = new ArrayList<>();
        if (only.contains("sqlite")) engines.add(TestDatabase.SQLITE);
        String pg = System.getenv(TestDatabase.PG_URL_VARIABLE);
        if (only.contains("postgresql")) {
            if (pg != null && !pg.isBlank()) engines.add(TestDatabase.POSTGRESQL);
            else System.out.println("BREAKEVEN_TEST_PG_URL unset: PostgreSQL skipped");
        }
        System.out.printf(
                Locale.ROOT,
                "rater: %,d events over %,d accounts, %d runs, %d cores, %s%n",
                events,
                ACCOUNTS,
                runs,
                Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        for (TestDatabase engine : engines) {
            run(engine, "direct", events / 10, false);
            run(engine, "rater", events / 10, false);
            List<Double> direct = new ArrayList<>();
            List<Double> rater = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                direct.add(run(engine, "direct", events, true));
                rater.add(run(engine, "rater", events, true));
            }
            double d = median(direct);
            double x = median(rater);
            System.out.printf(
                    Locale.ROOT,
                    "%-10s median: direct %,9.0f chains/s, rater %,9.0f events/s (%.2fx of direct)%n",
                    engine.name().toLowerCase(Locale.ROOT),
                    d,
                    x,
                    x / d);
        }
    }

    private static double run(TestDatabase engine, String shape, int events, boolean report) throws Exception {
        Path dir = Files.createTempDirectory("rater-bench");
        try (TestDatabase.Opened opened = engine.open(dir)) {
            Clock clock = Clock.systemUTC();
            JdbiJournalRepository journal = new JdbiJournalRepository(opened.db());
            JdbiLedgerRepository ledgerRepository = new JdbiLedgerRepository(opened.db());
            GroupCommitLedger ledger = new GroupCommitLedger(ledgerRepository, clock);
            PriceBook prices = new PriceBook(new JdbiPriceRepository(opened.db().jdbi()), new Ids(clock), clock);
            prices.set(PriceKind.MODEL_INPUT, "assistant", 150_000, 0, null);
            prices.set(PriceKind.MODEL_OUTPUT, "assistant", 600_000, 0, null);
            Wallets wallets = new Wallets(ledger);
            for (int a = 0; a < ACCOUNTS; a++) {
                wallets.open(account(a));
                // about half the usage of half the accounts: their events drain the wallet, then owe
                if (a % 2 == 0)
                    wallets.grant(account(a), (long) events * 300 / ACCOUNTS / 2 + 1, "g" + a, null, clock.millis());
            }
            long began;
            long cpuBefore = processCpuNanos();
            long created;
            if (shape.equals("direct")) {
                List<List<Transfer>> chains = new ArrayList<>(events);
                for (int i = 0; i < events; i++) {
                    String a = account(i % ACCOUNTS);
                    chains.add(List.of(
                            Transfer.posted(
                                    "d:" + i + ":r", "receivable:" + a, "revenue:compute", 100, "usage", "e" + i, i),
                            Transfer.posted(
                                    "d:" + i + ":x", "receivable:" + a, "revenue:compute", 1, "usage", "e" + i, i)));
                }
                long before = ledger.transfersCreated();
                began = System.nanoTime();
                List<CompletableFuture<List<TransferResult>>> futures = new ArrayList<>(events);
                for (List<Transfer> chain : chains) futures.add(ledger.submitAsync(chain));
                for (CompletableFuture<List<TransferResult>> f : futures) f.join();
                created = ledger.transfersCreated() - before;
            } else {
                Ids ids = new Ids(clock);
                List<UsageEvent> batch = new ArrayList<>();
                for (int i = 0; i < events; i++) {
                    batch.add(event(ids.next("chatcmpl-"), i));
                    if (batch.size() == 4096 || i == events - 1) {
                        journal.insertBatch(batch, clock.millis());
                        batch.clear();
                    }
                }
                JdbiRaterCursor cursor = new JdbiRaterCursor(opened.db());
                Rater rater = new Rater(journal, cursor, prices, ledger, wallets, clock, Rater.Settings.defaults());
                long before = ledger.transfersCreated();
                began = System.nanoTime();
                int moved = rater.drain();
                if (moved != events) throw new IllegalStateException("rated " + moved + " of " + events);
                created = ledger.transfersCreated() - before;
            }
            long elapsed = System.nanoTime() - began;
            long cpu = processCpuNanos() - cpuBefore;
            ledger.close();
            if (!new LedgerAudit(ledgerRepository).check().isEmpty()) throw new IllegalStateException("audit failed");
            double rate = events / (elapsed / 1e9);
            if (report) {
                System.out.printf(
                        Locale.ROOT,
                        "%-10s %-6s %,9.0f %s/s  %,9.0f transfers/s  %,8.1f ms  %5.1f µs CPU/event in this JVM  (load %s)%n",
                        engine.name().toLowerCase(Locale.ROOT),
                        shape,
                        rate,
                        shape.equals("direct") ? "chains" : "events",
                        created / (elapsed / 1e9),
                        elapsed / 1e6,
                        cpu / 1e3 / events,
                        loadAverage());
            }
            return rate;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String account(int a) {
        return "acct_" + a;
    }

    private static UsageEvent event(String id, int i) {
        long now = System.currentTimeMillis();
        return new UsageEvent(
                id,
                now - 1_500,
                account(i % ACCOUNTS),
                "key_" + (i % ACCOUNTS),
                "assistant",
                "gpu-pool-a",
                "m",
                200 + i % 300,
                50 + i % 700,
                false,
                120,
                1_400,
                UsageEvent.Outcome.COMPLETED,
                false,
                null,
                -1,
                false);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "n/a";
        }
    }

    private RaterBench() {}
}
