package dev.breakeven.inference;

/**
 * Classes in a feature package that break the layering on purpose, so that {@code
 * ArchitectureTest} can show its rule still catches them. Nothing uses them.
 */
public final class ArchitectureFixtures {
    private ArchitectureFixtures() {}

    /** The web server stays in api and app. */
    public static final class UsesTheWebServer {
        io.helidon.webserver.WebServer server;
    }

    /** Only the HTTP client and its HTTP types are allowed, not the rest of Helidon. */
    public static final class UsesTheCommonLibrary {
        io.helidon.common.GenericType<?> type;
    }
}
