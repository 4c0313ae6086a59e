package dev.breakeven.app;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code breakeven serve}: runs the server until it is told to stop (SIGTERM / Ctrl+C). */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the Breakeven server.")
final class ServeCommand implements Runnable {
    @Mixin
    ConfigOptions options;

    @Option(
            names = "--port",
            paramLabel = "N",
            description = "Port to listen on (overrides server.port; 0 picks a free one).")
    Integer port;

    @Option(names = "--host", paramLabel = "HOST", description = "Address to bind (overrides server.host).")
    String host;

    @Override
    public void run() {
        Map<String, String> overrides = new LinkedHashMap<>();
        if (port != null) overrides.put("server.port", port.toString());
        if (host != null) overrides.put("server.host", host);
        Breakeven running = Breakeven.start(options.load(overrides), Clock.systemUTC(), System.getenv());
        System.out.println("Breakeven is listening on " + running.url());
        System.out.flush();
        awaitShutdown(running);
    }

    /** Blocks until the JVM is asked to stop, then closes the server so queued usage is written. */
    static void awaitShutdown(Breakeven running) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            running.close();
                            stopped.countDown();
                        },
                        "breakeven-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
