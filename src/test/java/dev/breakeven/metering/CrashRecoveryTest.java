package dev.breakeven.metering;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.access.JdbiAccessRepository;
import dev.breakeven.access.KeyRing;
import dev.breakeven.access.Role;
import dev.breakeven.store.Database;
import dev.breakeven.store.DatabaseSettings;
import dev.breakeven.store.Ids;
import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.MockSettings;
import dev.breakeven.testing.MockUpstream;
import dev.breakeven.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code kill -9} under load loses no acknowledged usage event and double-counts none: the gateway
 * runs as a separate JVM in sync durability in front of a {@link MockUpstream}, concurrent clients
 * hammer it with streamed and non-streamed chats, it is SIGKILLed mid-flight and restarted on the
 * same database, and the journal is then read directly.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CrashRecoveryTest {
    static final int CLIENTS = 16;
    static final int COMPLETE_BEFORE_KILL = 200;
    static final Duration STARTUP = Duration.ofSeconds(60);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    static final Pattern LISTENING = Pattern.compile("Breakeven is listening on (http://127\\.0\\.0\\.1:\\d+)");
    /** What {@link Process#exitValue()} reports on Unix for a process that died of signal 9. */
    static final int KILLED_BY_SIGKILL = 128 + 9;

    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    MockUpstream upstream;
    String databaseUrl;
    Path config;
    final List<ServerProcess> servers = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @BeforeEach
    void start() throws IOException {
        // Small completions with a little latency, so that many turns are in flight at any moment.
        upstream = MockUpstream.start(new MockSettings()
                .completionTokens(8)
                .timeToFirstToken(Duration.ofMillis(2))
                .tokensPerSecond(2_000));
        databaseUrl = engine.freshUrl(dir);
        config = dir.resolve("breakeven.yaml");
        Files.writeString(config, """
                server: {host: 127.0.0.1, port: 0, access_log: false}
                data_dir: "%s"
                database: {url: "%s"}
                metering: {durability: sync}
                backends:
                  - {id: mock, type: openai, base_url: "%s", api_key_env: MOCK_KEY}
                models:
                  - {id: assistant, backends: [{backend: mock, model: mock-model}]}
                """.formatted(dir, databaseUrl, upstream.baseUrl()));
    }

    @AfterEach
    void stop() {
        servers.forEach(ServerProcess::destroy);
        http.close();
        if (upstream != null) upstream.close();
        if (engine == TestDatabase.POSTGRESQL && databaseUrl != null) dropSchema();
    }

    @Test
    void everyCompleteResponse_hasExactlyOneUsageEvent_afterSigkillUnderLoad() throws Exception {
        Phases phases = new Phases();
        String userKey = issueUserKey();
        Load load = new Load();
        try {
            ServerProcess first = ServerProcess.start(this, "first");
            String firstUrl = first.awaitListening();
            phases.mark("key and first start");

            load.start(firstUrl, userKey, first.process);
            assertThat(load.killed.await(90, TimeUnit.SECONDS))
                    .as(
                            "%d complete responses, then the kill (have %d, %d failures)",
                            COMPLETE_BEFORE_KILL, load.complete.size(), load.unexpectedFailures.size())
                    .isTrue();
            phases.mark("load");
            assertThat(first.process.waitFor(30, TimeUnit.SECONDS))
                    .as("the gateway died")
                    .isTrue();
            assertThat(first.process.exitValue())
                    .as("destroyForcibly() is SIGKILL")
                    .isEqualTo(KILLED_BY_SIGKILL);
            load.awaitClientsStopped(Duration.ofSeconds(60));
            phases.mark("kill");
            assertThat(load.unexpectedFailures).as("failures before the kill").isEmpty();

            ServerProcess second = ServerProcess.start(this, "second");
            String secondUrl = second.awaitListening();
            phases.mark("second start");
            String afterNonStreamed = new Client(secondUrl, userKey, load).answer();
            String afterStreamed = new Client(secondUrl, userKey, load).stream();

            try (Database db = Database.open(DatabaseSettings.of(databaseUrl))) {
                JdbiJournalRepository journal = new JdbiJournalRepository(db);
                List<UsageEvent> events = journal.usage(UsageQuery.all());
                Map<String, Long> perId =
                        events.stream().collect(Collectors.groupingBy(UsageEvent::id, Collectors.counting()));
                Map<String, UsageEvent> byId =
                        events.stream().collect(Collectors.toMap(UsageEvent::id, e -> e, (a, b) -> a));
                System.out.printf(
                        "%s: %d complete before the kill, %d cut off mid-stream, %d failed requests after it;"
                                + " %d usage events in the journal (%s)%n",
                        engine,
                        load.complete.size(),
                        load.partial.size(),
                        load.failuresAfterKill.get(),
                        events.size(),
                        phases);

                assertThat(journal.count()).as("journal rows").isEqualTo(events.size());
                assertThat(perId)
                        .as("no event id appears twice")
                        .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
                List<String> missing = load.complete.stream()
                        .filter(id -> !byId.containsKey(id))
                        .sorted()
                        .toList();
                assertThat(missing)
                        .as("completely received responses without a usage event (of %d)", load.complete.size())
                        .isEmpty();
                assertThat(load.complete)
                        .as("completely received responses are recorded as completed")
                        .allSatisfy(id ->
                                assertThat(byId.get(id).outcome()).as(id).isEqualTo(UsageEvent.Outcome.COMPLETED));
                assertThat(events.size()).isGreaterThanOrEqualTo(load.complete.size());
                assertThat(List.of(afterNonStreamed, afterStreamed))
                        .as("the restarted gateway records what it serves")
                        .allSatisfy(id -> {
                            assertThat(byId).containsKey(id);
                            assertThat(byId.get(id).outcome()).isEqualTo(UsageEvent.Outcome.COMPLETED);
                        });
            }
        } catch (Throwable t) {
            throw withDiagnostics(t);
        } finally {
            load.stop();
        }
    }

    /** How long each step took, for the log. */
    static final class Phases {
        private final StringBuilder done = new StringBuilder();
        private long since = System.nanoTime();

        void mark(String phase) {
            long now = System.nanoTime();
            if (!done.isEmpty()) done.append(", ");
            done.append(phase).append(' ').append((now - since) / 1_000_000).append(" ms");
            since = now;
        }

        @Override
        public String toString() {
            return done.toString();
        }
    }

    private String issueUserKey() {
        try (Database db = Database.open(DatabaseSettings.of(databaseUrl))) {
            Clock clock = Clock.systemUTC();
            return new KeyRing(new JdbiAccessRepository(db.jdbi()), new Ids(clock), clock)
                    .issue("alice", Role.USER, null)
                    .secret();
        }
    }

    private AssertionError withDiagnostics(Throwable t) {
        StringBuilder b = new StringBuilder(String.valueOf(t.getMessage()));
        for (ServerProcess s : servers) b.append('\n').append(s.tails());
        System.err.println(b);
        return new AssertionError(b.toString(), t);
    }

    private void dropSchema() {
        Matcher m = Pattern.compile("currentSchema=(\\w+)").matcher(databaseUrl);
        if (!m.find()) return;
        try (Connection c = DriverManager.getConnection(TestDatabase.pgUrl())) {
            c.createStatement().execute("DROP SCHEMA " + m.group(1) + " CASCADE");
        } catch (SQLException e) {
            // a leftover test schema harms nothing; the next run uses a new name
        }
    }

    /** The concurrent clients and what they saw. */
    final class Load {
        final Set<String> complete = ConcurrentHashMap.newKeySet();
        final Set<String> partial = ConcurrentHashMap.newKeySet();
        final List<String> unexpectedFailures = new CopyOnWriteArrayList<>();
        final AtomicInteger failuresAfterKill = new AtomicInteger();
        final AtomicBoolean killing = new AtomicBoolean();
        final AtomicBoolean stopped = new AtomicBoolean();
        final AtomicInteger completed = new AtomicInteger();
        final CountDownLatch killed = new CountDownLatch(1);
        final List<Thread> threads = new ArrayList<>();
        private Process gateway;

        void start(String url, String key, Process gateway) {
            this.gateway = gateway;
            for (int i = 0; i < CLIENTS; i++) {
                int first = i;
                threads.add(Thread.ofVirtual().name("client-" + i).start(() -> loop(url, key, first)));
            }
        }

        /**
         * Called by the client that completed the {@code COMPLETE_BEFORE_KILL}th response: it
         * kills the gateway itself, at once, while the events of the responses just received are the
         * likeliest to be still on their way to disk (were sync mode not waiting for them).
         */
        private void kill() {
            killing.set(true);
            gateway.destroyForcibly();
            killed.countDown();
        }

        /** Until the gateway is killed: alternate streamed and non-streamed chats; stop at the first failure after it. */
        private void loop(String url, String key, int first) {
            Client client = new Client(url, key, this);
            for (int i = first; !stopped.get(); i++) {
                try {
                    complete.add(i % 2 == 0 ? client.stream() : client.answer());
                    if (completed.incrementAndGet() == COMPLETE_BEFORE_KILL) kill();
                } catch (IOException | RuntimeException e) {
                    if (killing.get()) {
                        failuresAfterKill.incrementAndGet();
                        return;
                    }
                    unexpectedFailures.add(e.toString());
                    if (unexpectedFailures.size() > 50) return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void awaitClientsStopped(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (Thread t : threads) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    throw new AssertionError("client " + t.getName() + " did not notice the kill within " + timeout);
                }
            }
        }

        void stop() {
            stopped.set(true);
            threads.forEach(Thread::interrupt);
        }
    }

    /** One client's requests; each returns the completion id of a completely received answer. */
    final class Client {
        final String url;
        final String key;
        final Load load;

        Client(String url, String key, Load load) {
            this.url = url;
            this.key = key;
            this.load = load;
        }

        /** Complete: status 200 and the whole JSON body. */
        String answer() throws IOException, InterruptedException {
            HttpResponse<String> res = http.send(request(false), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) throw new IOException("status " + res.statusCode() + ": " + res.body());
            JsonNode body = Gateway.JSON.readTree(res.body());
            String id = body.path("id").asText("");
            if (!id.startsWith("chatcmpl-") || body.path("choices").isEmpty())
                throw new IOException("incomplete answer: " + res.body());
            return id;
        }

        /** Complete: status 200 and {@code data: [DONE]} received. */
        String stream() throws IOException, InterruptedException {
            HttpResponse<InputStream> res = http.send(request(true), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
                if (res.statusCode() != 200)
                    throw new IOException("status " + res.statusCode() + ": " + lines.readLine());
                String id = null;
                try {
                    for (String line; (line = lines.readLine()) != null; ) {
                        if (!line.startsWith("data: ")) continue;
                        String data = line.substring("data: ".length());
                        if (data.equals("[DONE]")) {
                            if (id == null) throw new IOException("[DONE] without a chunk");
                            drainQuietly(lines);
                            return id;
                        }
                        String chunkId = Gateway.JSON.readTree(data).path("id").asText(null);
                        if (chunkId == null) throw new IOException("stream ended with an error: " + data);
                        if (id == null) id = chunkId;
                        else if (!id.equals(chunkId))
                            throw new IOException("two ids in one stream: " + id + ", " + chunkId);
                    }
                    throw new IOException("stream ended without [DONE]");
                } catch (IOException | UncheckedIOException e) {
                    if (id != null) load.partial.add(id);
                    throw e instanceof IOException io ? io : ((UncheckedIOException) e).getCause();
                }
            }
        }

        private HttpRequest request(boolean stream) {
            return HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions"))
                    .timeout(REQUEST_TIMEOUT)
                    .header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Gateway.chat("assistant", stream, "")))
                    .build();
        }

        private static void drainQuietly(BufferedReader lines) {
            try {
                while (lines.readLine() != null) {
                    // the answer is complete; what follows [DONE] (the end of the body) does not matter
                }
            } catch (IOException | UncheckedIOException e) {
                // the gateway may die right after [DONE]: the answer was complete all the same
            }
        }
    }

    /** A gateway in its own JVM: {@code breakeven serve --port 0}, stdout read for the port, stderr to a file. */
    static final class ServerProcess {
        final String name;
        final Process process;
        final Path stdout;
        final Path stderr;
        final CompletableFuture<String> listening = new CompletableFuture<>();

        private ServerProcess(String name, Process process, Path stdout, Path stderr) {
            this.name = name;
            this.process = process;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        static ServerProcess start(CrashRecoveryTest test, String name) throws IOException {
            Path stdout = test.dir.resolve(name + ".stdout.log");
            Path stderr = test.dir.resolve(name + ".stderr.log");
            // A small gateway that starts quickly on a shared machine: 256 MB, serial GC, C1 only.
            ProcessBuilder pb = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-Xmx256m",
                            "-XX:+UseSerialGC",
                            "-XX:TieredStopAtLevel=1",
                            "--enable-native-access=ALL-UNNAMED",
                            "-cp",
                            System.getProperty("java.class.path"),
                            "dev.breakeven.app.Main",
                            "serve",
                            "--config",
                            test.config.toString(),
                            "--port",
                            "0")
                    .directory(test.dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(stderr.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("BREAKEVEN_")); // only the YAML configures it
            pb.environment().put("MOCK_KEY", "upstream-secret");
            ServerProcess server = new ServerProcess(name, pb.start(), stdout, stderr);
            test.servers.add(server);
            Thread.ofPlatform().daemon().name(name + "-stdout").start(server::readStdout);
            return server;
        }

        /** Copies stdout to its file, completing {@link #listening} with the URL when the server says it. */
        private void readStdout() {
            try (BufferedReader in = process.inputReader(StandardCharsets.UTF_8);
                    Writer out = Files.newBufferedWriter(stdout)) {
                for (String line; (line = in.readLine()) != null; ) {
                    out.write(line + "\n");
                    out.flush();
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) listening.complete(m.group(1));
                }
            } catch (IOException e) {
                listening.completeExceptionally(e);
            }
            if (listening.isDone()) return;
            String exit;
            try {
                exit = process.waitFor(5, TimeUnit.SECONDS) ? "exit code " + process.exitValue() : "still running";
            } catch (InterruptedException e) {
                exit = "interrupted";
            }
            listening.completeExceptionally(new IllegalStateException(
                    "the " + name + " gateway closed its stdout without saying where it listens (" + exit + ")"));
        }

        /** Blocks on the server's stdout until it prints its URL. */
        String awaitListening() throws InterruptedException {
            try {
                return listening.get(STARTUP.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError(e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new AssertionError("the " + name + " gateway did not listen within " + STARTUP);
            }
        }

        /** SIGTERM, then SIGKILL if it lingers. */
        void destroy() {
            try {
                if (process.isAlive()) {
                    process.destroy();
                    if (!process.waitFor(15, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                        process.waitFor(15, TimeUnit.SECONDS);
                    }
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }

        String tails() {
            return "--- " + name + " gateway stderr (last lines) ---\n" + tail(stderr, 40) + "--- " + name
                    + " gateway stdout (last lines) ---\n" + tail(stdout, 10);
        }

        private static String tail(Path file, int n) {
            try {
                if (!Files.exists(file)) return "(none)\n";
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                return lines.subList(Math.max(0, lines.size() - n), lines.size()).stream()
                        .map(l -> l + "\n")
                        .collect(Collectors.joining());
            } catch (IOException | UncheckedIOException e) {
                return "(unreadable: " + e + ")\n";
            }
        }
    }
}
