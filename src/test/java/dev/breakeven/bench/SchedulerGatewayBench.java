package dev.breakeven.bench;

import dev.breakeven.access.KeyRing;
import dev.breakeven.access.Role;
import dev.breakeven.bench.SchedulerBench.Outcome;
import dev.breakeven.bench.SchedulerBench.Phase;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compute scheduler end to end: {@link SchedulerBench}'s tenfold free-tier overload sent over
 * HTTP through real gateway processes to the mock upstream, beside a gateway that does not know
 * tiers, in one run.
 *
 * <p>Processes: the mock upstream ({@link BenchUpstreams}, its <em>paced</em> mock: a time to first
 * token, then tokens at a fixed rate) in a JVM of its own, and two gateways ({@code Main serve},
 * SQLite in a temporary directory) whose one backend is that mock with {@code capacity: C}:
 *
 * <ul>
 *   <li><em>tiered</em>: plans {@code free}, {@code plus} and {@code pro} in the priority classes
 *       of the same names, with no allowances or rate limits (only the scheduler limits), and the
 *       suggested scheduler policy ({@code -Dbench.freeShare} sets the free class's share instead);
 *   <li><em>untiered</em>: no plans, so every request is in the one class {@code default}, fair
 *       across accounts; that class is configured with the free class's patience ({@code
 *       max_wait_ms} 5,000, {@code -Dbench.baselineMaxWaitMs}) instead of the built-in 60 s, which
 *       would make each phase drain for a minute and only lengthen every wait.
 * </ul>
 *
 * <p>Keys are issued before each gateway starts: 10 free accounts ({@code free-0}…, on the free plan
 * in the tiered gateway), 5 plus and 5 pro accounts, and in the untiered gateway one more account,
 * {@code everyone}. Arrivals are {@link SchedulerBench#phase}'s (open-loop Poisson, free at 10 × C
 * per generation time from 10 accounts of which one sends half, paid at 0.2 × C, half plus and half
 * pro); each request is a streamed chat completion on a keep-alive connection from a pool. Gates
 * of a round, all with the same arrivals:
 *
 * <ul>
 *   <li>{@code unloaded}: the paid arrivals alone through the tiered gateway: the reference;
 *   <li>{@code tiered}: everything through the tiered gateway;
 *   <li>{@code untiered}: everything through the untiered gateway, each account with its own key;
 *   <li>{@code fifo}: everything through the untiered gateway with the one key of {@code everyone}:
 *       one account's requests are granted in arrival order, so this is a FIFO queue; it still
 *       refuses at once a request whose estimated wait exceeds the class's maximum wait, where a
 *       plain semaphore would make it wait that long first.
 * </ul>
 *
 * <p>TTFT is from the request's arrival at the client (before a connection is taken) to the first
 * event with content. Refusals are counted by status and error code. Tables: each phase of each
 * round, and medians over rounds; the CPU each process used per phase says whether the client, the
 * gateway or the mock was short of CPU.
 *
 * <pre>
 * java -cp … dev.breakeven.bench.SchedulerGatewayBench [--quick] [--out FILE] [--summary FILE]
 *     -Dbench.capacity=8 -Dbench.ttftMs=250 -Dbench.tokens=50 -Dbench.tokensPerSecond=50
 *     -Dbench.rounds=3 -Dbench.loadedSeconds=30 -Dbench.unloadedSeconds=30 -Dbench.rampSeconds=5
 *     -Dbench.seed=1000 -Dbench.gates=tiered,untiered,fifo -Dbench.freeShare=0.5
 *     -Dbench.baselineMaxWaitMs=5000 -Dbench.adaptiveHeadroomMs=60000 (0: static shares only)
 * </pre>
 */
public final class SchedulerGatewayBench {
    static final String TITLE = "scheduler through the gateway, 10× free overload";
    static final double TARGET = 1.2;
    private static final Pattern CODE = Pattern.compile("\"code\"\\s*:\\s*\"([^\"]+)\"");

    /** Where a gate's requests go: a gateway, the request bytes of each account, idle connections to it. */
    private record Target(
            URI base,
            ChildJvm jvm,
            Map<String, byte[]> requests,
            ConcurrentLinkedQueue<Http1Connection> connections,
            boolean oneAccount) {
        byte[] request(String cls, int account) {
            return requests.get(oneAccount ? "everyone" : cls + "-" + account);
        }
    }

    /** CPU that each process used during a phase, in cores. */
    private record Cpu(String gate, double gateway, double mock, double client) {}

    private final int capacity;
    private final int ttftMillis;
    private final int tokens;
    private final double tokensPerSecond;
    private final double nominalSeconds;
    private final String freeShare;
    private final int baselineMaxWaitMillis;
    private final Path dir;
    private final ChildJvm mock;
    private final List<ChildJvm> gateways = new ArrayList<>();
    private final Target tiered;
    private final Target untiered;
    private final Target fifo;

    private SchedulerGatewayBench(
            int capacity,
            int ttftMillis,
            int tokens,
            double tokensPerSecond,
            String freeShare,
            int baselineMaxWaitMillis)
            throws IOException {
        this.capacity = capacity;
        this.ttftMillis = ttftMillis;
        this.tokens = tokens;
        this.tokensPerSecond = tokensPerSecond;
        this.nominalSeconds = ttftMillis / 1000.0 + (tokens - 1) / tokensPerSecond;
        this.freeShare = freeShare;
        this.baselineMaxWaitMillis = baselineMaxWaitMillis;
        this.dir = Files.createTempDirectory("breakeven-bench-scheduler-");
        this.mock = BenchStack.startMocks(
                dir, List.of(Double.toString(tokensPerSecond), Integer.toString(tokens), Integer.toString(ttftMillis)));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            mock.kill();
            gateways.forEach(ChildJvm::kill);
        }));
        URI upstream = URI.create(mock.stdoutValue("paced="));
        String backend = """
                backends:
                  - {id: mock, type: openai, base_url: "%s", capacity: %d}
                models:
                  - {id: model, backends: [{backend: mock, model: mock-model}]}
                """.formatted(upstream, capacity);
        String plans = """
                plans:
                  - {id: free, models: [model], priority: free}
                  - {id: plus, models: [model], priority: plus}
                  - {id: pro, models: [model], priority: pro}
                default_plan: free
                """;
        Long adaptiveMs = Long.getLong("bench.adaptiveHeadroomMs");
        String adaptive = adaptiveMs == null ? "" : "  adaptive_headroom_time_constant_ms: " + adaptiveMs + "\n";
        String tieredPolicy = freeShare == null
                ? (adaptive.isEmpty() ? "" : "scheduler:\n" + adaptive)
                : "scheduler:\n" + adaptive + """
                  classes:
                    - {name: free, rank: 0, max_wait_ms: 5000, max_share: %s}
                    - {name: plus, rank: 1, max_wait_ms: 30000, max_share: %s}
                    - {name: pro, rank: 2, max_wait_ms: 60000, max_share: 1}
                """.formatted(freeShare, Math.max(0.85, Double.parseDouble(freeShare)));
        String oneClass = """
                scheduler:
                  classes:
                    - {name: default, rank: 0, max_wait_ms: %d, max_share: 1}
                """.formatted(baselineMaxWaitMillis);
        tiered = gateway("gateway-tiered", backend + plans + tieredPolicy, true);
        untiered = gateway("gateway-untiered", backend + oneClass, false);
        fifo = new Target(untiered.base(), untiered.jvm(), untiered.requests(), untiered.connections(), true);
    }

    /** Starts a gateway with a key for every account (on the plan of its class when {@code withPlans}). */
    private Target gateway(String name, String config, boolean withPlans) {
        Map<String, String> keys = new HashMap<>();
        ChildJvm jvm = BenchStack.startGateway(dir, name, config, ring -> {
            for (int i = 0; i < SchedulerBench.FREE_ACCOUNTS; i++)
                keys.put("free-" + i, issue(ring, "free", i, withPlans));
            for (int i = 0; i < SchedulerBench.PAID_ACCOUNTS; i++) {
                keys.put("plus-" + i, issue(ring, "plus", i, withPlans));
                keys.put("pro-" + i, issue(ring, "pro", i, withPlans));
            }
            if (!withPlans)
                keys.put("everyone", ring.issue("everyone", Role.USER, null).secret());
        });
        gateways.add(jvm);
        URI base = BenchStack.url(jvm);
        String body = "{\"model\":\"model\",\"stream\":true,\"max_tokens\":" + tokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story.\"}]}";
        Map<String, byte[]> requests = new HashMap<>();
        keys.forEach(
                (account, key) -> requests.put(account, Http1Connection.post(base, "/v1/chat/completions", key, body)));
        return new Target(base, jvm, requests, new ConcurrentLinkedQueue<>(), false);
    }

    private static String issue(KeyRing ring, String cls, int i, boolean withPlans) {
        return ring.issue(cls + "-" + i, Role.USER, withPlans ? cls : null).secret();
    }

    public static void main(String[] args) throws Exception {
        Report report = Report.fromArgs(args);
        // {quick, full}
        SchedulerBench.Options o = SchedulerBench.Options.read(report, 8, new int[] {15, 30}, new int[] {15, 30}, 5);
        List<String> gates = List.of(
                System.getProperty("bench.gates", "tiered,untiered,fifo").split(","));
        String freeShare = System.getProperty("bench.freeShare");
        int baselineMaxWait = Integer.getInteger("bench.baselineMaxWaitMs", 5_000);
        SchedulerGatewayBench bench = new SchedulerGatewayBench(
                o.capacity(), o.ttftMillis(), o.tokens(), o.tokensPerSecond(), freeShare, baselineMaxWait);
        try {
            bench.run(report, gates, o.rounds(), o.loadedSeconds(), o.unloadedSeconds(), o.rampSeconds());
        } finally {
            bench.close();
        }
        report.write();
    }

    private void run(Report report, List<String> gates, int rounds, int loaded, int unloaded, int ramp)
            throws Exception {
        long firstSeed = Long.getLong("bench.seed", 1_000);
        double freeRate = 10 * capacity / nominalSeconds;
        double paidRate = 0.2 * capacity / nominalSeconds;
        String loadAtStart = Machine.loadAverage();
        int warmUp = report.quick ? 5 : 10;
        Report.progress(TITLE + ": warm-up, " + warmUp + " s of each gateway under load");
        phase("tiered", tiered, freeRate, paidRate, warmUp, 0, 1, new ArrayList<>());
        phase("untiered", untiered, freeRate, paidRate, warmUp, 0, 2, new ArrayList<>());
        Map<String, Target> targets = new LinkedHashMap<>();
        targets.put("tiered", tiered);
        targets.put("untiered", untiered);
        targets.put("fifo", fifo);
        List<List<Phase>> byRound = new ArrayList<>();
        List<Cpu> cpu = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            long seed = firstSeed + r;
            Report.progress(TITLE + ": round " + (r + 1) + " of " + rounds + ", unloaded (" + unloaded + " s)");
            List<Phase> round = new ArrayList<>();
            round.add(phase("unloaded", tiered, 0, paidRate, unloaded, 1, seed, cpu));
            for (var gate : targets.entrySet()) {
                if (!gates.contains(gate.getKey())) continue;
                Report.progress(TITLE + ": round " + (r + 1) + ", " + gate.getKey() + " (" + loaded + " s)");
                round.add(phase(gate.getKey(), gate.getValue(), freeRate, paidRate, loaded, ramp, seed, cpu));
            }
            byRound.add(round);
        }
        write(report, byRound, cpu, freeRate, paidRate, loaded, unloaded, ramp, loadAtStart);
    }

    /** One phase of arrivals through a gateway; notes the CPU each process used meanwhile. */
    private Phase phase(
            String name,
            Target target,
            double freeRate,
            double paidRate,
            int seconds,
            int ramp,
            long seed,
            List<Cpu> cpu)
            throws InterruptedException {
        long wall = System.nanoTime();
        long gatewayBefore = target.jvm().cpuNanos();
        long mockBefore = mock.cpuNanos();
        long clientBefore = BenchStack.clientCpuNanos();
        Phase phase = SchedulerBench.phase(
                name,
                freeRate,
                paidRate,
                seconds,
                ramp,
                seed,
                (cls, account, arrived) -> send(target, cls, account, arrived));
        double elapsed = System.nanoTime() - wall;
        cpu.add(new Cpu(
                name,
                (target.jvm().cpuNanos() - gatewayBefore) / elapsed,
                (mock.cpuNanos() - mockBefore) / elapsed,
                (BenchStack.clientCpuNanos() - clientBefore) / elapsed));
        return phase;
    }

    /** One streamed chat completion through the gateway; a non-200 answer is a refusal, by status and code. */
    private Outcome send(Target target, String cls, int account, long arrived) throws IOException {
        Http1Connection conn = target.connections().poll();
        if (conn == null) conn = Http1Connection.to(target.base());
        long[] first = {-1};
        Http1Connection.Response response;
        try {
            response = conn.streamOrRefusal(target.request(cls, account), (event, at) -> {
                if (first[0] < 0 && StreamingRelayBench.isToken(event)) first[0] = at;
            });
        } catch (IOException e) {
            conn.close();
            throw e;
        }
        if (conn.isOpen()) target.connections().add(conn);
        long done = System.nanoTime();
        if (response.status() != 200) {
            Matcher code = CODE.matcher(new String(response.body(), StandardCharsets.UTF_8));
            String refusal = response.status() + " " + (code.find() ? code.group(1) : "?");
            return new Outcome(arrived, cls, account, -1, done - arrived, refusal, done);
        }
        if (first[0] < 0) throw new IOException("a stream without content");
        return new Outcome(arrived, cls, account, first[0] - arrived, 0, null, done);
    }

    private void close() {
        for (Target target : List.of(tiered, untiered)) target.connections().forEach(Http1Connection::close);
        gateways.forEach(ChildJvm::close);
        mock.close();
        BenchStack.removeUnlessKept(dir);
    }

    // --- the report ------------------------------------------------------------------------------

    private void write(
            Report report,
            List<List<Phase>> byRound,
            List<Cpu> cpu,
            double freeRate,
            double paidRate,
            int loaded,
            int unloaded,
            int ramp,
            String loadAtStart) {
        int freeSlots =
                Math.max(1, (int) Math.floor((freeShare == null ? 0.5 : Double.parseDouble(freeShare)) * capacity));
        report.line("## Scheduler through the gateway under 10× free-tier overload — `SchedulerGatewayBench`")
                .line("")
                .line(String.format(
                        Locale.ROOT,
                        "Upstream: the paced mock (`BenchUpstreams`, own JVM), each generation %d tokens after a %d ms "
                                + "time to first token at %.0f tokens/s (nominal %.2f s, so C = %d slots serve about "
                                + "%.1f generations/s). Gateways: `Main serve`, SQLite in a temporary directory, "
                                + "backend `capacity: %d`. *tiered*: plans free/plus/pro in the classes of the same "
                                + "names, no allowances or rate limits, scheduler policy %s, %s (free may hold %d slots). "
                                + "*untiered*: no plans, every request in the one class `default` (max wait %d ms, "
                                + "share 1), fair across accounts: a gateway that does not know tiers. *fifo*: the "
                                + "untiered gateway with one key for every request, so the one account's line is "
                                + "served in arrival order; it still refuses at once what would wait longer than "
                                + "%d ms (not a plain semaphore, which would make those requests wait first). "
                                + "Open-loop Poisson arrivals: free %.1f/s (10 × C / generation time; %d accounts, "
                                + "one sending half), paid %.2f/s (0.2 × C / generation time; half plus, half pro, "
                                + "%d accounts each). Loaded phases %d s, the first %d s not measured; unloaded "
                                + "phase (paid alone through the tiered gateway) %d s. TTFT is from arrival at the "
                                + "client to the first content event. %d round(s); load average at start: %s.",
                        tokens,
                        ttftMillis,
                        tokensPerSecond,
                        nominalSeconds,
                        capacity,
                        capacity / nominalSeconds,
                        capacity,
                        freeShare == null
                                ? "`SchedulerPolicy.defaults()` (free ≤ 50% of the slots, free + plus ≤ 85%; max waits "
                                        + "5/30/60 s)"
                                : "the suggested one with free `max_share` " + freeShare,
                        SchedulerBench.adaptiveHeadroom(),
                        freeSlots,
                        baselineMaxWaitMillis,
                        baselineMaxWaitMillis,
                        freeRate,
                        SchedulerBench.FREE_ACCOUNTS,
                        paidRate,
                        SchedulerBench.PAID_ACCOUNTS,
                        loaded,
                        ramp,
                        unloaded,
                        byRound.size(),
                        loadAtStart))
                .line("");
        Map<String, Double> p99Ratios = SchedulerBench.tables(report, byRound);

        List<List<String>> cpuRows = new ArrayList<>();
        for (String gate : byRound.get(0).stream().map(Phase::gate).toList()) {
            List<Cpu> of = cpu.stream().filter(c -> c.gate().equals(gate)).toList();
            cpuRows.add(List.of(
                    gate,
                    cores(of.stream().map(Cpu::gateway).toList()),
                    cores(of.stream().map(Cpu::mock).toList()),
                    cores(of.stream().map(Cpu::client).toList())));
        }
        report.line("CPU used during each phase, in cores (median over rounds; the machine has "
                        + Runtime.getRuntime().availableProcessors() + "):")
                .line("")
                .table(List.of("gate", "gateway JVM", "mock JVM", "client (this JVM)"), cpuRows);

        double ratio = p99Ratios.getOrDefault("tiered", Double.NaN);
        boolean pass = SchedulerBench.verdict(report, byRound, p99Ratios, "tiered");
        report.summary(
                TITLE,
                "paid p99 TTFT ÷ unloaded (C = " + capacity + ")",
                String.format(Locale.ROOT, "%.2f×", ratio),
                "≤ 1.2×",
                pass);
    }

    private static String cores(List<Double> values) {
        return String.format(Locale.ROOT, "%.2f", Samples.median(values));
    }
}
