package dev.breakeven.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A benchmark's part of the results file: Markdown written to {@code --out FILE}, and one line per
 * target to {@code --summary FILE} (tab-separated: benchmark, measure, value, target, result) from
 * which {@code bench/run} builds the summary table. Without those flags it all goes to stdout.
 * Flags: {@code --quick} for the short run.
 */
final class Report {
    final boolean quick;
    private final Path out;
    private final Path summary;
    private final StringBuilder markdown = new StringBuilder();

    private Report(boolean quick, Path out, Path summary) {
        this.quick = quick;
        this.out = out;
        this.summary = summary;
    }

    static Report fromArgs(String[] args) {
        boolean quick = false;
        Path out = null;
        Path summary = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--summary" -> summary = Path.of(args[++i]);
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument " + args[i] + " (use --quick, --out FILE, --summary FILE)");
            }
        }
        return new Report(quick, out, summary);
    }

    Report line(String text) {
        markdown.append(text).append('\n');
        return this;
    }

    Report table(List<String> header, List<List<String>> rows) {
        markdown.append("| ").append(String.join(" | ", header)).append(" |\n");
        markdown.append("|").append("---|".repeat(header.size())).append('\n');
        for (List<String> row : rows)
            markdown.append("| ").append(String.join(" | ", row)).append(" |\n");
        markdown.append('\n');
        return this;
    }

    /** One line of the summary table. */
    void summary(String benchmark, String measure, String value, String target, boolean pass) {
        String row = String.join("\t", benchmark, measure, value, target, pass ? "pass" : "**MISS**") + "\n";
        if (summary == null) {
            System.out.print("SUMMARY\t" + row);
            return;
        }
        try {
            Files.writeString(
                    summary, row, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String verdict(boolean pass) {
        return pass ? "pass" : "**MISS**";
    }

    void write() {
        if (out == null) {
            System.out.print(markdown);
            return;
        }
        try {
            Files.writeString(out, markdown, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Progress on stderr, so stdout stays for results. */
    static void progress(String message) {
        System.err.println("[bench] " + message);
    }
}
