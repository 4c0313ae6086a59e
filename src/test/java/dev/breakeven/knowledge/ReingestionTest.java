package dev.breakeven.knowledge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingesting again changes only what changed: by content hash, whole documents at a time. */
class ReingestionTest {
    @TempDir
    Path dir;

    KnowledgeBases bases;
    KnowledgeBase kb;
    Path folder;

    @BeforeEach
    void ingestOnce() {
        bases = new KnowledgeBases(dir.resolve("knowledge"), RealEmbedder.get());
        kb = bases.openOrCreate("handbook");
        folder = Handbook.copyTo(dir);
        assertThat(kb.ingest(List.of(folder), IngestListener.NONE).added()).isEqualTo(5);
    }

    @AfterEach
    void close() {
        bases.close();
    }

    @Test
    void unchangedDocuments_areSkipped_andNothingIsWritten() {
        KnowledgeBaseStats before = kb.stats();
        IngestReport again = kb.ingest(List.of(folder), IngestListener.NONE);

        assertThat(again).isEqualTo(new IngestReport(0, 0, 5, 0, 0, List.of(), again.millis()));
        assertThat(again.changedAnything()).isFalse();
        assertThat(kb.stats()).isEqualTo(before); // same passages, same commit time
    }

    @Test
    void aChangedDocument_isReplacedWhole() throws IOException {
        Path plans = folder.resolve("plans.md");
        Files.writeString(plans, Files.readString(plans).replace("12 dollars", "15 dollars"));

        IngestReport again = kb.ingest(List.of(folder), IngestListener.NONE);

        assertThat(again.updated()).isEqualTo(1);
        assertThat(again.unchanged()).isEqualTo(4);
        assertThat(again.passages()).isEqualTo(5);
        assertThat(kb.stats().passages()).isEqualTo(25);
        List<Passage> plus = kb.search("How much is the Plus plan?", 10);
        assertThat(plus.getFirst().text()).contains("15 dollars");
        assertThat(plus).noneMatch(p -> p.text().contains("12 dollars"));
    }

    @Test
    void aDocumentGoneFromTheFolder_isRemoved() throws IOException {
        Files.delete(folder.resolve("sourdough.md"));

        IngestReport again = kb.ingest(List.of(folder), IngestListener.NONE);

        assertThat(again.removed()).isEqualTo(1);
        assertThat(again.unchanged()).isEqualTo(4);
        assertThat(kb.stats().documents()).isEqualTo(4);
        assertThat(kb.stats().passages()).isEqualTo(22);
        assertThat(kb.search("How do I bake sourdough bread?", 10))
                .noneMatch(p -> p.citation().document().equals("handbook/sourdough.md"));
    }

    @Test
    void aFileGivenByItself_isNamedByItsFileName_andFolderIngestsLeaveItAlone() throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.md"), "# Notes\n\nThe office parrot is called Kiwi.\n");
        IngestReport single = kb.ingest(List.of(notes), IngestListener.NONE);
        assertThat(single.added()).isEqualTo(1);

        IngestReport folderAgain = kb.ingest(List.of(folder), IngestListener.NONE);
        assertThat(folderAgain.removed()).isZero();
        Passage best = kb.search("What is the parrot's name?", 1).getFirst();
        assertThat(best.citation().document()).isEqualTo("notes.md");
        assertThat(best.citation().heading()).isEqualTo("Notes");
    }

    @Test
    void aFileThatBecameUnreadable_isSkippedAndItsOldPassagesRemoved() throws IOException {
        Files.write(folder.resolve("shipping.txt"), new byte[] {'a', 0, 'b'});

        IngestReport again = kb.ingest(List.of(folder), IngestListener.NONE);

        assertThat(again.skipped()).singleElement().satisfies(s -> {
            assertThat(s.document()).isEqualTo("handbook/shipping.txt");
            assertThat(s.code()).isEqualTo("not_text");
        });
        assertThat(again.removed()).isEqualTo(1);
        assertThat(kb.stats().documents()).isEqualTo(4);
    }
}
