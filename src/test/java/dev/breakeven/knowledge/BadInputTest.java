package dev.breakeven.knowledge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input gets a KnowledgeException with a stable code, naming the file; nothing stored changes. */
class BadInputTest {
    @TempDir
    static Path dir;

    static KnowledgeBases bases;
    static KnowledgeBase kb;
    static KnowledgeBaseStats before;

    @BeforeAll
    static void aBaseWithOneDocument() throws IOException {
        bases = new KnowledgeBases(
                dir.resolve("knowledge"), RealEmbedder.get(), IngestSettings.DEFAULTS.withMaxFileBytes(4096));
        kb = bases.openOrCreate("kb");
        Path good = Files.writeString(dir.resolve("good.md"), "# Good\n\nA perfectly fine document.\n");
        kb.ingest(List.of(good), IngestListener.NONE);
        before = kb.stats();
    }

    @AfterAll
    static void close() {
        assertThat(kb.stats()).isEqualTo(before);
        bases.close();
    }

    static Path file(String name, byte[] content) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("in"));
        return Files.write(folder.resolve(name), content);
    }

    static void refused(String code, String messageStart, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        KnowledgeException.class, e -> assertThat(e.code()).isEqualTo(code))
                .hasMessageStartingWith(messageStart);
    }

    static void ingest(Path... paths) {
        kb.ingest(List.of(paths), IngestListener.NONE);
    }

    @Test
    void anEmptyFile_orOneOfOnlyWhitespace_isRefused() throws IOException {
        Path empty = file("empty.md", new byte[0]);
        refused("empty_file", "empty.md: the file is empty", () -> ingest(empty));
        Path blank = file("blank.txt", " \n\n\t \n".getBytes());
        refused("empty_file", "blank.txt: only whitespace", () -> ingest(blank));
        Path scriptOnly = file("script.html", "<html><body><script>x()</script></body></html>".getBytes());
        refused("empty_file", "script.html: no text to index", () -> ingest(scriptOnly));
        Path headerOnly = file("header.csv", "a,b,c\n".getBytes());
        refused("empty_file", "header.csv", () -> ingest(headerOnly));
    }

    @Test
    void binaryData_orTextNotInUtf8_isRefused() throws IOException {
        Path binary = file("image.md", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13});
        refused("not_text", "image.md: binary data", () -> ingest(binary));
        Path latin1 = file("latin1.txt", "caf\u00e9".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        refused("not_text", "latin1.txt: not UTF-8 text", () -> ingest(latin1));
    }

    @Test
    void malformedCsv_isRefused() throws IOException {
        Path csv = file("broken.csv", "code,meaning\nE1,\"never closed\n".getBytes());
        refused("not_text", "broken.csv: not a readable CSV file", () -> ingest(csv));
    }

    @Test
    void aFileOverTheSizeLimit_isRefused_withItsSizeAndTheLimit() throws IOException {
        Path huge = file("huge.md", "word ".repeat(1000).getBytes());
        refused("file_too_large", "huge.md: 5000 bytes, over the limit of 4096 bytes", () -> ingest(huge));
        assertThat(IngestSettings.DEFAULTS.maxFileBytes()).isEqualTo(10L * 1024 * 1024);
    }

    @Test
    void anUnknownExtension_isRefused() throws IOException {
        Path pdf = file("manual.pdf", "%PDF-1.7".getBytes());
        refused("unsupported_file", "manual.pdf: unsupported file type", () -> ingest(pdf));
        Path none = file("README", "text".getBytes());
        refused("unsupported_file", "README: unsupported file type", () -> ingest(none));
    }

    @Test
    void aMissingPath_isRefused() {
        Path missing = dir.resolve("nowhere/plans.md");
        refused("file_not_found", missing + ": no such file or folder", () -> ingest(missing));
    }

    @Test
    void oneBadFileAmongGoodOnes_stopsTheWholeIngestionBeforeAnythingIsWritten() throws IOException {
        Path fine = file("fine.md", "# Fine\n\nThis one would be fine.\n".getBytes());
        Path empty = file("empty2.md", new byte[0]);
        refused("empty_file", "empty2.md", () -> ingest(fine, empty));
        assertThat(kb.stats()).isEqualTo(before);
    }

    @Test
    void badFilesFoundInAFolder_areSkippedWithTheirReasons_andTheRestIsIngested() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("mixed"));
        Files.writeString(folder.resolve("ok.md"), "# Ok\n\nFine.\n");
        Files.write(folder.resolve("logo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        Files.write(folder.resolve("zero.txt"), new byte[0]);
        Files.createDirectories(folder.resolve(".git"));
        Files.writeString(folder.resolve(".git/HEAD.txt"), "hidden");
        try (KnowledgeBases other = new KnowledgeBases(dir.resolve("other"), RealEmbedder.get())) {
            IngestReport report = other.openOrCreate("mixed").ingest(List.of(folder), IngestListener.NONE);
            assertThat(report.added()).isEqualTo(1);
            assertThat(report.skipped())
                    .extracting(IngestReport.Skipped::document, IngestReport.Skipped::code)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("mixed/logo.png", "unsupported_file"),
                            org.assertj.core.groups.Tuple.tuple("mixed/zero.txt", "empty_file"));
        }
    }

    @Test
    void anUnknownBase_isRefused_namingTheOnesThatExist() {
        refused("unknown_knowledge_base", "no knowledge base named 'nope' (known: kb)", () -> bases.open("nope"));
        assertThat(bases.exists("nope")).isFalse();
        assertThat(bases.names()).containsExactly("kb");
    }

    @Test
    void badBaseNames_areRefused() {
        for (String name : List.of("", "Help", "../etc", "a b", "-x", "_x", "é", "x".repeat(65))) {
            refused("invalid_name", "invalid knowledge base name", () -> bases.openOrCreate(name));
        }
        refused("invalid_name", "invalid knowledge base name 'null'", () -> bases.open(null));
        for (String name : List.of("a", "help", "kb_2-x", "0", "x".repeat(64)))
            assertThat(KnowledgeBases.checkName(name)).isEqualTo(name);
    }
}
