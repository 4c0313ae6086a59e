package dev.breakeven.app;

import dev.breakeven.cluster.ClusterException;
import dev.breakeven.cluster.Counters;
import dev.breakeven.cluster.InProcessCounters;
import dev.breakeven.cluster.RedisCounters;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code cluster:} configuration: checked at load, turned into the {@link Counters} the plans'
 * limits are counted on at start (docs/cluster.md).
 */
final class ClusterSettings {
    static final String IN_PROCESS = "in_process";
    static final String REDIS = "redis";

    private ClusterSettings() {}

    /**
     * Checks the section.
     *
     * @throws ConfigException naming {@code cluster.<key>}
     */
    static BreakevenConfig.Cluster validate(BreakevenConfig.Cluster c) {
        require(c != null, "cluster must be a mapping of keys (docs/configuration.md#cluster)");
        String counters = c.counters() == null ? "" : c.counters().strip().toLowerCase(Locale.ROOT);
        require(
                counters.equals(IN_PROCESS) || counters.equals(REDIS),
                "cluster.counters must be in_process or redis, got '" + c.counters() + "'");
        require(
                !counters.equals(REDIS)
                        || (c.redisUrlEnv() != null && c.redisUrlEnv().matches("[A-Za-z_][A-Za-z0-9_]*")),
                "cluster.redis_url_env must name an environment variable when cluster.counters is redis, got '"
                        + c.redisUrlEnv() + "'");
        require(
                c.redisTimeoutMs() >= 1 && c.redisTimeoutMs() <= 60_000,
                "cluster.redis_timeout_ms must be 1..60000, got " + c.redisTimeoutMs());
        return new BreakevenConfig.Cluster(counters, c.redisUrlEnv(), c.redisTimeoutMs());
    }

    /**
     * The Redis URL the section needs, read from the variable {@code cluster.redis_url_env}; null
     * for counters in this process. Called before anything is opened, so a missing URL stops
     * start-up at once.
     *
     * @param c a section {@link #validate} returned
     * @throws ConfigException naming {@code cluster.redis_url_env} when its variable is unset
     */
    static String redisUrl(BreakevenConfig.Cluster c, Map<String, String> env) {
        if (c.counters().equals(IN_PROCESS)) return null;
        String url = env.get(c.redisUrlEnv());
        require(
                url != null && !url.isBlank(),
                "cluster.redis_url_env: the variable " + c.redisUrlEnv()
                        + " is unset; it must hold redis://host:port[/db] when cluster.counters is redis");
        return url.strip();
    }

    /**
     * The counters the section asks for: in this process, or in the Redis at {@code redisUrl}. A
     * Redis that does not answer yet does not stop start-up: requests that need the counters are
     * refused (503) until it does.
     *
     * @param redisUrl what {@link #redisUrl} returned
     * @throws ConfigException naming {@code cluster.redis_url_env} when the URL is not a Redis URL
     */
    static Counters counters(BreakevenConfig.Cluster c, String redisUrl) {
        if (redisUrl == null) return new InProcessCounters();
        try {
            return RedisCounters.connect(redisUrl, Duration.ofMillis(c.redisTimeoutMs()));
        } catch (ClusterException e) {
            throw new ConfigException("cluster.redis_url_env: " + c.redisUrlEnv() + " holds " + e.getMessage());
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new ConfigException(message);
    }
}
