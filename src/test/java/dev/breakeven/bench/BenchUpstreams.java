package dev.breakeven.bench;

import dev.breakeven.testing.MockSettings;
import dev.breakeven.testing.MockUpstream;
import java.util.concurrent.CountDownLatch;

/**
 * The model servers the gateway benchmarks talk to, in their own JVM: a <em>fast</em> mock that
 * answers at once (16 tokens, the mock's default) and a <em>paced</em> one that streams {@code
 * tokensPerSecond} tokens a second, up to {@code tokens} tokens (requests ask for fewer with {@code
 * max_tokens}), after a time to first token of {@code ttftMs} (default 0). Prints {@code
 * fast=<base url>} and {@code paced=<base url>}, then serves until killed.
 *
 * <pre>
 * java -cp … dev.breakeven.bench.BenchUpstreams [tokensPerSecond] [tokens] [ttftMs]
 * </pre>
 */
public final class BenchUpstreams {
    private BenchUpstreams() {}

    public static void main(String[] args) throws InterruptedException {
        double rate = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        long ttftMillis = args.length > 2 ? Long.parseLong(args[2]) : 0;
        MockUpstream fast = MockUpstream.start(new MockSettings());
        MockUpstream paced = MockUpstream.start(new MockSettings()
                .tokensPerSecond(rate)
                .completionTokens(tokens)
                .timeToFirstToken(java.time.Duration.ofMillis(ttftMillis)));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fast.close();
            paced.close();
        }));
        System.out.println("fast=" + fast.baseUrl());
        System.out.println("paced=" + paced.baseUrl());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
