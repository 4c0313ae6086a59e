package dev.breakeven.app;

import java.util.List;

/** The whole configuration, as read from {@code breakeven.yaml} over the built-in defaults. */
public record BreakevenConfig(
        Server server,
        String dataDir,
        Database database,
        Metering metering,
        List<Backend> backends,
        List<Model> models) {

    public record Server(String host, int port, long maxBodyBytes, boolean accessLog) {}

    public record Database(String url, String user, String passwordEnv, int poolSize) {}

    public record Metering(String durability) {}

    /**
     * One place generations run. {@code type} is {@code openai} for any OpenAI-compatible server;
     * timeouts and intervals are in milliseconds. The last four keys drive routing: a health check
     * interval of 0 turns probing off, a failure threshold of 0 turns the circuit breaker off.
     */
    public record Backend(
            String id,
            String type,
            String baseUrl,
            String apiKeyEnv,
            String apiKeyFile,
            Integer capacity,
            Long connectTimeoutMs,
            Long firstByteTimeoutMs,
            Long idleTimeoutMs,
            Long healthCheckIntervalMs,
            Long healthCheckTimeoutMs,
            Integer failureThreshold,
            Long coolDownMs) {}

    public record Model(String id, String description, List<Route> backends) {}

    public record Route(String backend, String model) {}
}
