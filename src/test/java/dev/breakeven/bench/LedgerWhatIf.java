package dev.breakeven.bench;

import dev.breakeven.testing.TestDatabase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a change to the ledger's schema or database settings would gain, measured rather than
 * guessed: runs one {@link LedgerBench} shape on one engine with several variants — the product as
 * it is ({@code base}) and what-if settings ({@code drop=…}, {@code pragma=…}, {@code url=…},
 * {@code credit=spread}; see {@link LedgerBench}) — in the same JVM, interleaved in rounds so that
 * a burst of load on the shared cores hits every variant alike. Reports per variant the median
 * transfers/s, the median of each round's ratio to {@code base}, and the CPU time per transfer of
 * the writer thread inside {@code apply} (which other processes' load inflates far less than wall
 * time), of the whole JVM, and of the {@code postgres} processes.
 *
 * <pre>
 * java -cp … dev.breakeven.bench.LedgerWhatIf engine=sqlite shape=direct transfers=100000 rounds=5 -- \
 *     base "drop=ledger_transfers_debit" "pragma=foreign_keys=OFF" ...
 * </pre>
 *
 * Each variant is one argument after {@code --}: {@code base}, or settings separated by spaces
 * ({@code writers=N} among them runs that variant with N writers).
 */
public final class LedgerWhatIf {

    public static void main(String[] args) throws Exception {
        int dash = Arrays.asList(args).indexOf("--");
        if (dash < 0) throw new IllegalArgumentException("usage: LedgerWhatIf settings… -- variant…");
        List<String> common = new ArrayList<>();
        String engineName = "sqlite";
        String shape = "direct";
        int writers = 1;
        for (String a : Arrays.copyOfRange(args, 0, dash)) {
            if (a.startsWith("engine=")) engineName = a.substring(7);
            else if (a.startsWith("shape=")) shape = a.substring(6);
            else if (a.startsWith("writers=")) writers = Integer.parseInt(a.substring(8));
            else common.add(a);
        }
        TestDatabase engine = engineName.equals("postgresql") ? TestDatabase.POSTGRESQL : TestDatabase.SQLITE;
        List<String> names = List.of(Arrays.copyOfRange(args, dash + 1, args.length));
        List<LedgerBench.Options> variants = new ArrayList<>();
        List<Integer> writersOf = new ArrayList<>();
        for (String v : names) {
            List<String> settings = new ArrayList<>(common);
            int w = writers;
            if (!v.equals("base")) {
                for (String part : v.split(" ")) {
                    if (part.startsWith("writers=")) w = Integer.parseInt(part.substring(8));
                    else settings.add(part);
                }
            }
            variants.add(LedgerBench.Options.parse(settings, false));
            writersOf.add(w);
        }
        LedgerBench.Options first = variants.get(0);
        String loadStart = LedgerBench.load3();
        System.err.println("[whatif] " + engineName + " " + shape + " x" + writers + ", " + String.join(" ", common)
                + "; load " + loadStart);
        for (int v = 0; v < variants.size(); v++) {
            LedgerBench.Run w = LedgerBench.run(
                    engine,
                    shape,
                    writersOf.get(v),
                    Math.max(first.transfers() / 10, 4 * first.threads()),
                    variants.get(v),
                    false);
            System.err.println("[whatif] warm-up " + names.get(v) + ": " + w.oneLine());
        }
        List<List<LedgerBench.Run>> runs = new ArrayList<>();
        for (int v = 0; v < variants.size(); v++) runs.add(new ArrayList<>());
        for (int round = 1; round <= first.rounds(); round++) {
            for (int v = 0; v < variants.size(); v++) {
                LedgerBench.Run r =
                        LedgerBench.run(engine, shape, writersOf.get(v), first.transfers(), variants.get(v), false);
                runs.get(v).add(r);
                System.err.println("[whatif] round " + round + " " + names.get(v) + ": " + r.oneLine());
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%s, shape %s, %d writer(s), %s; %d rounds; load average %s at start, %s at end%n%n",
                engineName,
                shape,
                writers,
                String.join(" ", common),
                first.rounds(),
                loadStart,
                LedgerBench.load3());
        System.out.println("| variant | transfers/s | vs base | per round | CPU µs/transfer: writer in apply / JVM"
                + (engine == TestDatabase.POSTGRESQL ? " / postgres" : "")
                + " | KiB written/transfer | ms per batch in apply | chains/batch | failed attempts |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (int v = 0; v < variants.size(); v++) {
            List<LedgerBench.Run> rs = runs.get(v);
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < rs.size(); i++)
                ratios.add(rs.get(i).rate() / runs.get(0).get(i).rate());
            double applyCpu = Samples.median(rs.stream()
                    .map(r -> r.applyCpuNanos() / 1e3 / r.transfers())
                    .toList());
            double jvmCpu = Samples.median(
                    rs.stream().map(r -> r.cpuNanos() / 1e3 / r.transfers()).toList());
            double pgCpu = Samples.median(
                    rs.stream().map(r -> r.pgCpuNanos() / 1e3 / r.transfers()).toList());
            double written = Samples.median(rs.stream()
                    .map(r -> r.writtenBytes() / 1024.0 / r.transfers())
                    .toList());
            double msBatch = Samples.median(rs.stream()
                    .map(r -> r.applyNanos() / 1e6 / Math.max(1, r.batches()))
                    .toList());
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %,.0f | %.2fx | %s | %.1f / %.1f%s | %.1f | %.1f | %.1f | %d |%n",
                    names.get(v),
                    Samples.median(rs.stream().map(LedgerBench.Run::rate).toList()),
                    Samples.median(ratios),
                    String.join(
                            ", ",
                            rs.stream()
                                    .map(r -> String.format(Locale.ROOT, "%,.0f", r.rate()))
                                    .toList()),
                    applyCpu,
                    jvmCpu,
                    engine == TestDatabase.POSTGRESQL ? String.format(Locale.ROOT, " / %.1f", pgCpu) : "",
                    written,
                    msBatch,
                    Samples.median(rs.stream().map(LedgerBench.Run::meanChains).toList()),
                    rs.stream().mapToLong(LedgerBench.Run::failedAttempts).sum());
        }
    }

    private LedgerWhatIf() {}
}
