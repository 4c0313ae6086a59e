package dev.breakeven.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import dev.breakeven.inference.ChatRequest;
import dev.breakeven.inference.GenerationRequest;
import dev.breakeven.inference.LlamaBackend;
import dev.breakeven.inference.StreamEnd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Tokens/s of generation through {@link LlamaBackend} against the library called directly, in the
 * same run, on the same file with the same parameters (greedy, "Once upon a time", N tokens; the
 * model never ends that story by itself, so every run generates exactly N tokens). The two paths
 * are interleaved in rounds (ABBA order) and compared by their medians. Target: the platform costs
 * under 5%.
 *
 * <p>Second part: aggregate tokens/s at two concurrent generations, one model with two llama.cpp
 * slots (what {@link LlamaBackend} does) against two model instances with one slot each, on
 * stories260K and on a synthetic model big enough to be memory-bound ({@link SyntheticGguf}).
 *
 * <pre>
 * mvn -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
 * java --enable-native-access=ALL-UNNAMED -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
 *     dev.breakeven.bench.LlamaBench [--model FILE] [--threads 1] [--tokens 200] [--rounds 101] [--quick] [--out FILE]
 * </pre>
 */
public final class LlamaBench {
    static final String PROMPT = "Once upon a time";
    static final ObjectMapper JSON = new ObjectMapper();
    static long blackhole;

    record Options(Path model, int[] threads, int tokens, int rounds, Path out) {}

    /**
     * One measured generation: tokens, wall time from request to last token, time from first token to
     * last, and the CPU time the whole process used meanwhile (all threads, llama.cpp's included).
     */
    record Run(long tokens, long wallNanos, long generationNanos, long cpuNanos, Cpu cpu) {

        double wallRate() {
            return tokens * 1e9 / wallNanos;
        }

        double generationRate() {
            return (tokens - 1) * 1e9 / generationNanos;
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = options(args);
        String loadBefore = loadAverage();
        StringBuilder report = new StringBuilder();
        report.append("# llama backend: tokens/s through the platform vs the library directly\n\n");
        report.append(machine(o, loadBefore));

        List<String> summary = new ArrayList<>();
        for (int threads : o.threads()) summary.add(overhead(o, threads, report));
        report.append(concurrency(o));

        report.append("\nLoad average after: ").append(loadAverage()).append("\n");
        report.insert(report.indexOf("## Machine"), "## Summary\n\n" + String.join("\n", summary) + "\n\n");
        System.out.println();
        System.out.println(report);
        Files.createDirectories(o.out().toAbsolutePath().getParent());
        Files.writeString(o.out(), report.toString());
        System.out.println("written to " + o.out());
        System.exit(0); // the library leaves a non-daemon thread behind
    }

    /** Part 1: the same generation through LlamaBackend and straight through the library. */
    static String overhead(Options o, int threads, StringBuilder report) {
        var settings = new LlamaBackend.Settings("bench", o.model(), threads, 2048, 1);
        List<Run> direct = new ArrayList<>();
        List<Run> platform = new ArrayList<>();
        try (LlamaBackend backend = LlamaBackend.open(settings);
                LlamaModel model = new LlamaModel(LlamaBackend.modelParameters(settings))) {
            GenerationRequest request = new GenerationRequest(chat(o.tokens()), "bench");
            for (int i = 0; i < 40; i++) { // warm-up: until the JIT has compiled the chunk path (compiling is CPU too)
                direct(model, o.tokens());
                platform(backend, request);
            }
            for (int r = 0; r < o.rounds(); r++) {
                boolean directFirst = r % 2 == 0; // ABBA: neither path always runs first
                if (directFirst) direct.add(direct(model, o.tokens()));
                platform.add(platform(backend, request));
                if (!directFirst) direct.add(direct(model, o.tokens()));
                System.out.printf(
                        Locale.ROOT,
                        "threads %d round %d: direct %.0f tok/s, LlamaBackend %.0f tok/s%n",
                        threads,
                        r + 1,
                        direct.getLast().generationRate(),
                        platform.getLast().generationRate());
            }
        }
        double dGen = median(direct.stream().mapToDouble(Run::generationRate).toArray());
        double pGen = median(platform.stream().mapToDouble(Run::generationRate).toArray());
        double dWall = median(direct.stream().mapToDouble(Run::wallRate).toArray());
        double pWall = median(platform.stream().mapToDouble(Run::wallRate).toArray());
        double[] rateCost = new double[direct.size()];
        for (int i = 0; i < rateCost.length; i++) {
            rateCost[i] = 1 - platform.get(i).generationRate() / direct.get(i).generationRate();
        }
        double cost = median(rateCost);
        // CPU time is read in 10 ms steps, so it is summed over all rounds rather than compared per round
        double cpu = cpuPerToken(platform) / cpuPerToken(direct) - 1;
        double readers = javaPerToken(platform) - javaPerToken(direct);
        String verdict = cost < 0.05 ? "pass" : "MISS";

        report.append("\n## Overhead, ")
                .append(threads)
                .append(" thread")
                .append(threads == 1 ? "" : "s")
                .append("\n\n");
        report.append(String.format(
                Locale.ROOT,
                "%d tokens per generation, %d rounds (ABBA order), 1 slot x 2048 tokens, greedy, prompt \"%s\" (5 tokens).%n%n",
                o.tokens(),
                o.rounds(),
                PROMPT));
        report.append(
                "| path | generation tok/s, first→last token (median) | end-to-end tok/s, request→last token (median)"
                        + " | generation tok/s min–max | CPU µs per token (all rounds): process | llama.cpp's thread"
                        + " | the thread reading tokens | the rest (JIT, GC) |\n");
        report.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        report.append(row("library directly (`LlamaModel.generate`)", dGen, dWall, direct));
        report.append(row("`LlamaBackend.stream` (chunks built and serialized)", pGen, pWall, platform));
        report.append(String.format(
                Locale.ROOT,
                "%nPlatform cost in generation tok/s: **%.1f%%** (median of the per-round ratios; %.1f%% comparing the"
                        + " two medians). Target < 5%%: **%s**.%n%nIn CPU time, which other load on the machine disturbs"
                        + " far less than tokens/s: the process used %+.1f%% per token through LlamaBackend; the threads"
                        + " that read the tokens and build and serialize the chunks used %+.1f µs per token more than the"
                        + " caller that reads them from the library directly.%n",
                100 * cost,
                100 * (1 - pGen / dGen),
                verdict,
                100 * cpu,
                readers));
        return String.format(
                Locale.ROOT,
                "- %d thread%s: library directly %.0f tok/s, through LlamaBackend %.0f tok/s: platform cost %.1f%% of"
                        + " tok/s (target < 5%%: %s), %+.1f%% process CPU per token",
                threads,
                threads == 1 ? "" : "s",
                dGen,
                pGen,
                100 * cost,
                verdict,
                100 * cpu);
    }

    /** CPU microseconds per token of the Java threads (the ones reading tokens) over all the runs. */
    static double javaPerToken(List<Run> runs) {
        return runs.stream().mapToLong(r -> r.cpu().java()).sum()
                / 1e3
                / runs.stream().mapToLong(Run::tokens).sum();
    }

    /** Process CPU microseconds per token over all the runs. */
    static double cpuPerToken(List<Run> runs) {
        long cpu = runs.stream().mapToLong(Run::cpuNanos).sum();
        long tokens = runs.stream().mapToLong(Run::tokens).sum();
        return cpu / 1e3 / tokens;
    }

    static String row(String name, double gen, double wall, List<Run> runs) {
        double[] rates = runs.stream().mapToDouble(Run::generationRate).sorted().toArray();
        long tokens = runs.stream().mapToLong(Run::tokens).sum();
        double llama = runs.stream().mapToLong(r -> r.cpu().llama()).sum() / 1e3 / tokens;
        double java = runs.stream().mapToLong(r -> r.cpu().java()).sum() / 1e3 / tokens;
        double total = cpuPerToken(runs);
        return String.format(
                Locale.ROOT,
                "| %s | %.0f | %.0f | %.0f–%.0f | %.0f | %.0f | %.0f | %.0f |%n",
                name,
                gen,
                wall,
                rates[0],
                rates[rates.length - 1],
                total,
                llama,
                java,
                total - llama - java);
    }

    static Run direct(LlamaModel model, int tokens) {
        InferenceParameters p = new InferenceParameters(PROMPT)
                .setNPredict(tokens)
                .setTemperature(0)
                .setTopP(1)
                .setPresencePenalty(0)
                .setFrequencyPenalty(0);
        long cpu = processCpuNanos();
        Cpu threads = Cpu.now();
        long start = System.nanoTime();
        long first = -1;
        long last = -1;
        long n = 0;
        LlamaIterator it = model.generate(p).iterator();
        while (it.hasNext()) {
            LlamaOutput out = it.next();
            if (!it.hasNext()) break; // the closing result, not a token
            long now = System.nanoTime();
            if (first < 0) first = now;
            last = now;
            n++;
            blackhole += out.text.length();
        }
        return new Run(
                n,
                last - start,
                last - first,
                processCpuNanos() - cpu,
                Cpu.now().minus(threads));
    }

    /** Timed where a client would see it: from the first content chunk out of the backend to the last. */
    static Run platform(LlamaBackend backend, GenerationRequest request) {
        long cpu = processCpuNanos();
        Cpu threads = Cpu.now();
        long start = System.nanoTime();
        long[] firstLast = {-1, -1};
        StreamEnd end = backend.stream(request, chunk -> {
            serialize(chunk);
            if (!chunk.path("choices")
                    .path(0)
                    .path("delta")
                    .path("content")
                    .asText("")
                    .isEmpty()) {
                long now = System.nanoTime();
                if (firstLast[0] < 0) firstLast[0] = now;
                firstLast[1] = now;
            }
        });
        return new Run(
                end.usage().completionTokens(),
                firstLast[1] - start,
                firstLast[1] - firstLast[0],
                processCpuNanos() - cpu,
                Cpu.now().minus(threads));
    }

    /**
     * CPU time by kind of thread: llama.cpp's (its native threads, attached to the JVM as {@code
     * Thread-N}) and every other Java thread (the one reading tokens: the caller, or LlamaBackend's
     * driver). The rest of the process (JIT compiler, GC) is the process total minus both.
     */
    record Cpu(long llama, long java) {
        static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        static Cpu now() {
            long llama = 0;
            long java = 0;
            for (long id : THREADS.getAllThreadIds()) {
                java.lang.management.ThreadInfo info = THREADS.getThreadInfo(id);
                long cpu = THREADS.getThreadCpuTime(id);
                if (info == null || cpu < 0) continue;
                if (info.getThreadName().matches("Thread-\\d+")) llama += cpu;
                else java += cpu;
            }
            return new Cpu(llama, java);
        }

        Cpu minus(Cpu other) {
            return new Cpu(llama - other.llama, java - other.java);
        }
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static void serialize(ObjectNode chunk) {
        try {
            JSON.writeValueAsBytes(chunk); // what the relay does with every chunk
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ChatRequest chat(int tokens) {
        try {
            return ChatRequest.from(
                    JSON.readTree("{\"model\":\"bench\",\"stream\":true,\"temperature\":0,\"max_tokens\":" + tokens
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Part 2: two generations at once, on one model with two llama.cpp slots (LlamaBackend's design)
     * or on two model instances with one slot each; all cores either way (the instances split them).
     * Measured on stories260K and on a synthetic model with random weights, big enough that a step
     * reads its weights from memory as real models' steps do.
     */
    static String concurrency(Options o) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        int rounds = Math.min(5, Math.max(3, o.rounds() / 3));
        StringBuilder out = new StringBuilder("\n## Two generations at once: two slots vs two model instances\n\n");
        out.append(String.format(
                Locale.ROOT,
                "Direct library calls with LlamaBackend's model parameters (1024 tokens per slot), end of sequence"
                        + " ignored so every generation is full length, %d interleaved rounds, medians.%n%n",
                rounds));
        out.append(
                "| model | tokens per generation | design | 1 generation alone, tok/s | 2 at once, aggregate tok/s |\n");
        out.append("|---|---:|---|---:|---:|\n");
        out.append(designs("stories260K (1.2 MB)", o.model(), Math.min(o.tokens(), 1000), rounds, cores));
        Path dir = Files.createTempDirectory("llama-bench");
        Path synthetic = dir.resolve("synthetic.gguf");
        try {
            var shape = new SyntheticGguf.Shape(768, 6, 2048, 12);
            SyntheticGguf.write(o.model(), synthetic, shape);
            String name = String.format(
                    Locale.ROOT,
                    "synthetic, %dM parameters, F16 (%d MB)",
                    shape.parameters(512) / 1_000_000,
                    Files.size(synthetic) / 1_000_000);
            out.append(designs(name, synthetic, 32, rounds, cores));
        } finally {
            Files.deleteIfExists(synthetic);
            Files.deleteIfExists(dir);
        }
        out.append("\nThe synthetic model has stories260K's vocabulary and random weights (its text is noise); its"
                + " steps cost what a real model's of that shape cost. Slots decode both sequences in one batch,"
                + " reading each weight once per step for both. More than one thread per model only pays on an idle"
                + " machine: on a busy one, llama.cpp's threads wait for each other at every step.\n");
        return out.toString();
    }

    static String designs(String name, Path model, int tokens, int rounds, int cores) throws Exception {
        String[] labels = {
            "one model, 2 slots, 1 thread",
            "one model, 2 slots, " + cores + " threads",
            "two models, 1 slot and 1 thread each"
        };
        try (LlamaModel slots1 = new LlamaModel(
                        LlamaBackend.modelParameters(new LlamaBackend.Settings("s", model, 1, 1024, 2)));
                LlamaModel slotsN = new LlamaModel(
                        LlamaBackend.modelParameters(new LlamaBackend.Settings("s", model, cores, 1024, 2)));
                LlamaModel a = new LlamaModel(
                        LlamaBackend.modelParameters(new LlamaBackend.Settings("i", model, 1, 1024, 1)));
                LlamaModel b = new LlamaModel(
                        LlamaBackend.modelParameters(new LlamaBackend.Settings("i", model, 1, 1024, 1)));
                ExecutorService threads = Executors.newFixedThreadPool(2)) {
            LlamaModel[][] pairs = {{slots1, slots1}, {slotsN, slotsN}, {a, b}};
            for (LlamaModel[] pair : pairs) aggregate(threads, tokens, pair); // warm-up
            double[][] alone = new double[3][rounds];
            double[][] both = new double[3][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int d = 0; d < 3; d++) {
                    alone[d][r] = aggregate(threads, tokens, pairs[d][0]);
                    both[d][r] = aggregate(threads, tokens, pairs[d]);
                }
                System.out.printf(
                        Locale.ROOT,
                        "%s round %d: alone / two at once: %.1f / %.1f, %.1f / %.1f, %.1f / %.1f tok/s%n",
                        name,
                        r + 1,
                        alone[0][r],
                        both[0][r],
                        alone[1][r],
                        both[1][r],
                        alone[2][r],
                        both[2][r]);
            }
            StringBuilder rows = new StringBuilder();
            for (int d = 0; d < 3; d++) {
                rows.append(String.format(
                        Locale.ROOT,
                        "| %s | %d | %s | %.1f | %.1f |%n",
                        name,
                        tokens,
                        labels[d],
                        median(alone[d]),
                        median(both[d])));
            }
            return rows.toString();
        }
    }

    static double aggregate(ExecutorService threads, int tokens, LlamaModel... models) throws Exception {
        long start = System.nanoTime();
        List<Future<Long>> runs = new ArrayList<>();
        for (LlamaModel m : models) runs.add(threads.submit(() -> fullLength(m, tokens)));
        long total = 0;
        for (Future<Long> r : runs) total += r.get();
        return total * 1e9 / (System.nanoTime() - start);
    }

    static long fullLength(LlamaModel model, int tokens) {
        InferenceParameters p = new InferenceParameters(PROMPT)
                .setNPredict(tokens)
                .setTemperature(0)
                .setIgnoreEos(true);
        long n = -1; // the closing result is not a token
        for (LlamaOutput out : model.generate(p)) {
            n++;
            blackhole += out.text.length();
        }
        return n;
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String machine(Options o, String loadBefore) {
        StringBuilder m = new StringBuilder("## Machine\n\n");
        m.append("- date: ").append(ZonedDateTime.now(ZoneOffset.UTC)).append('\n');
        m.append("- cores: ").append(Runtime.getRuntime().availableProcessors()).append('\n');
        m.append("- CPU: ").append(cpuModel()).append('\n');
        m.append("- memory: ").append(memory()).append('\n');
        m.append("- OS: ")
                .append(System.getProperty("os.name"))
                .append(' ')
                .append(System.getProperty("os.version"))
                .append(' ')
                .append(System.getProperty("os.arch"))
                .append('\n');
        m.append("- JDK: ")
                .append(System.getProperty("java.vm.vendor"))
                .append(' ')
                .append(Runtime.version())
                .append('\n');
        m.append("- JVM options: ")
                .append(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))
                .append('\n');
        m.append("- llama.cpp: de.kherud:llama 4.2.0 (llama.cpp b4916), CPU build\n");
        m.append("- model: ")
                .append(o.model())
                .append(" (")
                .append(size(o.model()))
                .append(" bytes)\n");
        m.append("- commit: ").append(commit()).append('\n');
        m.append("- load average before: ").append(loadBefore).append('\n');
        m.append("- command: `java … dev.breakeven.bench.LlamaBench")
                .append(o.threads().length == 0 ? "" : " --threads " + join(o.threads()))
                .append(" --tokens ")
                .append(o.tokens())
                .append(" --rounds ")
                .append(o.rounds())
                .append("`\n");
        return m.toString();
    }

    static String join(int[] values) {
        return String.join(
                ",", Arrays.stream(values).mapToObj(Integer::toString).toList());
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst()
                    .orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String memory() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("MemTotal"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst()
                    .orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    static String commit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            return p.waitFor() == 0 ? out : "unknown";
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    static Options options(String[] args) {
        String env = System.getenv("BREAKEVEN_TEST_MODEL");
        Path model = Path.of(env != null && !env.isBlank() ? env : "../shared/models/stories260K.gguf");
        int[] threads = {1};
        int tokens = 200;
        int rounds = 101;
        Path out = Path.of("bench", "results", "llama-" + LocalDate.now(ZoneOffset.UTC) + ".md");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--threads" ->
                    threads = Arrays.stream(args[++i].split(","))
                            .mapToInt(Integer::parseInt)
                            .toArray();
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--quick" -> rounds = 7;
                case "--out" -> out = Path.of(args[++i]);
                default ->
                    throw new IllegalArgumentException("unknown option " + args[i]
                            + "; options: --model FILE --threads 1,2 --tokens N --rounds N --quick --out FILE");
            }
        }
        if (tokens < 2 || tokens > 2000) throw new IllegalArgumentException("--tokens must be 2..2000");
        if (!Files.isRegularFile(model)) {
            System.err.println("LlamaBench: no model at " + model + " (set BREAKEVEN_TEST_MODEL or --model)");
            System.exit(2);
        }
        return new Options(model.toAbsolutePath().normalize(), threads, tokens, rounds, out);
    }
}
