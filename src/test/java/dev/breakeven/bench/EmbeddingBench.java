package dev.breakeven.bench;

import dev.breakeven.knowledge.MiniLmEmbedder;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * all-MiniLM-L6-v2 throughput: questions and passages, one at a time ({@code embed}) and in batches
 * ({@code embedAll}, which the library spreads over the cores). Arguments (optional): number of
 * texts per measurement (default 200).
 */
public final class EmbeddingBench {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        System.out.println("# Embedding benchmark\n");
        System.out.println(Machine.describe());
        System.out.println();

        long t0 = System.nanoTime();
        MiniLmEmbedder model = new MiniLmEmbedder().load();
        System.out.printf("model loaded in %.1f s%n%n", (System.nanoTime() - t0) / 1e9);

        SyntheticCorpus corpus = new SyntheticCorpus();
        Random random = new Random(5);
        List<String> questions = new ArrayList<>();
        List<String> passages = new ArrayList<>();
        long words = 0;
        for (int i = 0; i < n; i++) {
            questions.add(corpus.question(random.nextInt(SyntheticCorpus.BASES), random));
            SyntheticCorpus.Item item = corpus.passage(i);
            passages.add(item.heading() + "\n" + item.text());
            words += item.text().split(" ").length;
        }
        System.out.printf("passages: %d words on average; questions: about 8 words%n%n", words / n);

        for (int i = 0; i < 20; i++) model.embed(passages.get(i)); // warm-up

        System.out.println("| what | texts | embeddings/s | ms per text | process CPU ms per text |");
        System.out.println("|---|---|---|---|---|");
        single(model, "questions, one at a time", questions);
        single(model, "passages, one at a time", passages);
        for (int batch : new int[] {16, 64}) batched(model, "passages, embedAll batches of " + batch, passages, batch);
        System.out.println("\nload average at the end: " + Machine.loadAverage());
    }

    static void single(MiniLmEmbedder model, String what, List<String> texts) {
        long t0 = System.nanoTime();
        long cpu0 = cpuNanos();
        for (String t : texts) model.embed(t);
        report(what, texts.size(), System.nanoTime() - t0, cpuNanos() - cpu0);
    }

    static void batched(MiniLmEmbedder model, String what, List<String> texts, int batch) {
        long t0 = System.nanoTime();
        long cpu0 = cpuNanos();
        for (int from = 0; from < texts.size(); from += batch)
            model.embedAll(texts.subList(from, Math.min(texts.size(), from + batch)));
        report(what, texts.size(), System.nanoTime() - t0, cpuNanos() - cpu0);
    }

    /**
     * CPU time of the whole process (ONNX Runtime computes on native threads): on a shared machine,
     * wall time also counts the time other processes had the cores, CPU time does not.
     */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static void report(String what, int n, long nanos, long cpuNanos) {
        double seconds = nanos / 1e9;
        System.out.printf(
                "| %s | %d | %.1f | %.1f | %.1f |%n", what, n, n / seconds, seconds * 1000 / n, cpuNanos / 1e6 / n);
    }
}
