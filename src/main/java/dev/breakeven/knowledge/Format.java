package dev.breakeven.knowledge;

import java.util.Locale;
import java.util.Optional;

/** The kinds of file a knowledge base takes, known by their extension. */
enum Format {
    MARKDOWN,
    TEXT,
    HTML,
    CSV;

    /** The format of a file name ({@code .md}, {@code .markdown}, {@code .txt}, {@code .html}, {@code .htm}, {@code .csv}), if any. */
    static Optional<Format> of(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        if (dot < 0) return Optional.empty();
        return switch (name.substring(dot + 1)) {
            case "md", "markdown" -> Optional.of(MARKDOWN);
            case "txt", "text" -> Optional.of(TEXT);
            case "html", "htm" -> Optional.of(HTML);
            case "csv" -> Optional.of(CSV);
            default -> Optional.empty();
        };
    }
}
