package dev.breakeven.cluster;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@link Counters} in Redis, shared by every node that uses the same Redis: the same state and the
 * same integer arithmetic as {@link InProcessCounters}, run by Lua scripts that Redis executes one
 * at a time. A group reservation is one script over all its counters, so it is atomic; a
 * settlement is one script per lease.
 *
 * <p>A key {@code <account>:<what>} is stored as {@code bk:ctr:{<account>}:<what>:<window id>}:
 * the counters of one account share a hash slot, so a group's script runs in one Redis Cluster
 * node; a group whose keys name different accounts (the part before the first {@code :}) is
 * refused. Every write sets the counter to expire when it holds nothing, so memory stays bounded
 * without a sweep.
 *
 * <p>Failure: when Redis gives no answer within the timeout, every method throws {@link
 * ClusterException} {@code counters_unavailable}. A reservation that fails so has held nothing,
 * unless Redis ran it and only its answer was lost; what it held then stays counted until the
 * bucket refills it or its period ends (never an overspend). A lease whose settlement fails stays
 * unresolved and may be settled again; Redis applies a lease's settlement at most once.
 */
public final class RedisCounters implements Counters, AutoCloseable {
    private static final RedisLink.Script RESERVE = RedisLink.Script.load("reserve.lua");
    private static final RedisLink.Script SETTLE = RedisLink.Script.load("settle.lua");

    /**
     * How long Redis remembers that a lease was settled: a settlement sent again within it (its
     * first answer lost) is not applied twice. Nothing here retries on its own.
     */
    static final long RETRY_WINDOW_MILLIS = 60_000;

    private final RedisLink link;
    private final boolean ownsLink;
    private final String prefix;

    RedisCounters(RedisLink link, String prefix, boolean ownsLink) {
        this.link = link;
        this.prefix = prefix;
        this.ownsLink = ownsLink;
    }

    /**
     * Counters in the Redis at {@code url} ({@code redis://host:port[/db]}), under keys that start
     * with {@code bk:}. Connects at once if Redis answers; if it does not, this still returns, and
     * every call fails with {@code counters_unavailable} until Redis can be reached.
     *
     * @param timeout the longest any call may wait for Redis
     * @throws ClusterException {@code invalid_argument} if the URL cannot be parsed
     */
    public static RedisCounters connect(String url, Duration timeout) {
        return new RedisCounters(RedisLink.open(url, timeout), "bk:", true);
    }

    /**
     * {@inheritDoc}
     *
     * @throws ClusterException also {@code invalid_argument} if the claims' keys name different
     *     accounts, and {@code counters_unavailable} if Redis does not answer
     */
    @Override
    public GroupReservation reserveAll(List<Claim> claims, long now) {
        CounterMath.distinctInOrder(claims);
        String account = account(claims.getFirst().key());
        int n = claims.size();
        String[] keys = new String[n];
        String[] args = new String[1 + 6 * n];
        args[0] = Long.toString(now);
        for (int i = 0; i < n; i++) {
            Claim claim = claims.get(i);
            if (!account(claim.key()).equals(account))
                throw ClusterException.invalid("a group's keys must name one account (<account>:<what>): "
                        + claims.getFirst().key() + ", " + claim.key());
            keys[i] = counterKey(claim.key(), claim.window());
            Window window = claim.window();
            boolean bucket = window instanceof Window.Bucket;
            args[1 + 6 * i] = bucket ? "b" : "u";
            args[2 + 6 * i] = Long.toString(CounterMath.scale(window));
            args[3 + 6 * i] = Long.toString(claim.amount());
            args[4 + 6 * i] = Long.toString(claim.limit());
            args[5 + 6 * i] = bucket ? "0" : Long.toString(((Window.Utc) window).start(now));
            args[6 + 6 * i] = bucket ? "0" : Long.toString(((Window.Utc) window).end(now));
        }
        List<Object> out = link.eval(RESERVE, ScriptOutputType.MULTI, keys, args);
        return out.get(0).equals(1L) ? leases(claims, out) : longestDenial(claims, out);
    }

    private Leases leases(List<Claim> claims, List<Object> out) {
        List<Lease> leases = new ArrayList<>(claims.size());
        for (int i = 0; i < claims.size(); i++) {
            Claim claim = claims.get(i);
            long t = (Long) out.get(1 + 3 * i);
            long level = (Long) out.get(2 + 3 * i);
            long mark = (Long) out.get(3 + 3 * i);
            Usage usage = CounterMath.usage(claim.window(), level, periodEnd(claim.window(), mark), claim.limit(), t);
            // a bucket lease remembers the level it left, a calendar lease the period it counts in
            leases.add(new RedisLease(claim, t, claim.window() instanceof Window.Bucket ? level : mark, usage));
        }
        return new Leases(leases);
    }

    private static Denial longestDenial(List<Claim> claims, List<Object> out) {
        Denial longest = null;
        for (int i = 0; i < claims.size(); i++) {
            Claim claim = claims.get(i);
            long t = (Long) out.get(1 + 3 * i);
            long level = (Long) out.get(2 + 3 * i);
            long mark = (Long) out.get(3 + 3 * i);
            Denial denial = CounterMath.denial(claim, level, periodEnd(claim.window(), mark), t);
            if (denial != null && (longest == null || denial.retryAt() > longest.retryAt())) longest = denial;
        }
        if (longest == null) throw new ClusterException("counters_unavailable", "Redis denied a group that fits");
        return longest;
    }

    /**
     * {@inheritDoc} A plain read (HMGET), brought to {@code now} here.
     *
     * @throws ClusterException {@code counters_unavailable} if Redis does not answer
     */
    @Override
    public Usage usage(String key, Window window, long limit, long now) {
        new Claim(key, window, 0, limit); // validates
        String[] stored = link.read(counterKey(key, window), "level", "mark", "rate");
        if (stored[1] == null) return CounterMath.empty(window, limit, now);
        long level = number(stored[0]);
        long mark = number(stored[1]);
        return switch (window) {
            case Window.Bucket b -> {
                long t = Math.max(now, mark);
                long rate = number(stored[2]);
                yield CounterMath.usage(window, CounterMath.drained(level, rate, t - mark), 0, limit, t);
            }
            case Window.Utc period ->
                period.start(now) > mark
                        ? CounterMath.empty(window, limit, now)
                        : CounterMath.usage(window, level, period.end(mark), limit, Math.max(now, mark));
        };
    }

    /** Closes the connection to Redis (if this opened it). */
    @Override
    public void close() {
        if (ownsLink) link.close();
    }

    /** The part of a key before its first {@code :} (the whole key if it has none). */
    static String account(String key) {
        int colon = key.indexOf(':');
        return colon < 0 ? key : key.substring(0, colon);
    }

    /** {@code <prefix>ctr:{<account>}:<what>:<window id>} (no {@code :<what>} for a key without one). */
    String counterKey(String key, Window window) {
        String account = account(key);
        return prefix + "ctr:{" + account + "}" + key.substring(account.length()) + ":" + window.id();
    }

    private static long periodEnd(Window window, long mark) {
        return window instanceof Window.Utc period ? period.end(mark) : 0;
    }

    /** A stored number: Redis writes a Lua number as an integer or, for some, in exponent form. */
    private static long number(String text) {
        if (text == null) return 0;
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return (long) Double.parseDouble(text); // exact: stored values are integers below 2^53
        }
    }

    /**
     * A lease held in Redis. It stays in this node and carries what settling needs; exactly once
     * holds here by compare-and-set and in Redis by the lease's random id (a retried settlement
     * whose first answer was lost is not applied twice).
     */
    private final class RedisLease extends HeldClaim {
        final String id = UUID.randomUUID().toString();

        RedisLease(Claim claim, long reservedAt, long mark, Usage usage) {
            super(claim, reservedAt, mark, usage);
        }

        /** Settles in Redis, unless it would change nothing. */
        @Override
        void apply(long actual, long now) {
            if (!changesNothing(actual, now)) settleInRedis(actual, now);
        }

        /** Keeping what was reserved changes nothing; nor does settling in a period that has ended. */
        private boolean changesNothing(long actual, long now) {
            return actual == claim.amount() || (claim.window() instanceof Window.Utc period && now >= period.end(mark));
        }

        private void settleInRedis(long actual, long now) {
            Window window = claim.window();
            boolean bucket = window instanceof Window.Bucket;
            long scale = CounterMath.scale(window);
            // the marker lives as long as the settlement could still change the counter (a bucket
            // until it has refilled the lease, at least one period; a calendar lease until its period
            // ends), but no longer than the retry window: one per settlement, they must not pile up
            long markerTtl = Math.min(
                    RETRY_WINDOW_MILLIS,
                    bucket
                            ? Math.max(scale, reservedAt + Math.ceilDiv(mark, claim.limit()) - now)
                            : Math.max(1, ((Window.Utc) window).end(mark) - now));
            String[] keys = {counterKey(claim.key(), window), prefix + "lease:{" + account(claim.key()) + "}:" + id};
            link.eval(
                    SETTLE,
                    ScriptOutputType.INTEGER,
                    keys,
                    Long.toString(now),
                    bucket ? "b" : "u",
                    Long.toString(scale),
                    Long.toString(claim.amount()),
                    Long.toString(actual),
                    Long.toString(claim.limit()),
                    Long.toString(reservedAt),
                    Long.toString(mark),
                    bucket ? "0" : Long.toString(((Window.Utc) window).start(now)),
                    bucket ? "0" : Long.toString(((Window.Utc) window).end(now)),
                    Long.toString(markerTtl));
        }
    }
}
