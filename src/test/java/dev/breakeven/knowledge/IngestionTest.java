package dev.breakeven.knowledge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A folder of every format, ingested once with the real MiniLM model, then questioned. */
class IngestionTest {
    @TempDir
    static Path dir;

    static KnowledgeBases bases;
    static KnowledgeBase handbook;
    static IngestReport report;
    static final List<String> changed = new ArrayList<>();
    static final int[] planned = new int[2];
    static int embedded;

    @BeforeAll
    static void ingestTheHandbook() {
        bases = new KnowledgeBases(dir.resolve("knowledge"), RealEmbedder.get());
        handbook = bases.openOrCreate("handbook");
        report = handbook.ingest(List.of(Handbook.copyTo(dir)), new IngestListener() {
            @Override
            public void planned(int documents, int passages) {
                planned[0] = documents;
                planned[1] = passages;
            }

            @Override
            public void embedded(int passages) {
                embedded += passages;
            }

            @Override
            public void changed(String document, IngestReport.Change change, int passages) {
                changed.add(document + " " + change + " " + passages);
            }
        });
    }

    @AfterAll
    static void close() {
        bases.close();
    }

    @Test
    void aFolder_isIngestedInSortedOrder_documentsNamedByTheirPathFromTheFolder() {
        assertThat(report.added()).isEqualTo(5);
        assertThat(report.updated() + report.unchanged() + report.removed()).isZero();
        assertThat(report.skipped()).isEmpty();
        assertThat(changed)
                .containsExactly(
                        "handbook/errors.csv ADDED 12",
                        "handbook/plans.md ADDED 5",
                        "handbook/security.html ADDED 4",
                        "handbook/shipping.txt ADDED 1",
                        "handbook/sourdough.md ADDED 3");
        assertThat(report.passages()).isEqualTo(25);
        assertThat(planned).containsExactly(5, 25);
        assertThat(embedded).isEqualTo(25);
        KnowledgeBaseStats stats = handbook.stats();
        assertThat(stats.documents()).isEqualTo(5);
        assertThat(stats.passages()).isEqualTo(25);
        assertThat(stats.updatedAt()).isPositive();
    }

    @Test
    void markdown_answersWithDocumentHeadingPathPassageAndOffset() {
        Passage best =
                handbook.search("What does the Plus plan cost per month?", 3).getFirst();
        assertThat(best.text()).startsWith("The Plus plan costs 12 dollars a month");
        assertThat(best.citation())
                .isEqualTo(new Citation(
                        "handbook/plans.md",
                        "Plans > Plus",
                        3,
                        Handbook.read("plans.md").indexOf("The Plus plan costs")));
        assertThat(best.citation().label()).isEqualTo("handbook/plans.md › Plans > Plus");
    }

    @Test
    void html_answersUnderItsTitleAndHeadings() {
        Passage best = handbook.search("How are passwords stored?", 3).getFirst();
        assertThat(best.citation().document()).isEqualTo("handbook/security.html");
        assertThat(best.citation().heading()).isEqualTo("Security > Passwords");
        assertThat(best.text()).contains("Argon2id");
    }

    @Test
    void csv_answersWithTheRow() {
        Passage best = handbook.search("What does error E3107 mean?", 3).getFirst();
        assertThat(best.citation().document()).isEqualTo("handbook/errors.csv");
        assertThat(best.citation().heading()).isEqualTo("E3107");
        assertThat(best.citation().passage()).isEqualTo(6);
        assertThat(best.text()).contains("name: model_overloaded", "fix: Retry after a few seconds");
    }

    @Test
    void text_answersWithNoHeading() {
        Passage best = handbook.search("When will my package be delivered?", 3).getFirst();
        assertThat(best.citation()).isEqualTo(new Citation("handbook/shipping.txt", "", 1, 0));
        assertThat(best.citation().label()).isEqualTo("handbook/shipping.txt");
    }

    @Test
    void theSecondMarkdownFile_answersToo() {
        Passage best = handbook.search("At what temperature should I bake the loaf?", 3)
                .getFirst();
        assertThat(best.citation().document()).isEqualTo("handbook/sourdough.md");
        assertThat(best.citation().heading()).isEqualTo("Sourdough bread > Baking");
    }

    @Test
    void similarity_separatesRelevantPassagesFromUnrelatedQuestions() {
        Passage relevant = handbook.search("How are passwords stored?", 1).getFirst();
        Passage unrelated =
                handbook.search("Who won the football world cup in 1998?", 1).getFirst();
        assertThat(relevant.similarity()).isGreaterThan(0.5);
        assertThat(unrelated.similarity()).isLessThan(0.25);
        assertThat(relevant.keywordRank()).isEqualTo(1);
        assertThat(relevant.vectorRank()).isEqualTo(1);
        assertThat(relevant.score()).isEqualTo(2.0 / 61);
    }

    @Test
    void searches_returnAtMostK_bestFirst_andRefuseABadK() {
        List<Passage> passages = handbook.search("plans and prices", 4);
        assertThat(passages).hasSize(4);
        assertThat(passages).extracting(Passage::score).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(handbook.search("   ", 4)).isEmpty();
        assertThatThrownBy(() -> handbook.search("plans", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> handbook.search("plans", KnowledgeBase.MAX_K + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBase_isListed_andReopensFromDisk() {
        assertThat(bases.names()).containsExactly("handbook");
        try (KnowledgeBases again = new KnowledgeBases(dir.resolve("knowledge"), RealEmbedder.get())) {
            KnowledgeBase reopened = again.open("handbook");
            assertThat(reopened.stats()).isEqualTo(handbook.stats());
            assertThat(reopened.search("How are passwords stored?", 1)
                            .getFirst()
                            .citation()
                            .heading())
                    .isEqualTo("Security > Passwords");
        }
    }

    @Test
    void aBaseBuiltWithOneEmbedder_refusesAnother() {
        Embedder other = new Embedder() {
            @Override
            public String name() {
                return "other-model";
            }

            @Override
            public int dimension() {
                return 8;
            }

            @Override
            public float[] embed(String text) {
                return new float[8];
            }

            @Override
            public List<float[]> embedAll(List<String> texts) {
                return texts.stream().map(this::embed).toList();
            }
        };
        try (KnowledgeBases again = new KnowledgeBases(dir.resolve("knowledge"), other)) {
            assertThatThrownBy(() -> again.open("handbook"))
                    .isInstanceOfSatisfying(
                            KnowledgeException.class, e -> assertThat(e.code()).isEqualTo("embedder_mismatch"))
                    .hasMessageContaining("all-MiniLM-L6-v2");
        }
    }
}
