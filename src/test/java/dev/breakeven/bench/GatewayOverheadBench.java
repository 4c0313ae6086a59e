package dev.breakeven.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * (a) What the gateway adds to one non-streamed chat completion. One client connection sends
 * requests one after another: straight to the mock upstream (the reference), through the gateway
 * with {@code metering.durability: sync} (the usage event is durable before the response's last
 * byte) and with {@code async}. The three are interleaved in rounds, so machine noise hits all of
 * them; each round's added latency is gateway p50 − mock p50 of that round, and the report gives
 * the median over rounds.
 *
 * <p>It also times the JDK {@link HttpClient} against the mock, to show what the load generator's
 * own raw-socket client saves.
 *
 * <pre>
 * java -cp … dev.breakeven.bench.GatewayOverheadBench [--quick] [--out FILE] [--summary FILE]
 * </pre>
 */
public final class GatewayOverheadBench {
    static final String TITLE = "a. Gateway overhead, non-streaming, sequential";
    static final double SYNC_TARGET_NANOS = 1_500_000;
    static final double ASYNC_TARGET_NANOS = 100_000;

    private GatewayOverheadBench() {}

    /** One path a request can take; {@link #once()} returns its latency in nanoseconds. */
    private interface Target extends AutoCloseable {
        String label();

        /** The server JVMs that do work for this path. */
        List<ChildJvm> servers();

        long once() throws IOException, InterruptedException;

        @Override
        void close();
    }

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
        int warmup = report.quick ? 200 : 500;
        int perRound = report.quick ? 300 : 2_000;
        int rounds = report.quick ? 1 : 3;
        List<ChildJvm> mock = List.of(stack.mocks);
        List<Target> targets = List.of(
                raw("mock (reference)", mock, stack.fastMock, "mock-model", null),
                raw(
                        "gateway, durability sync",
                        List.of(stack.mocks, stack.sync.jvm()),
                        stack.sync.url(),
                        "fast",
                        stack.sync.key()),
                raw(
                        "gateway, durability async",
                        List.of(stack.mocks, stack.async.jvm()),
                        stack.async.url(),
                        "fast",
                        stack.async.key()),
                jdk("mock via JDK HttpClient (client check)", mock, stack.fastMock));
        try {
            run(report, targets, warmup, perRound, rounds);
        } finally {
            targets.forEach(Target::close);
        }
    }

    private static void run(Report report, List<Target> targets, int warmup, int perRound, int rounds)
            throws IOException, InterruptedException {
        Report.progress(TITLE + ": warm-up, " + warmup + " requests per path");
        for (int done = 0; done < warmup; done += 100) {
            for (Target t : targets) for (int i = 0; i < Math.min(100, warmup - done); i++) t.once();
        }
        Map<Target, List<Samples>> byRound = new LinkedHashMap<>();
        Map<Target, List<Double>> serverCpu = new LinkedHashMap<>();
        Map<Target, List<Double>> clientCpu = new LinkedHashMap<>();
        for (Target t : targets) {
            byRound.put(t, new ArrayList<>());
            serverCpu.put(t, new ArrayList<>());
            clientCpu.put(t, new ArrayList<>());
        }
        for (int r = 1; r <= rounds; r++) {
            for (Target t : targets) {
                Samples s = new Samples(perRound);
                long serverBefore = BenchStack.cpuNanos(t.servers());
                long clientBefore = BenchStack.clientCpuNanos();
                for (int i = 0; i < perRound; i++) s.add(t.once());
                serverCpu.get(t).add((double) (BenchStack.cpuNanos(t.servers()) - serverBefore) / perRound);
                clientCpu.get(t).add((double) (BenchStack.clientCpuNanos() - clientBefore) / perRound);
                byRound.get(t).add(s);
                Report.progress(String.format(
                        Locale.ROOT,
                        "round %d/%d %-40s p50 %s p99 %s",
                        r,
                        rounds,
                        t.label(),
                        Samples.micros(s.percentile(50)),
                        Samples.micros(s.percentile(99))));
            }
        }

        Target mock = targets.get(0);
        Target jdk = targets.get(3);
        report.line("## " + TITLE)
                .line("")
                .line(String.format(
                        Locale.ROOT,
                        "One keep-alive connection, requests one at a time (16-token completions, no upstream delay): "
                                + "after the stack's warm-up, %,d more requests per path, then %d round(s) of %,d requests per path, "
                                + "in the order below in each round. Percentiles are the median over rounds of each "
                                + "round's percentile; *added* is the median over rounds of (path p50 − mock p50) "
                                + "in the same round. *Server CPU* is the CPU time (user + system, from /proc) the "
                                + "server JVMs on the path (the mock, and the gateway where there is one) used per "
                                + "request: it depends much less than latency on what else the machine is running.",
                        warmup,
                        rounds,
                        perRound))
                .line("");
        List<List<String>> rows = new ArrayList<>();
        double mockP50 = medianOf(byRound.get(mock), 50);
        for (Target t : targets) {
            List<Samples> rs = byRound.get(t);
            List<Double> added = new ArrayList<>();
            for (int r = 0; r < rs.size(); r++) {
                added.add((double)
                        (rs.get(r).percentile(50) - byRound.get(mock).get(r).percentile(50)));
            }
            double addedP50 = Samples.median(added);
            String target = "";
            String verdict = "";
            if (t == targets.get(1) || t == targets.get(2)) {
                boolean sync = t == targets.get(1);
                double limit = sync ? SYNC_TARGET_NANOS : ASYNC_TARGET_NANOS;
                boolean pass = addedP50 <= limit;
                target = "added p50 ≤ " + (sync ? "1.5 ms" : "100 µs");
                verdict = Report.verdict(pass);
                report.summary(
                        "a. overhead (" + (sync ? "sync" : "async") + ")",
                        "added p50 vs mock",
                        Samples.micros(addedP50),
                        "≤ " + (sync ? "1,500 µs" : "100 µs"),
                        pass);
            }
            rows.add(List.of(
                    t.label(),
                    Samples.micros(medianOf(rs, 50)),
                    Samples.micros(medianOf(rs, 90)),
                    Samples.micros(medianOf(rs, 99)),
                    t == mock ? "—" : Samples.signed(Samples.micros(addedP50)),
                    perRoundList(added),
                    Samples.micros(Samples.median(serverCpu.get(t))),
                    target,
                    verdict));
        }
        report.table(
                List.of(
                        "path",
                        "p50",
                        "p90",
                        "p99",
                        "added p50",
                        "added p50 per round",
                        "server CPU / request",
                        "target",
                        "result"),
                rows);
        List<Double> jdkAdded = new ArrayList<>();
        for (int r = 0; r < byRound.get(jdk).size(); r++) {
            jdkAdded.add((double) (byRound.get(jdk).get(r).percentile(50)
                    - byRound.get(mock).get(r).percentile(50)));
        }
        double jdkExtra = Samples.median(jdkAdded);
        report.line(String.format(
                        Locale.ROOT,
                        "Client check: against the same mock the JDK HttpClient takes %s more per request than the "
                                + "load generator's raw-socket client (p50 %s vs %s) and %s of client CPU per request "
                                + "instead of %s, so the benchmarks use raw keep-alive HTTP/1.1 sockets "
                                + "(`Http1Connection`).",
                        Samples.micros(jdkExtra),
                        Samples.micros(medianOf(byRound.get(jdk), 50)),
                        Samples.micros(mockP50),
                        Samples.micros(Samples.median(clientCpu.get(jdk))),
                        Samples.micros(Samples.median(clientCpu.get(mock)))))
                .line("");
    }

    private static double medianOf(List<Samples> rounds, double percentile) {
        return Samples.median(rounds.stream().map(s -> s.percentile(percentile)).toList());
    }

    private static String perRoundList(List<Double> nanos) {
        return String.join(
                        ", ",
                        nanos.stream()
                                .map(n -> Samples.micros(n).replace(" µs", ""))
                                .toList()) + " µs";
    }

    static String body(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]}";
    }

    private static Target raw(String label, List<ChildJvm> servers, URI base, String model, String key)
            throws IOException {
        byte[] request = Http1Connection.post(base, "/v1/chat/completions", key, body(model));
        return new Target() {
            Http1Connection conn = Http1Connection.to(base);
            boolean checked;

            @Override
            public String label() {
                return label;
            }

            @Override
            public List<ChildJvm> servers() {
                return servers;
            }

            @Override
            public long once() throws IOException {
                if (!conn.isOpen()) conn = Http1Connection.to(base);
                long start = System.nanoTime();
                Http1Connection.Response res = conn.exchange(request, !checked);
                long nanos = System.nanoTime() - start;
                if (res.status() != 200
                        || (!checked && !new String(res.body(), StandardCharsets.UTF_8).contains("\"choices\""))) {
                    String body = res.body() == null ? "" : new String(res.body(), StandardCharsets.UTF_8);
                    throw new IllegalStateException(label + " answered " + res.status() + ": " + body);
                }
                checked = true;
                return nanos;
            }

            @Override
            public void close() {
                conn.close();
            }
        };
    }

    private static Target jdk(String label, List<ChildJvm> servers, URI base) {
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body("mock-model")))
                .build();
        return new Target() {
            @Override
            public String label() {
                return label;
            }

            @Override
            public List<ChildJvm> servers() {
                return servers;
            }

            @Override
            public long once() throws IOException, InterruptedException {
                long start = System.nanoTime();
                HttpResponse<byte[]> res = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                long nanos = System.nanoTime() - start;
                if (res.statusCode() != 200) throw new IllegalStateException(label + " answered " + res.statusCode());
                return nanos;
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }
}
