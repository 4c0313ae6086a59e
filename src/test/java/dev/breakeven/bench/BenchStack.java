package dev.breakeven.bench;

import dev.breakeven.access.JdbiAccessRepository;
import dev.breakeven.access.KeyRing;
import dev.breakeven.access.Role;
import dev.breakeven.store.Database;
import dev.breakeven.store.DatabaseSettings;
import dev.breakeven.store.Ids;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What the gateway benchmarks run against, each server in a JVM of its own: the mock model servers
 * ({@link BenchUpstreams}), and two gateways started as {@code dev.breakeven.app.Main serve --config
 * … --data …} on port 0, one with {@code metering.durability: sync} and one with {@code async},
 * each on its own SQLite file in a temporary directory. Each gateway serves the models {@code fast}
 * and {@code paced}, routed to the two mocks.
 *
 * <p>JVM options: {@code BENCH_GATEWAY_JAVA_OPTS} for the gateways ({@code {name}} in them becomes
 * {@code gateway-sync} or {@code gateway-async}, e.g. for a JFR file name), {@code
 * BENCH_MOCK_JAVA_OPTS} for the mocks. Unset, the gateways run with the JVM's defaults, as {@code
 * ./breakeven serve} does. {@code BENCH_KEEP=1} keeps the temporary directory (logs, databases).
 */
final class BenchStack implements AutoCloseable {
    static final String GATEWAY_OPTS = "BENCH_GATEWAY_JAVA_OPTS";
    static final String MOCK_OPTS = "BENCH_MOCK_JAVA_OPTS";

    /** A running gateway: its base URL ({@code http://127.0.0.1:PORT}) and a user key. */
    record Gateway(String name, String durability, URI url, String key, ChildJvm jvm) {}

    final Path dir;
    final URI fastMock;
    final URI pacedMock;
    final Gateway sync;
    final Gateway async;
    final ChildJvm mocks;
    private final List<ChildJvm> jvms = new ArrayList<>();

    private BenchStack(Path dir, ChildJvm mocks, Gateway sync, Gateway async) {
        this.dir = dir;
        this.fastMock = URI.create(mocks.stdoutValue("fast="));
        this.pacedMock = URI.create(mocks.stdoutValue("paced="));
        this.sync = sync;
        this.async = async;
        this.mocks = mocks;
        jvms.add(sync.jvm());
        jvms.add(async.jvm());
        jvms.add(mocks);
        // Ctrl+C or a kill of the benchmark must not leave servers running.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> jvms.forEach(ChildJvm::kill)));
    }

    /**
     * Starts the mocks, then both gateways in parallel.
     *
     * @param pacedRate tokens per second of the paced mock
     * @param pacedTokens most tokens the paced mock streams
     */
    static BenchStack start(double pacedRate, int pacedTokens) throws IOException {
        Path dir = Files.createTempDirectory("breakeven-bench-");
        ChildJvm mocks = startMocks(dir, List.of(Double.toString(pacedRate), Integer.toString(pacedTokens)));
        try {
            URI fast = URI.create(mocks.stdoutValue("fast="));
            URI paced = URI.create(mocks.stdoutValue("paced="));
            var syncStart = CompletableFuture.supplyAsync(() -> gateway(dir, "sync", fast, paced));
            var asyncStart = CompletableFuture.supplyAsync(() -> gateway(dir, "async", fast, paced));
            Gateway sync;
            try {
                sync = syncStart.join();
            } catch (RuntimeException e) {
                asyncStart.thenAccept(g -> g.jvm().close());
                throw e;
            }
            Gateway async;
            try {
                async = asyncStart.join();
            } catch (RuntimeException e) {
                sync.jvm().close();
                throw e;
            }
            return new BenchStack(dir, mocks, sync, async);
        } catch (RuntimeException e) {
            mocks.close();
            throw e;
        }
    }

    /** Starts {@link BenchUpstreams} in a JVM of its own with these arguments; logs go to {@code dir}. */
    static ChildJvm startMocks(Path dir, List<String> args) {
        return ChildJvm.start(
                "mock",
                ChildJvm.optionsFrom(MOCK_OPTS),
                System.getProperty("java.class.path"),
                BenchUpstreams.class.getName(),
                args,
                dir,
                line -> line.startsWith("paced="),
                Duration.ofSeconds(60));
    }

    private static Gateway gateway(Path root, String durability, URI fastMock, URI pacedMock) {
        String name = "gateway-" + durability;
        String[] key = new String[1];
        ChildJvm jvm = startGateway(
                root,
                name,
                """
                metering: {durability: %s}
                backends:
                  - {id: fast, type: openai, base_url: "%s", capacity: 4096}
                  - {id: paced, type: openai, base_url: "%s", capacity: 4096}
                models:
                  - {id: fast, backends: [{backend: fast, model: mock-model}]}
                  - {id: paced, backends: [{backend: paced, model: mock-model}]}
                """.formatted(durability, fastMock, pacedMock),
                keys -> key[0] = keys.issue("bench", Role.USER, null).secret());
        return new Gateway(name, durability, url(jvm), key[0], jvm);
    }

    /**
     * Starts a gateway, {@code Main serve --config … --data root/name}, on port 0 and SQLite in
     * {@code root/name}, and waits until it listens.
     *
     * @param config the configuration without {@code server} and {@code database}, which this adds
     * @param issueKeys issues the keys the benchmark needs, on the gateway's database before it starts
     */
    static ChildJvm startGateway(Path root, String name, String config, Consumer<KeyRing> issueKeys) {
        try {
            Path data = Files.createDirectories(root.resolve(name));
            String dbUrl = "jdbc:sqlite:" + data.resolve("breakeven.db");
            Path file = data.resolve("breakeven.yaml");
            Files.writeString(
                    file, "server: {host: 127.0.0.1, port: 0}\ndatabase: {url: \"" + dbUrl + "\"}\n" + config);
            try (Database db = Database.open(DatabaseSettings.of(dbUrl))) {
                Clock clock = Clock.systemUTC();
                issueKeys.accept(new KeyRing(new JdbiAccessRepository(db.jdbi()), new Ids(clock), clock));
            }
            return ChildJvm.start(
                    name,
                    gatewayOptions(),
                    ChildJvm.mainClasspath(),
                    "dev.breakeven.app.Main",
                    List.of("serve", "--config", file.toString(), "--data", data.toString()),
                    root,
                    line -> line.startsWith(LISTENING),
                    Duration.ofSeconds(60));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base URL a gateway started by {@link #startGateway} printed. */
    static URI url(ChildJvm gateway) {
        return URI.create(gateway.stdoutValue(LISTENING));
    }

    private static final String LISTENING = "Breakeven is listening on ";

    /** {@code BENCH_GATEWAY_JAVA_OPTS}, plus the native access the jar's manifest grants. */
    static List<String> gatewayOptions() {
        List<String> options = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED"));
        options.addAll(ChildJvm.optionsFrom(GATEWAY_OPTS));
        return options;
    }

    List<Gateway> gateways() {
        return List.of(sync, async);
    }

    /** The three non-streamed paths: straight to the fast mock, through each gateway. */
    List<Load.Path> paths() {
        return List.of(
                Load.Path.of("mock (reference)", fastMock, "mock-model", null, List.of(mocks)),
                Load.Path.of("gateway, durability sync", sync.url(), "fast", sync.key(), List.of(mocks, sync.jvm())),
                Load.Path.of(
                        "gateway, durability async", async.url(), "fast", async.key(), List.of(mocks, async.jvm())));
    }

    /**
     * Warms every path up under load until its JIT has settled (see {@link Load#warmUp}): a gateway
     * for 20 to 150 s, the mock for 6 to 60 s; 6 s at most in a quick run. Adds what happened to the
     * report.
     */
    void warmUp(Report report) throws Exception {
        List<String> lines = new ArrayList<>();
        for (Load.Path path : paths()) {
            boolean gateway = !path.servers().equals(List.of(mocks));
            long min = report.quick ? 0 : gateway ? 20_000 : 6_000;
            long max = report.quick ? 6_000 : gateway ? 150_000 : 60_000;
            lines.add(Load.warmUp(path, min, max));
        }
        report.line("### Warm-up")
                .line("")
                .line("Before any measurement each path ran under 64-connection load in 2 s slices until the JIT "
                        + "of its server JVM had settled: its compiler threads under 5% of a core during a slice "
                        + "and throughput within 10% of the slice before (a gateway for at least 20 s and at most "
                        + "150 s, the mock for 6 to 60 s; at most 6 s in a quick run):")
                .line("");
        for (String line : lines) report.line("- " + line);
        report.line("");
    }

    /** CPU time used so far by these JVMs together (see {@link ChildJvm#cpuNanos()}). */
    static long cpuNanos(List<ChildJvm> jvms) {
        long sum = 0;
        for (ChildJvm jvm : jvms) sum += jvm.cpuNanos();
        return sum;
    }

    /** CPU time used so far by this JVM, the load generator. */
    static long clientCpuNanos() {
        return ChildJvm.cpuNanos(ProcessHandle.current().pid());
    }

    /** Stops every JVM (the gateways write their queued events first), then removes the directory. */
    @Override
    public void close() {
        jvms.forEach(ChildJvm::close);
        removeUnlessKept(dir);
    }

    /** Deletes a benchmark's temporary directory, unless {@code BENCH_KEEP=1} (then says where it is). */
    static void removeUnlessKept(Path dir) {
        if ("1".equals(System.getenv("BENCH_KEEP"))) {
            System.err.println("kept " + dir);
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }
}
