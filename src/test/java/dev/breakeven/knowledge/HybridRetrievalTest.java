package dev.breakeven.knowledge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the words and the meaning of a question disagree, fusing both rankings does at least as
 * well as either alone. Identifiers (error codes) are what BM25 gets right and the embedding
 * blurs; paraphrases ("login secret" for password, "parcel" for package) are the reverse.
 */
class HybridRetrievalTest {
    @TempDir
    static Path dir;

    static KnowledgeBases bases;
    static KnowledgeBase handbook;

    /** Question → the heading (or, for the text file, the document) of the passage that answers it. */
    static final Map<String, String> QUESTIONS = Map.of(
            "E3107", "E3107",
            "what happens with error E2002", "E2002",
            "is my login secret safe", "Security > Passwords",
            "How long does the parcel take to arrive?", "handbook/shipping.txt");

    @BeforeAll
    static void ingest() {
        bases = new KnowledgeBases(dir.resolve("knowledge"), RealEmbedder.get());
        handbook = bases.openOrCreate("handbook");
        handbook.ingest(List.of(Handbook.copyTo(dir)), IngestListener.NONE);
    }

    @AfterAll
    static void close() {
        bases.close();
    }

    @Test
    void hybrid_ranksTheAnswerAtLeastAsWellAsKeywordsOrVectorsAlone() {
        double keyword = meanReciprocalRank(Retrieval.KEYWORD);
        double vector = meanReciprocalRank(Retrieval.VECTOR);
        double hybrid = meanReciprocalRank(Retrieval.HYBRID);
        System.out.printf("MRR@10 keyword %.3f, vector %.3f, hybrid %.3f%n", keyword, vector, hybrid);

        assertThat(hybrid).isGreaterThanOrEqualTo(keyword).isGreaterThanOrEqualTo(vector);
        assertThat(hybrid).isGreaterThan(Math.min(keyword, vector));
    }

    @Test
    void theCaseIsReal_eachMethodAloneMissesAnAnswerThatHybridFindsInItsTopThree() {
        assertThat(rank("is my login secret safe", Retrieval.KEYWORD)).isZero(); // no shared word
        assertThat(rank("what happens with error E2002", Retrieval.VECTOR)).isGreaterThan(1); // E2001 looks alike
        for (String question : QUESTIONS.keySet())
            assertThat(rank(question, Retrieval.HYBRID)).as(question).isBetween(1, 3);
    }

    static double meanReciprocalRank(Retrieval retrieval) {
        double sum = 0;
        for (String question : QUESTIONS.keySet()) {
            int rank = rank(question, retrieval);
            sum += rank == 0 ? 0 : 1.0 / rank;
        }
        return sum / QUESTIONS.size();
    }

    /** The rank (from 1) of the answer in the top 10, 0 if absent. */
    static int rank(String question, Retrieval retrieval) {
        List<Passage> passages = handbook.search(question, 10, retrieval);
        String answer = QUESTIONS.get(question);
        for (int i = 0; i < passages.size(); i++) {
            Citation c = passages.get(i).citation();
            if (c.heading().equals(answer)
                    || c.heading().isEmpty() && c.document().equals(answer)) return i + 1;
        }
        return 0;
    }
}
