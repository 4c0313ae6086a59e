package dev.breakeven.inference;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Counts the completion tokens of one generation from the pieces llama.cpp hands over, and times
 * them.
 *
 * <p>llama.cpp sends one piece per sampled token, including tokens whose text is empty (the
 * end-of-sequence token, text held back while it might be a stop sequence). The one exception: a
 * token that ends in the middle of a multi-byte character is held back and sent together with the
 * token that completes it. Such a merged piece always contains a non-ASCII character, so only those
 * pieces are recounted: for SentencePiece vocabularies (where only byte tokens split characters) a
 * piece that is one character missing from the vocabulary came as one byte token per UTF-8 byte;
 * for other vocabularies the piece is re-tokenized with the model's own tokenizer.
 */
final class TokenTally {
    private final boolean sentencePiece;
    private final Set<String> singleCharacterPieces;
    private final ToIntFunction<String> tokenizer;
    private long count;
    private long firstNanos = -1;
    private long lastNanos = -1;
    private String lastPiece = "";

    TokenTally(boolean sentencePiece, Set<String> singleCharacterPieces, ToIntFunction<String> tokenizer) {
        this.sentencePiece = sentencePiece;
        this.singleCharacterPieces = singleCharacterPieces;
        this.tokenizer = tokenizer;
    }

    static TokenTally forModel(GgufFile file, ToIntFunction<String> tokenizer) {
        boolean sentencePiece = file.tokenizer() == null || file.tokenizer().equals("llama");
        return new TokenTally(sentencePiece, file.singleCharacterPieces(), tokenizer);
    }

    /** Notes one piece from the library, received at {@code nanos} ({@link System#nanoTime()}). */
    void add(String piece, long nanos) {
        count += tokensIn(piece);
        if (firstNanos < 0) firstNanos = nanos;
        lastNanos = nanos;
        lastPiece = piece;
    }

    int tokensIn(String piece) {
        if (isAscii(piece)) return 1;
        if (sentencePiece) {
            if (piece.codePointCount(0, piece.length()) != 1 || singleCharacterPieces.contains(piece)) return 1;
            return Math.max(1, piece.getBytes(StandardCharsets.UTF_8).length);
        }
        return Math.max(1, tokenizer.applyAsInt(piece));
    }

    long count() {
        return count;
    }

    /** The last piece's text ("" for the end-of-sequence token). */
    String lastPiece() {
        return lastPiece;
    }

    /** Time from the first token to the last, and the rate in between (zeros before any token). */
    GenerationStats stats(long tokens) {
        return firstNanos < 0 ? new GenerationStats(0, 0) : GenerationStats.of(tokens, firstNanos, lastNanos);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) > 0x7F) return false;
        return true;
    }
}
