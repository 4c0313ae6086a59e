package dev.breakeven.testing;

import java.time.Duration;

/** Command-line flags of {@link MockUpstream#main(String[])}. */
final class MockUpstreamArgs {

    static final String USAGE =
            "usage: MockUpstream [--port N] [--ttft-ms N] [--tokens-per-second N] [--tokens N]" + " [--api-key KEY]";

    private MockUpstreamArgs() {}

    /** Applies the flags to {@code settings} and returns the port (8000 unless given). */
    static int parse(String[] args, MockSettings settings) {
        int port = 8000;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + flag);
            }
            String value = args[++i];
            try {
                switch (flag) {
                    case "--port" -> port = Integer.parseInt(value);
                    case "--ttft-ms" -> settings.timeToFirstToken(Duration.ofMillis(Long.parseLong(value)));
                    case "--tokens-per-second" -> settings.tokensPerSecond(Double.parseDouble(value));
                    case "--tokens" -> settings.completionTokens(Integer.parseInt(value));
                    case "--api-key" -> settings.apiKey(value);
                    default -> throw new IllegalArgumentException("unknown flag " + flag);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number after " + flag + ": " + value);
            }
        }
        return port;
    }
}
