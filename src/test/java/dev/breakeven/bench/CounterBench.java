package dev.breakeven.bench;

import dev.breakeven.cluster.Claim;
import dev.breakeven.cluster.Counters;
import dev.breakeven.cluster.GroupReservation;
import dev.breakeven.cluster.InProcessCounters;
import dev.breakeven.cluster.Lease;
import dev.breakeven.cluster.Leases;
import dev.breakeven.cluster.RedisCounters;
import dev.breakeven.cluster.Reservation;
import dev.breakeven.cluster.Window;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link InProcessCounters} (and, when {@code BREAKEVEN_BENCH_REDIS_URL} names a Redis, {@link
 * RedisCounters}) throughput: reserve then settle (keep 70% of what was reserved), back
 * to back, on 1, 2 and 8 platform threads, with time read from the system clock per operation as
 * callers do. Shapes:
 *
 * <ul>
 *   <li>{@code one key}: every thread on the same minute bucket (the worst case: one lock);
 *   <li>{@code 10k keys}: each thread walks 10,000 minute buckets (accounts) in its own order;
 *   <li>{@code request}: what admission does per request, over 10,000 accounts: one {@code
 *       reserveAll} of requests/min, tokens/min, tokens/day and tokens/month, then four settles.
 *       An op here is the whole request (one group, four leases).
 *   <li>{@code redis req}: the same request on {@link RedisCounters} (one script for the group,
 *       three for the settles: the requests counter kept at 1 of 1 does not go to Redis), only
 *       when {@code BREAKEVEN_BENCH_REDIS_URL} is set. Its accounts are {@code bench_acct_<k>}, the
 *       same in every run, so runs reuse the same 30,000 keys (which expire by the month's end).
 * </ul>
 *
 * Limits are far above what a run can use, so every reservation is granted (the bench fails
 * otherwise). Each measurement runs {@code seconds} and is repeated {@code runs} times after one
 * unmeasured warm-up of every shape; the table gives the median and every run.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt) dev.breakeven.bench.CounterBench \
 *     [seconds=2] [runs=3] [threads=1,2,8]
 * </pre>
 */
public final class CounterBench {
    static final int KEYS = 10_000;
    static final long RESERVE = 1_000;
    static final long KEEP = 700;
    static final long HUGE = 100_000_000_000L; // per minute, day, month: never reached (and within Claim.MAX_UNITS)
    static final String REDIS_URL_VARIABLE = "BREAKEVEN_BENCH_REDIS_URL";

    enum Shape {
        ONE_KEY("one key"),
        TEN_K_KEYS("10k keys"),
        REQUEST("request"),
        REDIS_REQUEST("redis req");

        final String label;

        Shape(String label) {
            this.label = label;
        }
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int[] threadCounts = args.length > 2
                ? java.util.Arrays.stream(args[2].split(","))
                        .mapToInt(Integer::parseInt)
                        .toArray()
                : new int[] {1, 2, 8};
        System.out.printf(
                Locale.ROOT,
                "counters: reserve + settle, %.1f s per run, median of %d runs, %d cores, %s, load %s%n",
                seconds,
                runs,
                Runtime.getRuntime().availableProcessors(),
                Runtime.version(),
                loadAverage());
        String redisUrl = System.getenv(REDIS_URL_VARIABLE);
        RedisCounters redis = redisUrl == null ? null : RedisCounters.connect(redisUrl, Duration.ofSeconds(2));
        if (redis == null) System.out.println(REDIS_URL_VARIABLE + " is unset: RedisCounters not measured");
        List<Shape> shapes = new ArrayList<>(List.of(Shape.values()));
        if (redis == null) shapes.remove(Shape.REDIS_REQUEST);
        for (Shape shape : shapes) for (int threads : threadCounts) measure(shape, redis, threads, seconds / 2);

        System.out.printf(Locale.ROOT, "%-9s %7s %14s   %s%n", "shape", "threads", "median ops/s", "runs");
        for (Shape shape : shapes) {
            for (int threads : threadCounts) {
                List<Double> rates = new ArrayList<>();
                for (int r = 0; r < runs; r++) rates.add(measure(shape, redis, threads, seconds));
                StringBuilder each = new StringBuilder();
                for (double rate : rates) each.append(String.format(Locale.ROOT, "%,.0f  ", rate));
                System.out.printf(
                        Locale.ROOT,
                        "%-9s %7d %,14.0f   %s%n",
                        shape.label,
                        threads,
                        median(rates),
                        each.toString().trim());
            }
        }
        System.out.printf(Locale.ROOT, "load at end %s%n", loadAverage());
        if (redis != null) redis.close();
    }

    /** Operations per second of one run on fresh counters (in process) or on {@code redis}. */
    static double measure(Shape shape, RedisCounters redis, int threads, double seconds) throws Exception {
        Counters counters = shape == Shape.REDIS_REQUEST ? redis : new InProcessCounters();
        String account = shape == Shape.REDIS_REQUEST ? "bench_acct_" : "acct_";
        Clock clock = Clock.systemUTC();
        String[] keys = new String[KEYS];
        String[] requestKeys = new String[KEYS];
        String[] tokenKeys = new String[KEYS];
        for (int k = 0; k < KEYS; k++) {
            keys[k] = account + k;
            requestKeys[k] = keys[k] + ":requests";
            tokenKeys[k] = keys[k] + ":tokens";
        }
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        long[] ops = new long[threads];
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int me = t;
            workers[t] = Thread.ofPlatform().name("bench-" + t).start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                long n = 0;
                int k = (me * 7_919) % KEYS;
                while (!stop.get()) {
                    for (int i = 0; i < 256; i++) {
                        switch (shape) {
                            case ONE_KEY -> reserveAndSettle(counters, clock, keys[0]);
                            case TEN_K_KEYS -> reserveAndSettle(counters, clock, keys[k]);
                            case REQUEST, REDIS_REQUEST -> request(counters, clock, requestKeys[k], tokenKeys[k]);
                        }
                        k = k + 1 == KEYS ? 0 : k + 1;
                    }
                    n += 256;
                }
                ops[me] = n;
            });
        }
        long began = System.nanoTime();
        start.countDown();
        Thread.sleep((long) (seconds * 1_000));
        stop.set(true);
        for (Thread worker : workers) worker.join();
        long elapsed = System.nanoTime() - began;
        long total = 0;
        for (long n : ops) total += n;
        return total / (elapsed / 1e9);
    }

    static void reserveAndSettle(Counters counters, Clock clock, String key) {
        Reservation r = counters.reserve(key, Window.MINUTE, RESERVE, HUGE, clock.millis());
        if (!(r instanceof Lease lease)) throw new IllegalStateException("denied: " + r);
        lease.settle(KEEP, clock.millis());
    }

    static void request(Counters counters, Clock clock, String requests, String tokens) {
        GroupReservation r = counters.reserveAll(
                List.of(
                        new Claim(requests, Window.MINUTE, 1, HUGE),
                        new Claim(tokens, Window.MINUTE, RESERVE, HUGE),
                        new Claim(tokens, Window.UTC_DAY, RESERVE, HUGE),
                        new Claim(tokens, Window.UTC_MONTH, RESERVE, HUGE)),
                clock.millis());
        if (!(r instanceof Leases leases)) throw new IllegalStateException("denied: " + r);
        long now = clock.millis();
        leases.get(0).settle(1, now);
        for (int i = 1; i < 4; i++) leases.get(i).settle(KEEP, now);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "n/a";
        }
    }

    private CounterBench() {}
}
