package dev.breakeven.bench;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/** Closed-loop load: connections that each send the next request as soon as the last answer came. */
final class Load {
    private Load() {}

    /** Where non-streamed requests go: a base URL, the request bytes, and the server JVMs doing the work. */
    record Path(String label, URI base, byte[] request, List<ChildJvm> servers) {
        static Path of(String label, URI base, String model, String key, List<ChildJvm> servers) {
            return new Path(
                    label,
                    base,
                    Http1Connection.post(base, "/v1/chat/completions", key, GatewayOverheadBench.body(model)),
                    servers);
        }
    }

    /** One timed run: requests completed within the time, errors, latencies, CPU used. */
    record Run(long requests, long errors, double seconds, Samples latency, long serverCpu, long clientCpu) {
        double perSecond() {
            return requests / seconds;
        }
    }

    /** {@code connections} connections send requests back to back for {@code millis}; counts those done in time. */
    static Run closedLoop(Path path, int connections, long millis) throws Exception {
        List<Http1Connection> open = new ArrayList<>();
        for (int i = 0; i < connections; i++) open.add(Http1Connection.to(path.base()));
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong errors = new AtomicLong();
        List<Future<Samples>> results = new ArrayList<>();
        long[] end = new long[1];
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Http1Connection c : open) {
                results.add(threads.submit(() -> {
                    Http1Connection conn = c;
                    Samples latency = new Samples(16_384);
                    go.await();
                    while (true) {
                        long start = System.nanoTime();
                        if (start >= end[0]) break;
                        try {
                            if (!conn.isOpen()) conn = Http1Connection.to(path.base());
                            int status = conn.exchange(path.request(), false).status();
                            long done = System.nanoTime();
                            if (status != 200) errors.incrementAndGet();
                            else if (done <= end[0]) latency.add(done - start);
                        } catch (IOException e) {
                            errors.incrementAndGet();
                            conn.close();
                        }
                    }
                    conn.close();
                    return latency;
                }));
            }
            long serverBefore = BenchStack.cpuNanos(path.servers());
            long clientBefore = BenchStack.clientCpuNanos();
            end[0] = System.nanoTime() + millis * 1_000_000;
            go.countDown();
            Samples all = new Samples(200_000);
            for (Future<Samples> f : results) all.addAll(f.get());
            long serverCpu = BenchStack.cpuNanos(path.servers()) - serverBefore;
            long clientCpu = BenchStack.clientCpuNanos() - clientBefore;
            return new Run(all.size(), errors.get(), millis / 1000.0, all, serverCpu, clientCpu);
        }
    }

    /**
     * Warms a path up with 64 connections in slices of 2 s until its JIT has settled: after at
     * least {@code minMillis}, until the JIT compiler threads of the path's last server JVM (the
     * gateway, or the mock) used under 5% of one core during a slice and the slice's throughput is
     * within 10% of the one before — or until {@code maxMillis} has passed. On a busy 2-core machine
     * the gateway's JIT takes one to two minutes.
     *
     * @return what happened, for the report
     */
    static String warmUp(Path path, long minMillis, long maxMillis) throws Exception {
        ChildJvm jvm = path.servers().get(path.servers().size() - 1);
        long slice = Math.min(2_000, maxMillis);
        long start = System.nanoTime();
        double last = 0;
        double rate;
        double jitShare;
        boolean settled = false;
        while (true) {
            long jitBefore = jvm.compilerCpuNanos();
            long sliceStart = System.nanoTime();
            rate = closedLoop(path, 64, slice).perSecond();
            jitShare = (double) (jvm.compilerCpuNanos() - jitBefore) / (System.nanoTime() - sliceStart);
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            if (elapsed >= minMillis
                    && jitShare < 0.05
                    && rate > 0
                    && Math.abs(rate - last) <= 0.10 * Math.max(rate, last)) {
                settled = true;
                break;
            }
            if (elapsed + slice > maxMillis) break;
            last = rate;
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000;
        String what = String.format(
                Locale.ROOT,
                "%s: %d s, %s; last slice %,.0f req/s with the JIT compiler at %.0f%% of a core",
                path.label(),
                seconds,
                settled ? "settled" : "NOT settled when the time was up",
                rate,
                jitShare * 100);
        Report.progress("warm-up " + what);
        return what;
    }
}
