package dev.breakeven.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** How completion tokens are counted from the pieces llama.cpp hands over. */
class TokenTallyTest {
    /** A SentencePiece vocabulary that has "é" as a piece, but not "ü" or "€". */
    final TokenTally sentencePiece = new TokenTally(true, Set.of("é"), piece -> {
        throw new AssertionError("SentencePiece pieces are not re-tokenized");
    });

    @Test
    void everyPiece_isOneToken_evenAnEmptyOne() {
        for (String piece : new String[] {" there", ",", "", " "}) sentencePiece.add(piece, 1);
        assertThat(sentencePiece.count()).isEqualTo(4);
        assertThat(sentencePiece.lastPiece()).isEqualTo(" ");
    }

    @Test
    void sentencePiece_aCharacterMissingFromTheVocabulary_cameAsOneByteTokenPerByte() {
        assertThat(sentencePiece.tokensIn("ü")).isEqualTo(2);
        assertThat(sentencePiece.tokensIn("€")).isEqualTo(3);
        assertThat(sentencePiece.tokensIn("😀")).isEqualTo(4);
    }

    @Test
    void sentencePiece_aCharacterInTheVocabulary_orALongerPiece_isOneToken() {
        assertThat(sentencePiece.tokensIn("é")).isEqualTo(1);
        assertThat(sentencePiece.tokensIn(" café")).isEqualTo(1);
    }

    @Test
    void otherVocabularies_recountMergedPieces_withTheModelsTokenizer() {
        TokenTally bpe = new TokenTally(false, Set.of(), piece -> piece.equals("你好") ? 2 : 0);
        assertThat(bpe.tokensIn("你好")).isEqualTo(2);
        assertThat(bpe.tokensIn("é")).isEqualTo(1); // a tokenizer that finds nothing still counts the piece
        assertThat(bpe.tokensIn(" hello")).isEqualTo(1);
    }

    @Test
    void stats_measureFromTheFirstTokenToTheLast() {
        TokenTally t = new TokenTally(true, Set.of(), p -> 1);
        assertThat(t.stats(0)).isEqualTo(new GenerationStats(0, 0));
        t.add("a", 1_000_000_000L);
        t.add("b", 1_250_000_000L);
        t.add("c", 1_500_000_000L);
        assertThat(t.stats(3)).isEqualTo(new GenerationStats(500, 4.0));
    }
}
