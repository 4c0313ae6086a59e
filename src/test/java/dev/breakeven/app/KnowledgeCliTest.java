package dev.breakeven.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/** {@code breakeven knowledge …} run in-process with the real embedding model: outputs and exit codes. */
@Isolated("swaps System.out and System.err")
class KnowledgeCliTest {
    @TempDir
    static Path dir;

    static Run ingested;

    record Run(int code, String out, String err) {}

    static Run cli(String... args) {
        CliRun run = CliRun.of(args);
        return new Run(run.code(), run.out(), run.err());
    }

    static String data() {
        return dir.resolve("data").toString();
    }

    static String handbook() {
        try {
            return Path.of(KnowledgeCliTest.class
                            .getResource("/knowledge/handbook")
                            .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void ingest() {
        ingested = cli("knowledge", "ingest", "--kb", "handbook", handbook(), "--data", data());
    }

    @Test
    void ingest_reportsEachDocumentOnStderr_andASummaryOnStdout() {
        assertThat(ingested.code()).as(ingested.err()).isZero();
        assertThat(ingested.out().strip())
                .matches("Knowledge base 'handbook': 5 added, 0 updated, 0 unchanged, 0 removed, 0 skipped;"
                        + " 25 passages embedded in \\d+\\.\\d s");
        assertThat(ingested.err())
                .contains("Embedding 25 passages of 5 documents")
                .contains("added handbook/plans.md (5 passages)")
                .contains("added handbook/shipping.txt (1 passage)");
        assertThat(Path.of(data(), "knowledge", "handbook")).isDirectory();

        Run again = cli("knowledge", "ingest", "--kb", "handbook", handbook(), "--data", data());
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("0 added, 0 updated, 5 unchanged, 0 removed");
    }

    @Test
    void search_printsRankedPassagesWithCitations() {
        Run run = cli(
                "knowledge", "search", "--kb", "handbook", "How are passwords stored?", "--k", "2", "--data", data());
        assertThat(run.code()).isZero();
        assertThat(run.out())
                .startsWith("1. handbook/security.html › Security > Passwords  (passage 2, offset ")
                .contains("   score 0.0328  similarity 0.")
                .contains("keyword #1  vector #1")
                .contains("   Passwords are never stored.")
                .contains("\n2. ")
                .doesNotContain("\n3. ");
    }

    @Test
    void search_asJson_hasOneObjectPerPassage() throws Exception {
        Run run = cli(
                "knowledge",
                "search",
                "--kb",
                "handbook",
                "what",
                "does",
                "E3107",
                "mean",
                "--format",
                "json",
                "--data",
                data());
        assertThat(run.code()).isZero();
        JsonNode root = new ObjectMapper().readTree(run.out());
        assertThat(root.get("question").asText()).isEqualTo("what does E3107 mean");
        JsonNode first = root.get("passages").get(0);
        assertThat(first.get("rank").asInt()).isEqualTo(1);
        assertThat(first.get("document").asText()).isEqualTo("handbook/errors.csv");
        assertThat(first.get("heading").asText()).isEqualTo("E3107");
        assertThat(first.get("passage").asInt()).isEqualTo(6);
        assertThat(first.get("text").asText()).startsWith("code: E3107\n");
        assertThat(first.has("similarity")).isTrue();
        assertThat(root.get("passages")).hasSize(5);
    }

    @Test
    void list_showsEachBaseWithItsSize() throws Exception {
        Run table = cli("knowledge", "list", "--data", data());
        assertThat(table.code()).isZero();
        assertThat(table.out()).startsWith("NAME").containsPattern("handbook\\s+5\\s+25\\s+20\\d\\d-");
        Run json = cli("knowledge", "list", "--format", "json", "--data", data());
        JsonNode bases = new ObjectMapper().readTree(json.out());
        assertThat(bases).hasSize(1);
        assertThat(bases.get(0).get("passages").asInt()).isEqualTo(25);
    }

    @Test
    void failures_exit1_withOneLine() throws Exception {
        Run unknown = cli("knowledge", "search", "--kb", "nope", "anything", "--data", data());
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).isEqualTo("breakeven: no knowledge base named 'nope' (known: handbook)\n");

        Path missing = dir.resolve("missing.md");
        Run notThere = cli("knowledge", "ingest", "--kb", "handbook", missing.toString(), "--data", data());
        assertThat(notThere.code()).isEqualTo(1);
        assertThat(notThere.err()).isEqualTo("breakeven: " + missing + ": no such file or folder\n");

        Path binary = Files.write(dir.resolve("blob.txt"), new byte[] {1, 0, 2});
        Run refused = cli("knowledge", "ingest", "--kb", "handbook", binary.toString(), "--data", data());
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("breakeven: blob.txt: binary data, not UTF-8 text\n");
    }

    @Test
    void badUsage_exits2() {
        assertThat(cli("knowledge", "--data", data()).code()).isEqualTo(2);
        assertThat(cli("knowledge", "search", "--kb", "Bad Name", "q", "--data", data())
                        .code())
                .isEqualTo(2);
        assertThat(cli("knowledge", "search", "--kb", "handbook", "--data", data())
                        .code())
                .isEqualTo(2);
        assertThat(cli("knowledge", "search", "--kb", "handbook", "q", "--k", "0", "--data", data())
                        .code())
                .isEqualTo(2);
        assertThat(cli("knowledge", "search", "--kb", "handbook", "q", "--format", "xml", "--data", data())
                        .code())
                .isEqualTo(2);
        assertThat(cli("knowledge", "ingest", "--kb", "handbook", "--data", data())
                        .code())
                .isEqualTo(2);
        assertThat(cli("knowledge", "ingest", handbook(), "--data", data()).code())
                .isEqualTo(2);
        assertThat(cli("knowledge", "ingest", "--help").code()).isZero();
    }
}
