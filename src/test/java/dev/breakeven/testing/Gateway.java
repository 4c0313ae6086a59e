package dev.breakeven.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakeven.access.Role;
import dev.breakeven.app.Breakeven;
import dev.breakeven.app.BreakevenConfig;
import dev.breakeven.app.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * A real Breakeven listening on a loopback port, configured through a real YAML file, in front of
 * a {@link MockUpstream}, with a key of every role ready. Tests talk to it with a real HTTP client.
 */
public final class Gateway implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();

    public final MockUpstream upstream;
    public final Breakeven server;
    public final String userKey;
    public final String operatorKey;
    public final String advertiserKey;
    public final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Gateway(MockUpstream upstream, Breakeven server) {
        this.upstream = upstream;
        this.server = server;
        this.userKey = server.keys().issue("alice", Role.USER, null).secret();
        this.operatorKey = server.keys().issue("ops", Role.OPERATOR, null).secret();
        this.advertiserKey =
                server.keys().issue("acme-ads", Role.ADVERTISER, null).secret();
    }

    public static Builder in(Path dir) {
        return new Builder(dir);
    }

    /** Options for the gateway's YAML; defaults suit most tests. */
    public static final class Builder {
        private final Path dir;
        private String databaseUrl;
        private String durability = "sync";
        private long firstByteTimeoutMs = 10_000;
        private long idleTimeoutMs = 10_000;
        private long maxBodyBytes = 1_048_576;
        private String preferredId;
        private String preferredUrl;
        private Clock clock = Clock.systemUTC();
        private int failureThreshold; // breakers off: tests sharing one gateway must not trip each other's
        private long coolDownMs = 30_000;
        private long healthCheckIntervalMs; // probes off: they would add requests the tests count
        private String llamaBackends = "";
        private String extraModels = "";
        private String billing = "";
        private int mockCapacity = 64;
        private final java.util.List<MockModel> mockModels = new java.util.ArrayList<>();
        private final Map<String, String> env = new java.util.HashMap<>(Map.of("MOCK_KEY", "upstream-secret"));

        private Builder(Path dir) {
            this.dir = dir;
        }

        public Builder database(String url) {
            this.databaseUrl = url;
            return this;
        }

        public Builder durability(String mode) {
            this.durability = mode;
            return this;
        }

        public Builder timeouts(Duration firstByte, Duration idle) {
            this.firstByteTimeoutMs = firstByte.toMillis();
            this.idleTimeoutMs = idle.toMillis();
            return this;
        }

        public Builder maxBodyBytes(long bytes) {
            this.maxBodyBytes = bytes;
            return this;
        }

        /** Puts a backend at {@code baseUrl} ahead of the mock in the {@code assistant} model's routes. */
        public Builder preferredBackend(String id, String baseUrl) {
            this.preferredId = id;
            this.preferredUrl = baseUrl;
            return this;
        }

        /** The clock the whole gateway reads (breaker cool-downs, usage times, ids). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Every backend's circuit breaker; off (threshold 0) unless a test turns it on. */
        public Builder breakers(int failureThreshold, Duration coolDown) {
            this.failureThreshold = failureThreshold;
            this.coolDownMs = coolDown.toMillis();
            return this;
        }

        /** Every backend's health check interval; off unless a test turns it on. */
        public Builder healthChecks(Duration interval) {
            this.healthCheckIntervalMs = interval.toMillis();
            return this;
        }

        /**
         * Adds an in-process llama backend {@code llama} serving {@code model} (one thread) and a
         * model {@code local} routed to it, named {@code stories260K} for the backend.
         */
        public Builder llama(Path model, int capacity, int context) {
            this.llamaBackends += "  - {id: llama, type: llama, path: \"" + model + "\", threads: 1, context: "
                    + context + ", capacity: " + capacity + "}\n";
            this.extraModels += "  - {id: local, backends: [{backend: llama, model: stories260K}]}\n";
            return this;
        }

        /** The {@code billing:} section, as YAML flow (e.g. {@code "{mode: postpaid}"}). */
        public Builder billing(String flow) {
            this.billing = "billing: " + flow + "\n";
            return this;
        }

        /** How many generations the mock backend may run at once (the scheduler's capacity for it). */
        public Builder mockCapacity(int capacity) {
            this.mockCapacity = capacity;
            return this;
        }

        /**
         * Another model, {@code model}, served by a backend {@code backend} of its own with {@code
         * capacity} slots on the same mock upstream (which sees {@code upstreamModel} as the
         * request's model): e.g. a smaller model for requests to be downgraded to.
         */
        public Builder mockModel(String model, String backend, int capacity, String upstreamModel) {
            this.mockModels.add(new MockModel(model, backend, capacity, upstreamModel));
            return this;
        }

        /** More top-level YAML for the configuration (e.g. {@code plans:} and {@code default_plan:}). */
        public Builder yaml(String topLevel) {
            this.billing += topLevel.endsWith("\n") ? topLevel : topLevel + "\n";
            return this;
        }

        /** An environment variable the server sees (e.g. a webhook secret). */
        public Builder env(String name, String value) {
            this.env.put(name, value);
            return this;
        }

        public Gateway start() {
            return start(MockUpstream.start());
        }

        public Gateway start(MockUpstream upstream) {
            String url = databaseUrl != null ? databaseUrl : "jdbc:sqlite:" + dir.resolve("breakeven.db");
            String routing = "failure_threshold: %d, cool_down_ms: %d, health_check_interval_ms: %d"
                    .formatted(failureThreshold, coolDownMs, healthCheckIntervalMs);
            String extraBackends = preferredId == null
                    ? ""
                    : "  - {id: " + preferredId + ", type: openai, base_url: \"" + preferredUrl
                            + "\", connect_timeout_ms: 2000, first_byte_timeout_ms: " + firstByteTimeoutMs
                            + ", idle_timeout_ms: " + idleTimeoutMs + ", " + routing + "}\n";
            extraBackends += llamaBackends;
            String models = extraModels;
            for (MockModel m : mockModels) {
                extraBackends += "  - {id: " + m.backend() + ", type: openai, base_url: \"" + upstream.baseUrl()
                        + "\", api_key_env: MOCK_KEY, capacity: " + m.capacity() + ", " + routing + "}\n";
                models += "  - {id: " + m.model() + ", backends: [{backend: " + m.backend() + ", model: "
                        + m.upstreamModel() + "}]}\n";
            }
            String extraRoutes = preferredId == null ? "" : "{backend: " + preferredId + ", model: other-model}, ";
            String yaml = """
                    server: {host: 127.0.0.1, port: 0, max_body_bytes: %d}
                    data_dir: "%s"
                    database: {url: "%s"}
                    metering: {durability: %s}
                    backends:
                    %s  - {id: mock, type: openai, base_url: "%s", api_key_env: MOCK_KEY, capacity: %d, first_byte_timeout_ms: %d, idle_timeout_ms: %d, %s}
                    models:
                      - {id: assistant, backends: [%s{backend: mock, model: mock-model}]}
                      - {id: unrouted, backends: []}
                    %s%s""".formatted(
                            maxBodyBytes,
                            dir,
                            url,
                            durability,
                            extraBackends,
                            upstream.baseUrl(),
                            mockCapacity,
                            firstByteTimeoutMs,
                            idleTimeoutMs,
                            routing,
                            extraRoutes,
                            models,
                            billing);
            try {
                Files.createDirectories(dir);
                Path file = dir.resolve("breakeven.yaml");
                Files.writeString(file, yaml);
                BreakevenConfig config = new ConfigLoader(Map.of()).load(file, Map.of());
                return new Gateway(upstream, Breakeven.start(config, clock, Map.copyOf(env)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                upstream.close();
                throw e;
            }
        }
    }

    private record MockModel(String model, String backend, int capacity, String upstreamModel) {}

    /**
     * Waits until {@code n} requests of {@code priorityClass} wait in the compute scheduler for
     * {@code backend} (polling its snapshot; at most 10 s).
     */
    public void awaitWaiting(String backend, String priorityClass, int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.scheduler().snapshot(backend).of(priorityClass).waiting() != n) {
            if (System.nanoTime() > deadline)
                throw new AssertionError(
                        "timed out waiting for " + n + " " + priorityClass + " requests to wait for " + backend);
            LockSupport.parkNanos(1_000_000); // polling interval
        }
    }

    public URI uri(String path) {
        return URI.create(server.url() + path);
    }

    public HttpRequest.Builder request(String path, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return b;
    }

    public HttpResponse<String> post(String path, String key, String body) {
        return send(request(path, key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    public HttpResponse<String> get(String path, String key) {
        return send(request(path, key).GET().build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (status " + response.statusCode() + "): " + response.body(), e);
        }
    }

    public static String chat(String model, boolean stream, String extra) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]" + extra + "}";
    }

    @Override
    public void close() {
        server.close();
        upstream.close();
    }
}
