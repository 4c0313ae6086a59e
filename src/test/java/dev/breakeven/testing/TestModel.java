package dev.breakeven.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The real GGUF model the in-process inference tests run: {@code $BREAKEVEN_TEST_MODEL}, else {@code
 * ../shared/models/stories260K.gguf} next to the repository. Tests that need it are skipped with one
 * line saying so where it is absent; CI always has it.
 */
public final class TestModel {
    public static final String VARIABLE = "BREAKEVEN_TEST_MODEL";
    public static final Path DEFAULT = Path.of("..", "shared", "models", "stories260K.gguf");

    private TestModel() {}

    /** The model file, or null when there is none. */
    public static Path find() {
        String configured = System.getenv(VARIABLE);
        Path path = configured != null && !configured.isBlank() ? Path.of(configured) : DEFAULT;
        return Files.isRegularFile(path) ? path.toAbsolutePath().normalize() : null;
    }

    /** The model file; skips the calling test (or class, from {@code @BeforeAll}) when there is none. */
    public static Path require() {
        Path path = find();
        Assumptions.assumeTrue(
                path != null,
                "skipped: no test model (set " + VARIABLE + " or put stories260K.gguf in ../shared/models)");
        return path;
    }
}
