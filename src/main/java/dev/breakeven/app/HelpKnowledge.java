package dev.breakeven.app;

import dev.breakeven.knowledge.IngestListener;
import dev.breakeven.knowledge.IngestReport;
import dev.breakeven.knowledge.KnowledgeBase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The product's own documentation, shipped in the jar under {@code help/}, as the default
 * knowledge base {@code help}: copied to {@code <data_dir>/help/docs} and ingested, so the demo
 * assistant can answer questions about Breakeven. Unchanged documents are not embedded again.
 */
final class HelpKnowledge {
    private static final java.util.logging.Logger LOG =
            java.util.logging.Logger.getLogger(HelpKnowledge.class.getName());
    static final String NAME = "help";
    private static final String RESOURCE = "help";

    private HelpKnowledge() {}

    static IngestReport install(KnowledgeBase base, Path dataDir) {
        Path target = dataDir.resolve("help").resolve("docs"); // ingested as docs/NAME.md
        try {
            Files.createDirectories(target);
            Set<String> shipped = copyShipped(target);
            try (Stream<Path> existing = Files.list(target)) {
                for (Path p : existing.toList())
                    if (!shipped.contains(p.getFileName().toString())) Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the help documents in " + target, e);
        }
        long start = System.nanoTime();
        IngestReport report = base.ingest(List.of(target), IngestListener.NONE);
        if (report.changedAnything()) {
            LOG.info("knowledge base '" + NAME + "': indexed Breakeven's documentation in "
                    + (System.nanoTime() - start) / 1_000_000 + " ms (done again only when it changes)");
        }
        return report;
    }

    private static Set<String> copyShipped(Path target) throws IOException {
        URL url = HelpKnowledge.class.getClassLoader().getResource(RESOURCE);
        Set<String> names = new HashSet<>();
        if (url == null) return names;
        URI uri;
        try {
            uri = url.toURI();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        if ("jar".equals(uri.getScheme())) {
            try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                copyFrom(jar.getPath("/" + RESOURCE), target, names);
            }
        } else {
            copyFrom(Path.of(uri), target, names);
        }
        return names;
    }

    private static void copyFrom(Path source, Path target, Set<String> names) throws IOException {
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".md"))
                    .toList()) {
                String name = f.getFileName().toString();
                byte[] bytes = Files.readAllBytes(f);
                Path out = target.resolve(name);
                // rewrite only what changed, so the knowledge base sees unchanged documents as unchanged
                if (!Files.exists(out) || !java.util.Arrays.equals(Files.readAllBytes(out), bytes))
                    Files.write(out, bytes);
                names.add(name);
            }
        }
    }
}
