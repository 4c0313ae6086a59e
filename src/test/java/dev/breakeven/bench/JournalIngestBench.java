package dev.breakeven.bench;

import dev.breakeven.metering.GroupCommitJournal;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * Journal ingest throughput, durable (SQLite WAL + synchronous=FULL; PostgreSQL commit): {@code
 * threads} virtual threads append {@code events} usage events through {@link GroupCommitJournal}
 * and wait for every future. Three shapes per engine:
 *
 * <ul>
 *   <li>{@code direct}: the reference, no journal: one thread hands the repository batches of the
 *       journal's maximum size, back to back. What this machine and engine can ingest at best, with
 *       the same SQL and durability; the journal's shapes are reported as a ratio of it, which stays
 *       comparable when the shared cores are busy with other work;
 *   <li>{@code burst}: each thread appends its share, then waits for all its futures (the
 *       journal's ceiling: batches fill up to the maximum);
 *   <li>{@code closed}: each thread waits for each event before appending the next, like {@code
 *       threads} requests each acknowledged only once durable (batches hold at most {@code
 *       threads} events).
 * </ul>
 *
 * Runs SQLite on a temporary file, and PostgreSQL too when {@code BREAKEVEN_TEST_PG_URL} is set (in
 * a fresh schema, dropped afterwards). Each shape runs once unmeasured to warm the JIT. {@code
 * -Dbench.maxBatch=N} overrides the journal's largest batch.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat cp.txt) dev.breakeven.bench.JournalIngestBench \
 *     [events=200000] [threads=64] [engines=sqlite,postgresql] [shapes=direct,burst,closed]
 * </pre>
 */
public final class JournalIngestBench {

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        List<String> only = args.length > 2 ? List.of(args[2].split(",")) : List.of("sqlite", "postgresql");
        List<String> shapes = args.length > 3 ? List.of(args[3].split(",")) : List.of("direct", "burst", "closed");
        List<TestDatabase> engines = new ArrayList<>();
        if (only.contains("sqlite")) engines.add(TestDatabase.SQLITE);
        String pg = System.getenv(TestDatabase.PG_URL_VARIABLE);
        if (only.contains("postgresql")) {
            if (pg != null && !pg.isBlank()) engines.add(TestDatabase.POSTGRESQL);
            else System.out.println("BREAKEVEN_TEST_PG_URL unset: PostgreSQL skipped");
        }

        System.out.printf(
                Locale.ROOT,
                "journal ingest: %,d events, %d virtual threads, %d cores, %s%n",
                events,
                threads,
                Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        for (TestDatabase engine : engines) {
            double reference = Double.NaN;
            for (String shape : shapes) {
                run(engine, shape, Math.max(events / 10, threads), threads, false, reference);
                double rate = run(engine, shape, events, threads, true, reference);
                if (shape.equals("direct")) reference = rate;
            }
        }
    }

    /** Runs one shape and returns its events/s; prints them unless it is a warm-up. */
    private static double run(
            TestDatabase engine, String shape, int events, int threads, boolean report, double reference)
            throws Exception {
        Path dir = Files.createTempDirectory("journal-bench");
        try (TestDatabase.Opened opened = engine.open(dir)) {
            JdbiJournalRepository repository = new JdbiJournalRepository(opened.db());
            GroupCommitJournal.Settings defaults = GroupCommitJournal.Settings.defaults();
            int maxBatch = Integer.getInteger("bench.maxBatch", defaults.maxBatch());
            GroupCommitJournal journal = new GroupCommitJournal(
                    repository,
                    Clock.systemUTC(),
                    new GroupCommitJournal.Settings(
                            maxBatch, defaults.capacity(), defaults.attempts(), defaults.backoff()));
            // Built beforehand, so that the run times the journal rather than event construction. Ids
            // are time-ordered like the gateway's (store.Ids), accounts spread over 1,000.
            Ids ids = new Ids(Clock.systemUTC());
            UsageEvent[] batch = new UsageEvent[events];
            for (int i = 0; i < events; i++) batch[i] = event(ids.next("chatcmpl-"), i);
            CountDownLatch start = new CountDownLatch(1);
            long began;
            long cpuBefore = processCpuNanos();
            if (shape.equals("direct")) {
                began = System.nanoTime();
                for (int from = 0; from < events; from += maxBatch) {
                    repository.insertBatch(
                            List.of(batch).subList(from, Math.min(events, from + maxBatch)),
                            System.currentTimeMillis());
                }
            } else {
                try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int t = 0; t < threads; t++) {
                        int thread = t;
                        pool.submit(() -> {
                            start.await();
                            List<CompletableFuture<Void>> futures = new ArrayList<>();
                            for (int i = thread; i < events; i += threads) {
                                CompletableFuture<Void> future = journal.append(batch[i]);
                                if (shape.equals("closed")) future.join();
                                else futures.add(future);
                            }
                            for (CompletableFuture<Void> future : futures) future.join();
                            return null;
                        });
                    }
                    began = System.nanoTime();
                    start.countDown();
                } // waits for every thread, hence every future
            }
            long elapsed = System.nanoTime() - began;
            long cpu = processCpuNanos() - cpuBefore;
            journal.close();
            long stored = repository.count();
            if (stored != events) throw new IllegalStateException("stored " + stored + " of " + events + " events");
            double rate = events / (elapsed / 1e9);
            if (report) {
                boolean direct = shape.equals("direct");
                long batches = direct ? (events + maxBatch - 1) / maxBatch : journal.batchesWritten();
                System.out.printf(
                        Locale.ROOT,
                        "%-10s %-6s %,9.0f events/s %6s  %,8.1f ms  %,6d batches  mean batch %,7.1f  %5.1f µs CPU/event"
                                + " in this JVM  (load %s)%n",
                        engine.name().toLowerCase(Locale.ROOT),
                        shape,
                        rate,
                        direct || Double.isNaN(reference)
                                ? ""
                                : String.format(Locale.ROOT, "(%.2fx)", rate / reference),
                        elapsed / 1e6,
                        batches,
                        (double) events / batches,
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

    private static UsageEvent event(String id, int i) {
        long now = System.currentTimeMillis();
        return new UsageEvent(
                id,
                now - 1_500,
                "acct_" + (i % 1000),
                "key_" + (i % 1000),
                "assistant",
                "gpu-pool-a",
                "meta-llama/Llama-3.1-8B-Instruct",
                200 + i % 300,
                50 + i % 700,
                false,
                120,
                1_400,
                UsageEvent.Outcome.COMPLETED,
                (i & 1) == 0,
                null,
                -1,
                false);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The 1-minute load average: on shared cores, other work skews the numbers. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "n/a";
        }
    }

    private JournalIngestBench() {}
}
