package dev.breakeven.knowledge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The named knowledge bases under one folder ({@code <data_dir>/knowledge}), each in a subfolder
 * of its name. Names are 1 to 64 characters of {@code a-z 0-9 _ -}, starting with a letter or
 * digit. A base is opened once and shared; {@link #close()} closes them all. Thread-safe. Invalid
 * names, unknown bases and unreadable folders are {@link KnowledgeException}s ({@code
 * invalid_name}, {@code unknown_knowledge_base}, {@code io_error}).
 */
public final class KnowledgeBases implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    private final Path root;
    private final Embedder embedder;
    private final IngestSettings settings;
    private final Map<String, KnowledgeBase> open = new ConcurrentHashMap<>();

    public KnowledgeBases(Path root, Embedder embedder) {
        this(root, embedder, IngestSettings.DEFAULTS);
    }

    public KnowledgeBases(Path root, Embedder embedder, IngestSettings settings) {
        this.root = root;
        this.embedder = embedder;
        this.settings = settings;
    }

    /** @throws KnowledgeException {@code invalid_name} unless {@code name} is a valid knowledge base name */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new KnowledgeException(
                    "invalid_name",
                    "invalid knowledge base name '" + name
                            + "': use 1 to 64 of a-z, 0-9, '_' and '-', starting with a letter or digit");
        }
        return name;
    }

    public boolean exists(String name) {
        checkName(name);
        return open.containsKey(name) || Files.isDirectory(root.resolve(name)) && hasIndex(root.resolve(name));
    }

    /** @throws KnowledgeException {@code invalid_name}, {@code unknown_knowledge_base}, {@code embedder_mismatch} or {@code io_error} */
    public KnowledgeBase open(String name) {
        checkName(name);
        KnowledgeBase base = open.get(name);
        if (base != null) return base;
        if (!exists(name)) throw unknown(name);
        return open.computeIfAbsent(name, n -> KnowledgeBase.open(n, root.resolve(n), embedder, settings, false));
    }

    /** Opens the base, creating an empty one first if there is none. */
    public KnowledgeBase openOrCreate(String name) {
        checkName(name);
        return open.computeIfAbsent(name, n -> {
            try {
                Files.createDirectories(root.resolve(n));
            } catch (IOException e) {
                throw new KnowledgeException(
                        "io_error", "cannot create knowledge base '" + n + "' in " + root + ": " + e.getMessage(), e);
            }
            return KnowledgeBase.open(n, root.resolve(n), embedder, settings, true);
        });
    }

    /** The names of the bases that exist, sorted. */
    public List<String> names() {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> folders = Files.list(root)) {
            List<String> names = new ArrayList<>();
            for (Path folder : folders.sorted().toList()) {
                String name = folder.getFileName().toString();
                if (NAME.matcher(name).matches() && Files.isDirectory(folder) && hasIndex(folder)) names.add(name);
            }
            return names;
        } catch (IOException e) {
            throw new KnowledgeException(
                    "io_error", "cannot list knowledge bases in " + root + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (KnowledgeBase base : open.values()) {
            try {
                base.close();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
        }
        open.clear();
        if (failure != null) throw failure;
    }

    private KnowledgeException unknown(String name) {
        List<String> known = names();
        return new KnowledgeException(
                "unknown_knowledge_base",
                "no knowledge base named '" + name + "'"
                        + (known.isEmpty() ? " (there are none yet)" : " (known: " + String.join(", ", known) + ")"));
    }

    private static boolean hasIndex(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith("segments_"));
        } catch (IOException e) {
            return false;
        }
    }
}
