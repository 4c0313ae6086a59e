package dev.breakeven.bench;

import dev.breakeven.knowledge.Embedder;
import dev.breakeven.knowledge.IngestListener;
import dev.breakeven.knowledge.IngestReport;
import dev.breakeven.knowledge.KnowledgeBase;
import dev.breakeven.knowledge.KnowledgeBases;
import dev.breakeven.knowledge.MiniLmEmbedder;
import dev.breakeven.knowledge.Passage;
import dev.breakeven.knowledge.Retrieval;
import java.io.IOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Retrieval latency over a knowledge base of 50,000 passages: BM25 + HNSW kNN + reciprocal rank
 * fusion, as {@link KnowledgeBase#search(String, float[], int, Retrieval)} runs it, with the
 * question's embedding timed separately. The three rankings (hybrid, keyword only, vector only)
 * are timed query by query in rotating order, so that load from other processes falls on all alike. Embedding 50,000 passages with MiniLM would take about 25
 * minutes on 2 cores, so only the first 2,000 are embedded for real; each other passage is a
 * variation of one of them, and its vector that passage's real vector plus Gaussian noise,
 * normalized. Queries are embedded for real. Target: retrieval p95 ≤ 20 ms.
 *
 * <p>Arguments (all optional): passages, real passages, queries, k, working folder. An index
 * already in the working folder is reused, so that JVM settings can be compared on the same index.
 */
public final class RetrievalBench {
    static final int PER_FILE = 100;
    static final int WARMUP = 200;
    static final double NOISE = 0.03; // per dimension; a unit vector's entries are about 0.05

    public static void main(String[] args) throws Exception {
        int passages = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int real = args.length > 1 ? Integer.parseInt(args[1]) : SyntheticCorpus.BASES;
        int queries = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
        int k = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        Path work = args.length > 4 ? Path.of(args[4]) : Files.createTempDirectory("retrieval-bench");
        if (real > SyntheticCorpus.BASES) throw new IllegalArgumentException("at most " + SyntheticCorpus.BASES);

        System.out.println("# Retrieval benchmark\n");
        System.out.println(Machine.describe());
        System.out.printf(
                "- corpus: %,d synthetic passages (%,d embedded with MiniLM, the rest real vectors + N(0, %.2f)"
                        + " noise per dimension, normalized), %d per Markdown file%n",
                passages, real, NOISE, PER_FILE);
        System.out.printf("- queries: %,d (+%d warm-up), k = %d, working folder %s%n%n", queries, WARMUP, k, work);

        SyntheticCorpus corpus = new SyntheticCorpus();
        MiniLmEmbedder miniLm = new MiniLmEmbedder();
        long t0 = System.nanoTime();
        miniLm.load();
        System.out.printf("model loaded in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        Path root = work.resolve("knowledge");
        if (Files.isDirectory(root.resolve("bench"))) {
            System.out.println("reusing the index already in " + root + " (delete it to build again)");
        } else {
            build(corpus, miniLm, passages, real, work, root);
        }

        try (KnowledgeBases kbs = new KnowledgeBases(root, miniLm)) {
            KnowledgeBase kb = kbs.open("bench");
            System.out.printf(
                    "%,d passages in %d segments%n%n", kb.stats().passages(), segments(root.resolve("bench")));

            // 4. questions, embedded for real, each timed
            Random random = new Random(99);
            List<String> questions = new ArrayList<>();
            List<Integer> sources = new ArrayList<>();
            for (int i = 0; i < WARMUP + queries; i++) {
                int source = random.nextInt(passages);
                sources.add(source);
                questions.add(corpus.question(source, random));
            }
            List<float[]> questionVectors = new ArrayList<>();
            List<Long> embedNanos = new ArrayList<>();
            for (String q : questions) {
                long s = System.nanoTime();
                questionVectors.add(miniLm.embed(q));
                embedNanos.add(System.nanoTime() - s);
            }
            System.out.println("| step | " + queries + " queries |");
            System.out.println("|---|---|");
            System.out.println("| question embedding (MiniLM, one at a time) | "
                    + Machine.percentiles(embedNanos.subList(WARMUP, embedNanos.size())) + " |");

            // 5. retrieval: every mode warmed up, then the modes interleaved query by query (in rotating
            // order), so that each sees the same JIT state and the same load from other processes
            List<Retrieval> modes = List.of(Retrieval.HYBRID, Retrieval.KEYWORD, Retrieval.VECTOR);
            for (int i = 0; i < WARMUP; i++)
                for (Retrieval mode : modes) kb.search(questions.get(i), questionVectors.get(i), k, mode);
            Map<Retrieval, List<Long>> nanos = new HashMap<>();
            Map<Retrieval, List<Long>> cpuNanos = new HashMap<>();
            Map<Retrieval, Integer> found = new HashMap<>();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            for (int i = WARMUP; i < questions.size(); i++) {
                for (int m = 0; m < modes.size(); m++) {
                    Retrieval mode = modes.get((i + m) % modes.size());
                    long cpu = threads.getCurrentThreadCpuTime();
                    long s = System.nanoTime();
                    List<Passage> result = kb.search(questions.get(i), questionVectors.get(i), k, mode);
                    nanos.computeIfAbsent(mode, x -> new ArrayList<>()).add(System.nanoTime() - s);
                    cpuNanos.computeIfAbsent(mode, x -> new ArrayList<>()).add(threads.getCurrentThreadCpuTime() - cpu);
                    if (contains(result, sources.get(i))) found.merge(mode, 1, Integer::sum);
                }
            }
            for (Retrieval mode : modes) {
                System.out.printf(
                        "| retrieval, %s%s | %s; source passage in top %d: %.1f%% |%n",
                        mode.name().toLowerCase(),
                        mode == Retrieval.HYBRID ? " (BM25 + kNN + RRF)" : "",
                        Machine.percentiles(nanos.get(mode)),
                        k,
                        100.0 * found.getOrDefault(mode, 0) / queries);
            }
            // searches run on the calling thread: its CPU time is their cost, whatever else runs
            for (Retrieval mode : modes) {
                System.out.printf(
                        "| retrieval, %s, CPU time of the searching thread | %s |%n",
                        mode.name().toLowerCase(), Machine.percentiles(cpuNanos.get(mode)));
            }
            System.out.println("\n(The hit rates only show that the index answers: the questions are bags of words"
                    + " drawn from one passage, and the synthesized vectors cannot tell a passage from its"
                    + " variations, so they say nothing of quality; the tests measure quality.)");
            System.out.println("\nload average at the end: " + Machine.loadAverage());
        }
    }

    /** Writes the corpus, embeds the first {@code real} passages, synthesizes the other vectors, ingests. */
    static void build(SyntheticCorpus corpus, MiniLmEmbedder miniLm, int passages, int real, Path work, Path root)
            throws IOException {
        // 1. the text, and what ingestion will embed for each passage (heading path + text)
        Path folder = Files.createDirectories(work.resolve("corpus"));
        List<String> indexed = writeCorpus(corpus, passages, folder);

        // 2. real vectors for the bases, synthesized ones for the rest
        long t0 = System.nanoTime();
        List<float[]> bases = new ArrayList<>();
        for (int from = 0; from < real; from += 64) {
            bases.addAll(miniLm.embedAll(indexed.subList(from, Math.min(real, from + 64))));
            if (bases.size() % 512 == 0) System.out.printf("  embedded %,d of %,d%n", bases.size(), real);
        }
        double embedSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                "embedded %,d passages for real in %.1f s (%.1f passages/s)%n",
                real, embedSeconds, real / embedSeconds);
        Map<String, float[]> vectors = new HashMap<>();
        Random noise = new Random(3);
        for (int i = 0; i < passages; i++) {
            float[] base = bases.get(i % real);
            if (i < real) {
                vectors.put(indexed.get(i), base);
                continue;
            }
            float[] v = new float[base.length];
            for (int d = 0; d < v.length; d++) v[d] = base[d] + (float) (noise.nextGaussian() * NOISE);
            vectors.put(indexed.get(i), Embedder.normalize(v));
        }

        // 3. ingest through the real ingestion path, with the vectors looked up
        try (KnowledgeBases kbs = new KnowledgeBases(root, new LookupEmbedder(vectors))) {
            KnowledgeBase kb = kbs.openOrCreate("bench");
            t0 = System.nanoTime();
            IngestReport report = kb.ingest(List.of(folder), new IngestListener() {
                int done;

                @Override
                public void embedded(int n) {
                    done += n;
                    if (done % 10_000 < n) System.out.printf("  indexed %,d%n", done);
                }
            });
            System.out.printf(
                    "ingested %,d documents, %,d passages in %.1f s (parse, look up vectors, index, HNSW, commit);"
                            + " %d segments%n",
                    report.added() + report.unchanged(),
                    kb.stats().passages(),
                    (System.nanoTime() - t0) / 1e9,
                    segments(root.resolve("bench")));
        }
    }

    static boolean contains(List<Passage> result, int source) {
        String document = "corpus/" + file(source / PER_FILE);
        int passage = source % PER_FILE + 1;
        for (Passage p : result)
            if (p.citation().document().equals(document) && p.citation().passage() == passage) return true;
        return false;
    }

    static String file(int n) {
        return "part-%04d.md".formatted(n);
    }

    /** Writes passages into Markdown files, one section each; returns each passage's indexed text. */
    static List<String> writeCorpus(SyntheticCorpus corpus, int passages, Path folder) throws IOException {
        List<String> indexed = new ArrayList<>(passages);
        for (int f = 0; f * PER_FILE < passages; f++) {
            try (Writer out = Files.newBufferedWriter(folder.resolve(file(f)))) {
                String title = "Part " + f;
                out.write("# " + title + "\n\n");
                for (int i = f * PER_FILE; i < Math.min(passages, (f + 1) * PER_FILE); i++) {
                    SyntheticCorpus.Item item = corpus.passage(i);
                    out.write("## " + item.heading() + "\n\n" + item.text() + "\n\n");
                    indexed.add(title + " > " + item.heading() + "\n" + item.text());
                }
            }
        }
        return indexed;
    }

    static long segments(Path index) throws IOException {
        try (Stream<Path> files = Files.list(index)) {
            return files.filter(f -> f.toString().endsWith(".si")).count();
        }
    }

    /** Vectors computed beforehand, by the text that ingestion asks for; under MiniLM's name, so MiniLM can search. */
    record LookupEmbedder(Map<String, float[]> vectors) implements Embedder {
        @Override
        public String name() {
            return MiniLmEmbedder.NAME;
        }

        @Override
        public int dimension() {
            return MiniLmEmbedder.DIMENSION;
        }

        @Override
        public float[] embed(String text) {
            float[] v = vectors.get(text);
            if (v == null) throw new IllegalStateException("no vector for: " + text);
            return v;
        }

        @Override
        public List<float[]> embedAll(List<String> texts) {
            return texts.stream().map(this::embed).toList();
        }
    }
}
