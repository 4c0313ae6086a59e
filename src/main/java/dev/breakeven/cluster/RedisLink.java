package dev.breakeven.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One connection to Redis, shared by every caller (Lettuce multiplexes it: concurrent commands are
 * pipelined on one socket), and the scripts run over it. Every call is bounded by the timeout; any
 * failure to get an answer is {@link ClusterException} {@code counters_unavailable}.
 *
 * <p>Commands run at most once: automatic reconnection (which re-sends unanswered commands) is off.
 * A broken connection is replaced on a later call; while Redis cannot be reached, one connection
 * attempt is made per {@link #RECONNECT_PAUSE} and calls in between fail at once.
 */
final class RedisLink implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RedisLink.class.getName());
    static final Duration RECONNECT_PAUSE = Duration.ofSeconds(1);

    /** A Lua script: its text and the SHA-1 that EVALSHA names it by. */
    record Script(String name, String text, String sha) {
        /** The resource {@code name} under this package, after {@code counters.lua}, which it uses. */
        static Script load(String name) {
            String text = resource("counters.lua") + "\n" + resource(name);
            try {
                byte[] sha = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
                return new Script(name, text, HexFormat.of().formatHex(sha));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private static String resource(String name) {
            try (InputStream in = RedisLink.class.getResourceAsStream(name)) {
                if (in == null) throw new IllegalStateException("missing resource " + name);
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final RedisClient client;
    private final String where;
    private final ReentrantLock connecting = new ReentrantLock();
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile long nextAttempt = System.nanoTime();

    private RedisLink(RedisClient client, String where) {
        this.client = client;
        this.where = where;
    }

    /**
     * A link to the Redis at {@code url} ({@code redis://host:port[/db]}, {@code rediss://} for TLS),
     * connected at once if Redis answers; if not, calls fail with {@code counters_unavailable} until
     * it does.
     *
     * @param timeout the longest any call (and a connection attempt) may take
     * @throws ClusterException {@code invalid_argument} if the URL cannot be parsed
     */
    static RedisLink open(String url, Duration timeout) {
        RedisURI uri;
        try {
            uri = RedisURI.create(url);
        } catch (RuntimeException e) {
            throw ClusterException.invalid("not a Redis URL (redis://host:port[/db]): " + e.getMessage());
        }
        uri.setTimeout(timeout);
        RedisClient client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        RedisLink link = new RedisLink(client, uri.getHost() + ":" + uri.getPort() + "/" + uri.getDatabase());
        try {
            link.connection();
        } catch (ClusterException e) {
            LOG.warning("Redis at " + link.where + " does not answer yet (" + e.getMessage()
                    + "); requests that need the counters are refused until it does");
        }
        return link;
    }

    /**
     * Runs {@code script} (EVALSHA, loading it first if Redis does not have it).
     *
     * @throws ClusterException {@code counters_unavailable} if Redis gives no answer within the timeout
     */
    <T> T eval(Script script, ScriptOutputType type, String[] keys, String... args) {
        RedisCommands<String, String> redis = connection().sync();
        try {
            try {
                return redis.evalsha(script.sha(), type, keys, args);
            } catch (RedisNoScriptException e) { // a restarted or flushed Redis
                redis.scriptLoad(script.text());
                return redis.evalsha(script.sha(), type, keys, args);
            }
        } catch (RedisCommandExecutionException e) {
            throw new ClusterException(
                    "counters_unavailable", script.name() + " failed in Redis: " + e.getMessage(), e);
        } catch (RedisException e) {
            throw unavailable(e);
        }
    }

    /** HMGET {@code key} {@code fields}: the values, null for a field (or key) that is not there. */
    String[] read(String key, String... fields) {
        try {
            return connection().sync().hmget(key, fields).stream()
                    .map(kv -> kv.getValueOrElse(null))
                    .toArray(String[]::new);
        } catch (RedisException e) {
            throw unavailable(e);
        }
    }

    /** The commands, for tests that look at what is stored. */
    RedisCommands<String, String> commands() {
        return connection().sync();
    }

    private StatefulRedisConnection<String, String> connection() {
        StatefulRedisConnection<String, String> open = connection;
        if (open != null && open.isOpen()) return open;
        if (System.nanoTime() - nextAttempt < 0 || !connecting.tryLock())
            throw new ClusterException("counters_unavailable", "Redis at " + where + " cannot be reached");
        try {
            open = connection;
            if (open != null && open.isOpen()) return open;
            if (open != null) open.closeAsync();
            nextAttempt = System.nanoTime() + RECONNECT_PAUSE.toNanos();
            connection = client.connect(StringCodec.UTF8);
            LOG.info("connected to Redis at " + where);
            return connection;
        } catch (RedisException e) {
            throw unavailable(e);
        } finally {
            connecting.unlock();
        }
    }

    private ClusterException unavailable(RedisException e) {
        String reason =
                e.getCause() != null && e.getMessage() != null && e.getMessage().isBlank()
                        ? e.getCause().toString()
                        : e.getMessage();
        return new ClusterException("counters_unavailable", "Redis at " + where + ": " + reason, e);
    }

    @Override
    public void close() {
        StatefulRedisConnection<String, String> open = connection;
        if (open != null) open.close();
        try {
            client.shutdown(0, 2, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing the Redis client", e);
        }
    }
}
