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
     * One place generations run. {@code type} is {@code openai} for any OpenAI-compatible server
     * (timeouts in milliseconds) or {@code llama} for a GGUF file served in this process ({@code
     * path}, {@code threads}, {@code context} tokens per slot, {@code capacity} slots).
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
            String path,
            Integer threads,
            Integer context) {

        /** An {@code openai} backend (the keys of type {@code llama} unset). */
        public Backend(
                String id,
                String type,
                String baseUrl,
                String apiKeyEnv,
                String apiKeyFile,
                Integer capacity,
                Long connectTimeoutMs,
                Long firstByteTimeoutMs,
                Long idleTimeoutMs) {
            this(
                    id,
                    type,
                    baseUrl,
                    apiKeyEnv,
                    apiKeyFile,
                    capacity,
                    connectTimeoutMs,
                    firstByteTimeoutMs,
                    idleTimeoutMs,
                    null,
                    null,
                    null);
        }
    }

    public record Model(String id, String description, List<Route> backends) {}

    public record Route(String backend, String model) {}
}
