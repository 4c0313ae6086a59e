package dev.breakeven.bench;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * (c) Streaming relay: many concurrent streams from the paced mock (one token every 50 ms), read at
 * the client, which notes when each token's event arrives. The gap between consecutive token
 * events should be 50 ms; its excess over 50 ms is measured straight from the mock (the reference:
 * the mock's own timer jitter and the machine's) and through the gateway in sync and async mode.
 * Stream starts are spread evenly over one second so that the streams' chunks do not all fall in
 * the same instant. The added delay is gateway percentile − mock percentile in the same round.
 *
 * <pre>
 * java [-Dbench.streams=N] -cp … dev.breakeven.bench.StreamingRelayBench [--quick] [--out FILE] [--summary FILE]
 * </pre>
 *
 * {@code -Dbench.streams=N} changes the number of concurrent streams (default 1,000; 200 quick), to
 * find where the relay stops keeping up.
 */
public final class StreamingRelayBench {
    static final String TITLE = "c. Streaming relay";
    static final double RATE = 20;
    static final long NOMINAL_GAP = Math.round(1e9 / RATE);
    static final double TARGET_P99_NANOS = 2_000_000;

    private StreamingRelayBench() {}

    private record Target(String label, URI base, String model, String key, List<ChildJvm> servers) {}

    /** One run of all streams: gap excess over nominal (ns), time to first token, outcomes. */
    private record Run(
            Samples excess, Samples firstToken, int completed, int failed, String firstFailure, long serverCpu) {}

    public static void main(String[] args) throws Exception {
        Report report = Report.fromArgs(args);
        try (BenchStack stack = BenchStack.start(RATE, 100)) {
            stack.warmUp(report);
            run(stack, report);
        }
        report.write();
    }

    /** Runs the benchmark on a started (and warmed-up) stack and adds its section to the report. */
    static void run(BenchStack stack, Report report) throws Exception {
        int streams = Integer.getInteger("bench.streams", report.quick ? 200 : 1_000);
        int tokens = report.quick ? 40 : 100;
        int rounds = report.quick ? 1 : 2;
        long rampMillis = 1_000;
        List<Target> targets = List.of(
                new Target("mock (reference)", stack.pacedMock, "mock-model", null, List.of(stack.mocks)),
                new Target(
                        "gateway, durability sync",
                        stack.sync.url(),
                        "paced",
                        stack.sync.key(),
                        List.of(stack.mocks, stack.sync.jvm())),
                new Target(
                        "gateway, durability async",
                        stack.async.url(),
                        "paced",
                        stack.async.key(),
                        List.of(stack.mocks, stack.async.jvm())));
        Report.progress(TITLE + ": warm-up, " + Math.min(streams, 300) + " streams of 20 tokens per path");
        for (Target t : targets) run(t, Math.min(streams, 300), 20, rampMillis);
        Map<Target, List<Run>> byRound = new LinkedHashMap<>();
        for (Target t : targets) byRound.put(t, new ArrayList<>());
        for (int r = 1; r <= rounds; r++) {
            for (Target t : targets) {
                Run run = run(t, streams, tokens, rampMillis);
                byRound.get(t).add(run);
                Report.progress(String.format(
                        Locale.ROOT,
                        "round %d/%d %-28s gap excess p50 %s p99 %s max %s; %d completed, %d failed%s",
                        r,
                        rounds,
                        t.label(),
                        Samples.millis(run.excess().percentile(50)),
                        Samples.millis(run.excess().percentile(99)),
                        Samples.millis(run.excess().max()),
                        run.completed(),
                        run.failed(),
                        run.firstFailure() == null ? "" : " (" + run.firstFailure() + ")"));
            }
        }
        write(report, targets, byRound, streams, tokens, rounds, rampMillis);
    }

    private static void write(
            Report report,
            List<Target> targets,
            Map<Target, List<Run>> byRound,
            int streams,
            int tokens,
            int rounds,
            long rampMillis) {
        report.line("## " + TITLE)
                .line("")
                .line(String.format(
                        Locale.ROOT,
                        "%,d concurrent streams, each %d tokens at %.0f tokens/s (nominal gap %d ms), each on its own "
                                + "keep-alive connection and virtual thread, started evenly over %,d ms; %d round(s) "
                                + "in the order below after a warm-up of up to 300 streams of 20 tokens per path. *Gap excess* = arrival gap between consecutive "
                                + "token events − %d ms, over every gap of every stream; columns are medians over "
                                + "rounds; *added* = path percentile − mock percentile in the same round, median over "
                                + "rounds.",
                        streams,
                        tokens,
                        RATE,
                        NOMINAL_GAP / 1_000_000,
                        rampMillis,
                        rounds,
                        NOMINAL_GAP / 1_000_000))
                .line("");
        Target mock = targets.get(0);
        List<List<String>> rows = new ArrayList<>();
        for (Target t : targets) {
            List<Run> runs = byRound.get(t);
            List<Double> addedP50 = new ArrayList<>();
            List<Double> addedP99 = new ArrayList<>();
            for (int r = 0; r < runs.size(); r++) {
                Samples ref = byRound.get(mock).get(r).excess();
                addedP50.add((double) (runs.get(r).excess().percentile(50) - ref.percentile(50)));
                addedP99.add((double) (runs.get(r).excess().percentile(99) - ref.percentile(99)));
            }
            int failed = runs.stream().mapToInt(Run::failed).sum();
            int completed = runs.stream().mapToInt(Run::completed).sum();
            double p99 = Samples.median(addedP99);
            String target = "";
            String verdict = "";
            if (t != mock) {
                boolean pass = p99 <= TARGET_P99_NANOS && failed == 0;
                target = "added p99 ≤ 2 ms";
                verdict = Report.verdict(pass);
                report.summary(
                        "c. streaming (" + (t == targets.get(1) ? "sync" : "async") + ")",
                        "added p99 inter-chunk delay",
                        Samples.millis(p99),
                        "≤ 2.00 ms",
                        pass);
            }
            long serverCpu = runs.stream().mapToLong(Run::serverCpu).sum();
            rows.add(List.of(
                    t.label(),
                    Samples.millis(medianOf(runs, 50)),
                    Samples.millis(medianOf(runs, 99)),
                    Samples.millis(medianOf(runs, 99.9)),
                    Samples.millis(Samples.median(
                            runs.stream().map(x -> (double) x.excess().max()).toList())),
                    t == mock ? "—" : Samples.signed(Samples.millis(Samples.median(addedP50))),
                    t == mock ? "—" : Samples.signed(Samples.millis(p99)),
                    Samples.millis(Samples.median(runs.stream()
                            .map(x -> (double) x.firstToken().percentile(50))
                            .toList())),
                    String.format(Locale.ROOT, "%.0f µs", serverCpu / 1000.0 / Math.max(1, (long) completed * tokens)),
                    completed + " / " + failed,
                    target,
                    verdict));
        }
        report.table(
                List.of(
                        "path",
                        "gap excess p50",
                        "p99",
                        "p99.9",
                        "max",
                        "added p50",
                        "added p99",
                        "first token p50",
                        "server CPU / token",
                        "streams ok / failed",
                        "target",
                        "result"),
                rows);
    }

    private static double medianOf(List<Run> runs, double percentile) {
        return Samples.median(runs.stream()
                .map(x -> (double) x.excess().percentile(percentile))
                .toList());
    }

    /** Runs {@code streams} streams at once (starts spread over {@code rampMillis}) and collects the gaps. */
    private static Run run(Target t, int streams, int tokens, long rampMillis) throws Exception {
        String body = "{\"model\":\"" + t.model() + "\",\"stream\":true,\"max_tokens\":" + tokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]}";
        byte[] request = Http1Connection.post(t.base(), "/v1/chat/completions", t.key(), body);
        long serverBefore = BenchStack.cpuNanos(t.servers());
        long begin = System.nanoTime() + 50_000_000;
        List<Future<long[]>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < streams; i++) {
                long startAt = begin + rampMillis * 1_000_000 * i / streams;
                results.add(threads.submit(() -> stream(t, request, startAt, tokens)));
            }
        }
        Samples excess = new Samples(streams * tokens);
        Samples firstToken = new Samples(streams);
        int completed = 0;
        int failed = 0;
        String firstFailure = null;
        for (Future<long[]> f : results) {
            long[] times;
            try {
                times = f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                failed++;
                if (firstFailure == null) firstFailure = String.valueOf(e.getCause());
                continue;
            }
            // times[0] = request sent; times[1..tokens] = token arrivals
            completed++;
            firstToken.add(times[1] - times[0]);
            for (int i = 2; i < times.length; i++) excess.add(times[i] - times[i - 1] - NOMINAL_GAP);
        }
        long serverCpu = BenchStack.cpuNanos(t.servers()) - serverBefore;
        return new Run(excess, firstToken, completed, failed, firstFailure, serverCpu);
    }

    /** One stream: returns when the request went out and when each token event arrived. */
    private static long[] stream(Target t, byte[] request, long startAt, int tokens)
            throws IOException, InterruptedException {
        long wait = startAt - System.nanoTime();
        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        long[] times = new long[tokens + 1];
        int[] seen = {0};
        boolean[] done = {false};
        try (Http1Connection conn = Http1Connection.to(t.base())) {
            times[0] = System.nanoTime();
            int status = conn.stream(request, (event, arrived) -> {
                if (event.equals("data: [DONE]")) {
                    done[0] = true;
                } else if (isToken(event)) {
                    if (seen[0] < tokens) times[1 + seen[0]] = arrived;
                    seen[0]++;
                }
            });
            if (status != 200) throw new IOException("status " + status);
        }
        if (!done[0]) throw new IOException("the stream ended without [DONE]");
        if (seen[0] != tokens) throw new IOException(seen[0] + " tokens instead of " + tokens);
        return times;
    }

    /** An event whose delta carries text: {@code "content":"…"} with something between the quotes. */
    static boolean isToken(String event) {
        int at = event.indexOf("\"content\":\"");
        return at >= 0 && event.length() > at + 11 && event.charAt(at + 11) != '"';
    }
}
