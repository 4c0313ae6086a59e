package dev.breakeven.knowledge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The fixture corpus in {@code src/test/resources/knowledge/handbook}: plans (Markdown), security
 * (HTML), error codes (CSV), shipping (text) and a bread recipe (Markdown), copied where a test can
 * change it.
 */
final class Handbook {
    static final List<String> DOCUMENTS = List.of(
            "handbook/errors.csv",
            "handbook/plans.md",
            "handbook/security.html",
            "handbook/shipping.txt",
            "handbook/sourdough.md");

    private Handbook() {}

    static Path source() {
        try {
            return Path.of(Handbook.class.getResource("/knowledge/handbook").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A copy of the handbook folder inside {@code dir}; returns the copy's path ({@code dir/handbook}). */
    static Path copyTo(Path dir) {
        Path target = dir.resolve("handbook");
        try (Stream<Path> files = Files.list(source())) {
            Files.createDirectories(target);
            for (Path f : files.toList()) Files.copy(f, target.resolve(f.getFileName()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    static String read(String name) {
        try {
            return Files.readString(source().resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
