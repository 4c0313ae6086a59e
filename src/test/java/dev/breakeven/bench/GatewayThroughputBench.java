package dev.breakeven.bench;

import dev.breakeven.bench.Load.Path;
import dev.breakeven.bench.Load.Run;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * (b) Throughput at 64 concurrent connections: 64 virtual threads, each with its own keep-alive
 * connection, send non-streamed requests back to back for a fixed time, straight to the mock (the
 * reference) and through the gateway in sync and async mode, interleaved in rounds. The ratio
 * gateway / mock is taken per round; the report gives the median over rounds.
 *
 * <pre>
 * java -cp … dev.breakeven.bench.GatewayThroughputBench [--quick] [--out FILE] [--summary FILE]
 * </pre>
 */
public final class GatewayThroughputBench {
    static final String TITLE = "b. Gateway throughput, 64 connections";
    static final int CONNECTIONS = 64;
    static final double TARGET_RATIO = 0.5;

    private GatewayThroughputBench() {}

    public static void main(String[] args) throws Exception {
        Report report = Report.fromArgs(args);
        try (BenchStack stack = BenchStack.start(StreamingRelayBench.RATE, 100)) {
            stack.warmUp(report);
            run(stack, report);
        }
        report.write();
    }

    /** Runs the benchmark on a started (and warmed-up) stack and adds its section to the report. */
    static void run(BenchStack stack, Report report) throws Exception {
        long runMillis = report.quick ? 2_000 : 10_000;
        int rounds = report.quick ? 1 : 3;
        List<Path> targets = stack.paths();
        Map<Path, List<Run>> byRound = new LinkedHashMap<>();
        for (Path t : targets) byRound.put(t, new ArrayList<>());
        for (int r = 1; r <= rounds; r++) {
            for (Path t : targets) {
                Run run = Load.closedLoop(t, CONNECTIONS, runMillis);
                byRound.get(t).add(run);
                Report.progress(String.format(
                        Locale.ROOT,
                        "round %d/%d %-28s %,8.0f req/s p50 %s p99 %s errors %d",
                        r,
                        rounds,
                        t.label(),
                        run.perSecond(),
                        Samples.micros(run.latency().percentile(50)),
                        Samples.micros(run.latency().percentile(99)),
                        run.errors()));
            }
        }
        Run jdk = jdkClientRun(stack.fastMock, runMillis);
        Report.progress(String.format(Locale.ROOT, "mock via JDK HttpClient %,8.0f req/s", jdk.perSecond()));
        write(report, targets, byRound, jdk, runMillis, rounds);
    }

    private static void write(
            Report report, List<Path> targets, Map<Path, List<Run>> byRound, Run jdk, long runMillis, int rounds) {
        report.line("## " + TITLE)
                .line("")
                .line(String.format(
                        Locale.ROOT,
                        "%d keep-alive connections, each on its own virtual thread, send non-streamed requests back to "
                                + "back (16-token completions, no upstream delay). After the stack's warm-up, %d "
                                + "round(s) of %,d ms per path in the order below. Throughput and latency are medians "
                                + "over rounds; the ratio is gateway ÷ mock within each round, then the median. "
                                + "*CPU / request* is the CPU time of the server JVMs on the path (mock, and gateway) "
                                + "and of the load generator.",
                        CONNECTIONS,
                        rounds,
                        runMillis))
                .line("");
        Path mock = targets.get(0);
        List<List<String>> rows = new ArrayList<>();
        for (Path t : targets) {
            List<Run> runs = byRound.get(t);
            List<Double> ratios = new ArrayList<>();
            for (int r = 0; r < runs.size(); r++) {
                ratios.add(runs.get(r).perSecond() / byRound.get(mock).get(r).perSecond());
            }
            double ratio = Samples.median(ratios);
            long errors = runs.stream().mapToLong(Run::errors).sum();
            String target = "";
            String verdict = "";
            if (t != mock) {
                boolean pass = ratio >= TARGET_RATIO && errors == 0;
                target = "≥ 50% of mock";
                verdict = Report.verdict(pass);
                report.summary(
                        "b. throughput (" + (t == targets.get(1) ? "sync" : "async") + ")",
                        "req/s vs mock alone",
                        String.format(Locale.ROOT, "%.0f%%", ratio * 100),
                        "≥ 50%",
                        pass);
            }
            rows.add(List.of(
                    t.label(),
                    String.format(
                            Locale.ROOT,
                            "%,.0f",
                            Samples.median(runs.stream().map(Run::perSecond).toList())),
                    t == mock
                            ? "—"
                            : String.format(Locale.ROOT, "%.0f%%", ratio * 100) + " ("
                                    + String.join(
                                            ", ",
                                            ratios.stream()
                                                    .map(x -> String.format(Locale.ROOT, "%.0f", x * 100))
                                                    .toList())
                                    + ")",
                    Samples.micros(Samples.median(runs.stream()
                            .map(x -> (double) x.latency().percentile(50))
                            .toList())),
                    Samples.micros(Samples.median(runs.stream()
                            .map(x -> (double) x.latency().percentile(99))
                            .toList())),
                    Samples.micros(Samples.median(runs.stream()
                            .map(x -> (double) x.serverCpu() / x.requests())
                            .toList())),
                    Samples.micros(Samples.median(runs.stream()
                            .map(x -> (double) x.clientCpu() / x.requests())
                            .toList())),
                    Long.toString(errors),
                    target,
                    verdict));
        }
        report.table(
                List.of(
                        "path",
                        "req/s",
                        "ratio (per round, %)",
                        "p50",
                        "p99",
                        "server CPU / request",
                        "client CPU / request",
                        "errors",
                        "target",
                        "result"),
                rows);
        report.line(String.format(
                        Locale.ROOT,
                        "Client check: the JDK HttpClient (64 virtual threads, one client) drives the same mock at "
                                + "%,.0f req/s using %s of client CPU per request, against %,.0f req/s and %s for the "
                                + "raw-socket client in the same run.",
                        jdk.perSecond(),
                        Samples.micros((double) jdk.clientCpu() / jdk.requests()),
                        Samples.median(
                                byRound.get(mock).stream().map(Run::perSecond).toList()),
                        Samples.micros(Samples.median(byRound.get(mock).stream()
                                .map(x -> (double) x.clientCpu() / x.requests())
                                .toList()))))
                .line("");
    }

    /** The same load with the JDK HttpClient, to compare the clients' costs. */
    private static Run jdkClientRun(URI mock, long millis) throws Exception {
        try (HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpRequest request = HttpRequest.newBuilder(mock.resolve("/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(GatewayOverheadBench.body("mock-model")))
                    .build();
            AtomicLong done = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            long clientBefore = BenchStack.clientCpuNanos();
            long end = System.nanoTime() + millis * 1_000_000;
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < CONNECTIONS; i++) {
                    threads.submit(() -> {
                        while (System.nanoTime() < end) {
                            try {
                                HttpResponse<byte[]> res =
                                        client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                                if (res.statusCode() != 200) errors.incrementAndGet();
                                else if (System.nanoTime() <= end) done.incrementAndGet();
                            } catch (IOException e) {
                                errors.incrementAndGet();
                            }
                        }
                        return null;
                    });
                }
            }
            long clientCpu = BenchStack.clientCpuNanos() - clientBefore;
            return new Run(done.get(), errors.get(), millis / 1000.0, new Samples(), 0, clientCpu);
        }
    }
}
