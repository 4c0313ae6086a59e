package dev.breakeven.bench;

/**
 * Runs the three gateway benchmarks — (a) {@link GatewayOverheadBench}, (b) {@link
 * GatewayThroughputBench}, (c) {@link StreamingRelayBench} — on one stack of servers, warmed up
 * once, and writes their sections of the results file. This is what {@code bench/run} calls; each
 * benchmark's own {@code main} runs it alone on a stack of its own.
 *
 * <pre>
 * java -cp … dev.breakeven.bench.GatewayBenchmarks [--quick] [--out FILE] [--summary FILE]
 * </pre>
 */
public final class GatewayBenchmarks {
    private GatewayBenchmarks() {}

    public static void main(String[] args) throws Exception {
        Report report = Report.fromArgs(args);
        try (BenchStack stack = BenchStack.start(StreamingRelayBench.RATE, 100)) {
            report.line("## Set-up")
                    .line("")
                    .line("Each server runs in a JVM of its own, apart from the load generator: the mock model "
                            + "servers (`BenchUpstreams`: a *fast* one answering at once, a *paced* one streaming "
                            + StreamingRelayBench.RATE
                            + " tokens/s), and two gateways started as `dev.breakeven.app.Main serve --config … --data "
                            + "<temp dir>` (SQLite in WAL mode with synchronous=FULL), one with "
                            + "`metering.durability: sync`, one with `async`, both with the default server settings "
                            + "(access log on). Gateway JVM options: `"
                            + String.join(" ", BenchStack.gatewayOptions())
                            + "` (otherwise the JVM's defaults, as `./breakeven serve` runs). The load generator "
                            + "(`Http1Connection`, raw keep-alive HTTP/1.1 sockets on virtual threads) runs in the "
                            + "benchmark's JVM.")
                    .line("");
            stack.warmUp(report);
            GatewayOverheadBench.run(stack, report);
            GatewayThroughputBench.run(stack, report);
            StreamingRelayBench.run(stack, report);
        }
        report.write();
    }
}
