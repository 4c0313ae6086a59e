package dev.breakeven.knowledge;

import dev.breakeven.knowledge.IngestReport.Change;
import dev.breakeven.knowledge.IngestReport.Skipped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;

/**
 * One ingestion into an open {@link IndexWriter}. First every input is checked and hashed and every
 * changed document parsed, so that a bad file named on purpose stops the run before anything is
 * written; then changed documents are parsed again, embedded in batches and replaced as a whole,
 * and documents gone from an ingested folder are deleted. The caller commits or rolls back.
 */
final class Ingestion {
    private static final int BATCH = 16;

    private final SourceReader reader;
    private final Embedder embedder;
    private final IngestListener listener;

    Ingestion(SourceReader reader, Embedder embedder, IngestListener listener) {
        this.reader = reader;
        this.embedder = embedder;
        this.listener = listener;
    }

    /** A file to ingest, its document name, and whether it was found by walking a folder. */
    record Input(Path path, String name, boolean walked) {}

    private record Todo(Input input, Change change) {}

    IngestReport run(IndexWriter writer, List<Path> paths) throws IOException {
        long started = System.nanoTime();
        List<Skipped> skipped = new ArrayList<>();
        Set<String> folders = new LinkedHashSet<>();
        Map<String, Input> inputs = inputs(paths, folders, skipped);
        Map<String, String> existing = hashes(writer);

        List<Todo> todo = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        int unchanged = 0;
        int planned = 0;
        for (Input input : inputs.values()) {
            try {
                String hash = reader.hash(input.path(), input.name());
                String old = existing.get(input.name());
                if (hash.equals(old)) {
                    unchanged++;
                } else {
                    planned += reader.read(input.path(), input.name()).chunks().size();
                    todo.add(new Todo(input, old == null ? Change.ADDED : Change.UPDATED));
                }
                seen.add(input.name());
            } catch (KnowledgeException e) {
                if (!input.walked()) throw e;
                skip(skipped, input.name(), e);
            }
        }
        List<String> removed = new ArrayList<>();
        for (String name : existing.keySet()) {
            if (seen.contains(name)) continue;
            for (String folder : folders) {
                if (name.startsWith(folder + "/")) {
                    removed.add(name);
                    break;
                }
            }
        }

        listener.planned(todo.size(), planned);
        int added = 0;
        int updated = 0;
        int passages = 0;
        for (Todo t : todo) {
            SourceReader.Read read = reader.read(t.input().path(), t.input().name());
            List<float[]> vectors = embed(read.chunks());
            writer.updateDocuments(
                    IndexLayout.document(t.input().name()),
                    IndexLayout.passages(t.input().name(), read.hash(), read.chunks(), vectors));
            passages += read.chunks().size();
            if (t.change() == Change.ADDED) added++;
            else updated++;
            listener.changed(t.input().name(), t.change(), read.chunks().size());
        }
        for (String name : removed) {
            writer.deleteDocuments(IndexLayout.document(name));
            listener.changed(name, Change.REMOVED, 0);
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        return new IngestReport(added, updated, unchanged, removed.size(), passages, List.copyOf(skipped), millis);
    }

    private List<float[]> embed(List<Chunk> chunks) {
        List<float[]> vectors = new ArrayList<>(chunks.size());
        for (int from = 0; from < chunks.size(); from += BATCH) {
            List<String> texts = chunks.subList(from, Math.min(chunks.size(), from + BATCH)).stream()
                    .map(Chunk::indexedText)
                    .toList();
            List<float[]> batch = embedder.embedAll(texts);
            for (float[] v : batch) {
                if (v.length != embedder.dimension())
                    throw new IllegalStateException(
                            "the embedder returned " + v.length + " dimensions, not " + embedder.dimension());
            }
            vectors.addAll(batch);
            listener.embedded(texts.size());
        }
        return vectors;
    }

    private void skip(List<Skipped> skipped, String name, KnowledgeException e) {
        skipped.add(new Skipped(name, e.code(), e.getMessage()));
        listener.skipped(name, e);
    }

    /** Files named, and files found in folders named, by document name (first one wins). */
    private Map<String, Input> inputs(List<Path> paths, Set<String> folders, List<Skipped> skipped) {
        Map<String, Input> inputs = new LinkedHashMap<>();
        for (Path given : paths) {
            Path path = given.toAbsolutePath().normalize();
            if (Files.isDirectory(path)) {
                String folder =
                        path.getFileName() == null ? "" : path.getFileName().toString();
                folders.add(folder);
                for (Path file : walk(path)) {
                    String name = (folder.isEmpty() ? "" : folder + "/") + slashes(path.relativize(file));
                    if (Format.of(file.getFileName().toString()).isEmpty()) {
                        skip(skipped, name, unsupported(name));
                        continue;
                    }
                    inputs.putIfAbsent(name, new Input(file, name, true));
                }
            } else if (Files.exists(path)) {
                String name = path.getFileName().toString();
                SourceReader.format(path, name);
                inputs.putIfAbsent(name, new Input(path, name, false));
            } else {
                throw new KnowledgeException("file_not_found", given + ": no such file or folder");
            }
        }
        return inputs;
    }

    private static KnowledgeException unsupported(String name) {
        try {
            SourceReader.format(Path.of(name), name);
        } catch (KnowledgeException e) {
            return e;
        }
        throw new IllegalStateException(name);
    }

    /** Regular files under {@code folder}, sorted, hidden files and folders left out. */
    private static List<Path> walk(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !hidden(folder.relativize(f)))
                    .sorted((a, b) -> slashes(folder.relativize(a)).compareTo(slashes(folder.relativize(b))))
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new KnowledgeException("io_error", folder + ": cannot list: " + e.getMessage(), e);
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) if (part.toString().startsWith(".")) return true;
        return false;
    }

    private static String slashes(Path relative) {
        StringBuilder b = new StringBuilder();
        for (Path part : relative) {
            if (!b.isEmpty()) b.append('/');
            b.append(part);
        }
        return b.toString();
    }

    /** Document name → content hash, for what the writer holds now. */
    private static Map<String, String> hashes(IndexWriter writer) throws IOException {
        Map<String, String> hashes = new HashMap<>();
        try (DirectoryReader index = DirectoryReader.open(writer)) {
            IndexSearcher searcher = new IndexSearcher(index);
            int n = Math.max(1, index.numDocs());
            ScoreDoc[] firsts = searcher.search(new TermQuery(IndexLayout.FIRST_PASSAGES), n).scoreDocs;
            StoredFields stored = searcher.storedFields();
            Set<String> fields = Set.of(IndexLayout.DOCUMENT, IndexLayout.HASH);
            for (ScoreDoc d : firsts) {
                var doc = stored.document(d.doc, fields);
                hashes.put(doc.get(IndexLayout.DOCUMENT), doc.get(IndexLayout.HASH));
            }
        }
        return hashes;
    }
}
