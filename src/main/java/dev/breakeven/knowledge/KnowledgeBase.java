package dev.breakeven.knowledge;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;

/**
 * One named knowledge base: a Lucene index of passages in its own folder. Searches run concurrently
 * from any thread and see the last committed ingestion; ingestions run one at a time (a second
 * process trying to ingest at once gets {@code knowledge_base_busy}). An ingestion either commits
 * every change or, on any failure, none. Changes committed by another process are seen within a
 * second. Obtain instances from {@link KnowledgeBases}.
 */
public final class KnowledgeBase implements AutoCloseable {
    /** The largest {@code k} a search takes. */
    public static final int MAX_K = 100;

    private static final long REFRESH_NANOS = 1_000_000_000L;

    private final String name;
    private final Path folder;
    private final Directory directory;
    private final Embedder embedder;
    private final IngestSettings settings;
    private final Analyzer analyzer = new EnglishAnalyzer();
    private final SearcherManager searchers;
    private final HybridSearch hybrid;
    private final Object writeLock = new Object();
    private volatile long refreshedAt = System.nanoTime();
    private volatile boolean closed;

    private KnowledgeBase(String name, Path folder, Directory directory, Embedder embedder, IngestSettings settings)
            throws IOException {
        this.name = name;
        this.folder = folder;
        this.directory = directory;
        this.embedder = embedder;
        this.settings = settings;
        this.searchers = new SearcherManager(directory, null);
        this.hybrid = new HybridSearch(analyzer);
    }

    /** Opens the index in {@code folder}, creating an empty one first if {@code create} and none is there. */
    static KnowledgeBase open(String name, Path folder, Embedder embedder, IngestSettings settings, boolean create) {
        Directory directory = null;
        try {
            directory = FSDirectory.open(folder);
            if (!DirectoryReader.indexExists(directory)) {
                if (!create) throw unknown(name);
                try (IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(new EnglishAnalyzer()))) {
                    writer.setLiveCommitData(userData(embedder, 0).entrySet());
                    writer.commit();
                }
            }
            checkEmbedder(name, directory, embedder);
            return new KnowledgeBase(name, folder, directory, embedder, settings);
        } catch (LockObtainFailedException e) {
            close(directory);
            throw busy(name, e);
        } catch (IOException e) {
            close(directory);
            throw new KnowledgeException(
                    "io_error", "knowledge base '" + name + "': cannot open " + folder + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close(directory);
            throw e;
        }
    }

    public String name() {
        return name;
    }

    /**
     * Ingests files and folders (walked recursively, in sorted order, hidden entries left out). A
     * document is named by its path relative to the parent of the folder given ({@code
     * docs/plans.md}), or by its file name if the file was given itself. Unchanged documents are
     * skipped, changed ones replaced, and documents gone from a folder given are removed. A file
     * given itself that cannot be ingested throws before anything changes; a file found in a folder
     * that cannot be ingested is reported in {@link IngestReport#skipped()}.
     *
     * @throws KnowledgeException {@code file_not_found}, {@code unsupported_file}, {@code empty_file},
     *     {@code file_too_large}, {@code not_text}, {@code knowledge_base_busy} or {@code io_error}
     */
    public IngestReport ingest(List<Path> paths, IngestListener listener) {
        synchronized (writeLock) {
            ensureOpen();
            IndexWriter writer;
            try {
                writer = new IndexWriter(
                        directory,
                        new IndexWriterConfig(analyzer)
                                .setOpenMode(IndexWriterConfig.OpenMode.APPEND)
                                .setRAMBufferSizeMB(64));
            } catch (LockObtainFailedException e) {
                throw busy(name, e);
            } catch (IOException e) {
                throw io(e);
            }
            try {
                IngestReport report = new Ingestion(new SourceReader(settings), embedder, listener).run(writer, paths);
                if (report.changedAnything()) {
                    writer.setLiveCommitData(
                            userData(embedder, System.currentTimeMillis()).entrySet());
                    writer.commit();
                }
                writer.close();
                searchers.maybeRefreshBlocking();
                refreshedAt = System.nanoTime();
                return report;
            } catch (IOException e) {
                rollback(writer);
                throw io(e);
            } catch (RuntimeException | Error e) {
                rollback(writer);
                throw e;
            }
        }
    }

    /** The {@code k} passages most relevant to {@code question}, best first, ranked by {@link Retrieval#HYBRID}. */
    public List<Passage> search(String question, int k) {
        return search(question, k, Retrieval.HYBRID);
    }

    /**
     * The {@code k} passages most relevant to {@code question}, best first; empty for a blank
     * question or an empty base.
     *
     * @throws IllegalArgumentException if {@code k} is not between 1 and {@link #MAX_K}
     */
    public List<Passage> search(String question, int k, Retrieval retrieval) {
        checkK(k);
        if (question == null || question.isBlank()) return List.of();
        return search(question, embedder.embed(question), k, retrieval);
    }

    /**
     * As {@link #search(String, int, Retrieval)}, with the question already embedded by this base's
     * embedder (a caller searching several bases embeds once).
     */
    public List<Passage> search(String question, float[] questionVector, int k, Retrieval retrieval) {
        checkK(k);
        if (questionVector.length != embedder.dimension())
            throw new IllegalArgumentException(
                    "the question vector has " + questionVector.length + " dimensions, not " + embedder.dimension());
        ensureOpen();
        refreshIfDue();
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                return hybrid.search(searcher, question, questionVector, k, retrieval);
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw io(e);
        }
    }

    /** How many documents and passages the base holds, as of its last commit. */
    public KnowledgeBaseStats stats() {
        ensureOpen();
        refreshIfDue();
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                int documents = searcher.count(new TermQuery(IndexLayout.FIRST_PASSAGES));
                int passages = searcher.getIndexReader().numDocs();
                String updated = ((DirectoryReader) searcher.getIndexReader())
                        .getIndexCommit()
                        .getUserData()
                        .getOrDefault(IndexLayout.UPDATED_AT, "0");
                return new KnowledgeBaseStats(name, documents, passages, Long.parseLong(updated));
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw io(e);
        }
    }

    /** Closes the index; waits for a running ingestion. Searching afterwards throws {@link IllegalStateException}. */
    @Override
    public void close() {
        synchronized (writeLock) {
            if (closed) return;
            closed = true;
            try {
                searchers.close();
                directory.close();
            } catch (IOException e) {
                throw io(e);
            }
        }
    }

    private void refreshIfDue() {
        long now = System.nanoTime();
        if (now - refreshedAt < REFRESH_NANOS) return;
        refreshedAt = now;
        try {
            searchers.maybeRefresh();
        } catch (IOException e) {
            throw io(e);
        }
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("knowledge base '" + name + "' is closed");
    }

    private static void checkK(int k) {
        if (k < 1 || k > MAX_K) throw new IllegalArgumentException("k must be between 1 and " + MAX_K + ", got " + k);
    }

    private static void checkEmbedder(String name, Directory directory, Embedder embedder) throws IOException {
        Map<String, String> data;
        try (DirectoryReader reader = DirectoryReader.open(directory)) {
            data = reader.getIndexCommit().getUserData();
        }
        String model = data.get(IndexLayout.EMBEDDER);
        String dimension = data.get(IndexLayout.DIMENSION);
        if (!embedder.name().equals(model)
                || !Integer.toString(embedder.dimension()).equals(dimension)) {
            throw new KnowledgeException(
                    "embedder_mismatch",
                    "knowledge base '" + name + "' was built with embeddings " + model + " (" + dimension
                            + " dimensions), not " + embedder.name() + " (" + embedder.dimension() + ")");
        }
    }

    private static Map<String, String> userData(Embedder embedder, long updatedAt) {
        Map<String, String> data = new HashMap<>();
        data.put(IndexLayout.EMBEDDER, embedder.name());
        data.put(IndexLayout.DIMENSION, Integer.toString(embedder.dimension()));
        data.put(IndexLayout.UPDATED_AT, Long.toString(updatedAt));
        return data;
    }

    private static void rollback(IndexWriter writer) {
        try {
            writer.rollback();
        } catch (IOException | RuntimeException ignored) {
            // the failure that led here is the one to report
        }
    }

    private static void close(Directory directory) {
        if (directory == null) return;
        try {
            directory.close();
        } catch (IOException ignored) {
            // reporting the failure to open
        }
    }

    static KnowledgeException unknown(String name) {
        return new KnowledgeException("unknown_knowledge_base", "no knowledge base named '" + name + "'");
    }

    private static KnowledgeException busy(String name, Exception e) {
        return new KnowledgeException(
                "knowledge_base_busy", "knowledge base '" + name + "' is being changed by another process", e);
    }

    private KnowledgeException io(IOException e) {
        return new KnowledgeException(
                "io_error", "knowledge base '" + name + "' (" + folder + "): " + e.getMessage(), e);
    }
}
