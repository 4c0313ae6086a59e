package dev.breakeven.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.knowledge.IngestReport;
import dev.breakeven.knowledge.IngestSettings;
import dev.breakeven.knowledge.KnowledgeBase;
import dev.breakeven.knowledge.KnowledgeBaseStats;
import dev.breakeven.knowledge.KnowledgeBases;
import dev.breakeven.knowledge.KnowledgeException;
import dev.breakeven.knowledge.MiniLmEmbedder;
import dev.breakeven.knowledge.Passage;
import dev.breakeven.knowledge.Retrieval;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code breakeven knowledge ingest|search|list}: knowledge bases under {@code <data_dir>/knowledge},
 * worked on directly, server running or not.
 */
@Command(
        name = "knowledge",
        mixinStandardHelpOptions = true,
        description = "Ingest documents into knowledge bases, search them, list them.",
        subcommands = {KnowledgeCommand.Ingest.class, KnowledgeCommand.Search.class, KnowledgeCommand.ListBases.class})
final class KnowledgeCommand implements Runnable {
    /** One model per process: it takes seconds to load, and is loaded only when something is embedded. */
    static final MiniLmEmbedder EMBEDDER = new MiniLmEmbedder();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: ingest, search or list");
    }

    static KnowledgeBases bases(ConfigOptions options, IngestSettings settings) {
        BreakevenConfig config = options.load(Map.of());
        return new KnowledgeBases(Path.of(config.dataDir()).resolve("knowledge"), EMBEDDER, settings);
    }

    /** A bad name is bad usage (exit 2), not a failure. */
    static String checkName(CommandLine.Model.CommandSpec spec, String name) {
        try {
            return KnowledgeBases.checkName(name);
        } catch (KnowledgeException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--kb: " + e.getMessage());
        }
    }

    @Command(
            name = "ingest",
            mixinStandardHelpOptions = true,
            description = {
                "Ingest Markdown, text, HTML and CSV files, and folders of them, into a knowledge base"
                        + " (created if new).",
                "Unchanged documents are skipped, changed ones replaced, and documents gone from a folder removed."
            })
    static final class Ingest implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(names = "--kb", required = true, paramLabel = "NAME", description = "Knowledge base name.")
        String kb;

        @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files and folders to ingest.")
        List<Path> paths;

        @Option(
                names = "--max-file-mib",
                paramLabel = "N",
                defaultValue = "10",
                description = "Refuse files larger than N MiB (default 10).")
        int maxFileMib;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            String name = checkName(spec, kb);
            if (maxFileMib < 1)
                throw new CommandLine.ParameterException(spec.commandLine(), "--max-file-mib must be at least 1");
            IngestSettings settings = IngestSettings.DEFAULTS.withMaxFileBytes(maxFileMib * 1024L * 1024L);
            IngestReport report;
            try (KnowledgeBases bases = bases(options, settings);
                    IngestProgress progress = new IngestProgress(System.err, Terminal.interactive())) {
                report = bases.openOrCreate(name).ingest(paths, progress);
            }
            System.out.printf(
                    Locale.ROOT,
                    "Knowledge base '%s': %d added, %d updated, %d unchanged, %d removed, %d skipped;"
                            + " %d passages embedded in %.1f s%n",
                    name,
                    report.added(),
                    report.updated(),
                    report.unchanged(),
                    report.removed(),
                    report.skipped().size(),
                    report.passages(),
                    report.millis() / 1000.0);
        }
    }

    @Command(
            name = "search",
            mixinStandardHelpOptions = true,
            description = "Print the passages of a knowledge base that best answer a question, with citations.")
    static final class Search implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(names = "--kb", required = true, paramLabel = "NAME", description = "Knowledge base name.")
        String kb;

        @Parameters(arity = "1..*", paramLabel = "QUESTION", description = "The question (quoted, or several words).")
        List<String> words;

        @Option(
                names = "--k",
                paramLabel = "N",
                defaultValue = "5",
                description = "How many passages (default 5, at most 100).")
        int k;

        @Option(
                names = "--mode",
                paramLabel = "MODE",
                defaultValue = "hybrid",
                description = "hybrid (default: BM25 and vectors fused), keyword or vector.")
        Mode mode;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                defaultValue = "table",
                description = "table (default) or json.")
        OutputFormat format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            String name = checkName(spec, kb);
            if (k < 1 || k > KnowledgeBase.MAX_K)
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--k must be between 1 and " + KnowledgeBase.MAX_K + ", got " + k);
            String question = String.join(" ", words).strip();
            if (question.isEmpty()) throw new CommandLine.ParameterException(spec.commandLine(), "QUESTION is empty");
            List<Passage> passages;
            try (KnowledgeBases bases = bases(options, IngestSettings.DEFAULTS)) {
                passages = bases.open(name).search(question, k, mode.retrieval);
            }
            if (format == OutputFormat.json) printJson(System.out, name, question, passages);
            else printText(System.out, passages);
        }

        enum Mode {
            hybrid(Retrieval.HYBRID),
            keyword(Retrieval.KEYWORD),
            vector(Retrieval.VECTOR);

            final Retrieval retrieval;

            Mode(Retrieval retrieval) {
                this.retrieval = retrieval;
            }
        }

        private static void printText(PrintStream out, List<Passage> passages) {
            if (passages.isEmpty()) {
                out.println("No passages found.");
                return;
            }
            for (int i = 0; i < passages.size(); i++) {
                Passage p = passages.get(i);
                if (i > 0) out.println();
                out.printf(
                        Locale.ROOT,
                        "%d. %s  (passage %d, offset %d)%n",
                        i + 1,
                        p.citation().label(),
                        p.citation().passage(),
                        p.citation().offset());
                out.printf(
                        Locale.ROOT,
                        "   score %.4f  similarity %.2f  keyword %s  vector %s%n",
                        p.score(),
                        p.similarity(),
                        p.keywordRank() == 0 ? "-" : "#" + p.keywordRank(),
                        p.vectorRank() == 0 ? "-" : "#" + p.vectorRank());
                for (String line : p.text().split("\n")) out.println(line.isEmpty() ? "" : "   " + line);
            }
        }

        private static void printJson(PrintStream out, String kb, String question, List<Passage> passages) {
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode().put("knowledge_base", kb).put("question", question);
            ArrayNode array = root.putArray("passages");
            int rank = 1;
            for (Passage p : passages) {
                ObjectNode node = array.addObject()
                        .put("rank", rank++)
                        .put("document", p.citation().document())
                        .put("heading", p.citation().heading())
                        .put("passage", p.citation().passage())
                        .put("offset", p.citation().offset())
                        .put("score", p.score());
                if (p.keywordRank() == 0) node.putNull("keyword_rank");
                else node.put("keyword_rank", p.keywordRank());
                if (p.vectorRank() == 0) node.putNull("vector_rank");
                else node.put("vector_rank", p.vectorRank());
                node.put("similarity", p.similarity()).put("text", p.text());
            }
            out.println(root.toPrettyString());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the knowledge bases.")
    static final class ListBases implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                defaultValue = "table",
                description = "table (default) or json.")
        OutputFormat format;

        @Override
        public void run() {
            List<KnowledgeBaseStats> all = new ArrayList<>();
            try (KnowledgeBases bases = bases(options, IngestSettings.DEFAULTS)) {
                for (String name : bases.names()) all.add(bases.open(name).stats());
            }
            if (format == OutputFormat.json) {
                ObjectMapper json = new ObjectMapper();
                ArrayNode out = json.createArrayNode();
                for (KnowledgeBaseStats s : all) {
                    out.addObject()
                            .put("name", s.name())
                            .put("documents", s.documents())
                            .put("passages", s.passages())
                            .put("updated_at", s.updatedAt());
                }
                System.out.println(out.toPrettyString());
                return;
            }
            Table table = new Table("NAME", "DOCUMENTS", "PASSAGES", "UPDATED");
            for (KnowledgeBaseStats s : all) {
                table.row(
                        s.name(),
                        s.documents(),
                        s.passages(),
                        s.updatedAt() == 0
                                ? "never"
                                : Instant.ofEpochMilli(s.updatedAt()).toString());
            }
            table.print(System.out);
        }
    }
}
