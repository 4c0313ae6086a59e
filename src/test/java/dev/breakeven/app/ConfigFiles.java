package dev.breakeven.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Configuration files for tests: written under a test's folder, loaded as the CLI loads them. */
final class ConfigFiles {
    /** Two models, for configurations whose plans, prices or classes name models. */
    static final String MODELS = """
            models:
              - {id: assistant, backends: []}
              - {id: small, backends: []}
            """;

    private ConfigFiles() {}

    /** Writes {@code yaml} to {@code dir/breakeven.yaml} and loads it with no environment. */
    static BreakevenConfig load(Path dir, String yaml) {
        Path file = dir.resolve("breakeven.yaml");
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ConfigLoader(Map.of()).load(file, Map.of());
    }
}
