package dev.breakeven.knowledge;

/**
 * A retrieved passage, best first. {@code score} is its reciprocal-rank-fusion score (the sum of
 * 1/(60 + rank) over the rankings that found it); {@code keywordRank} and {@code vectorRank} are its
 * ranks (from 1) in the BM25 and the vector ranking, 0 where that ranking did not return it; {@code
 * similarity} is the cosine similarity of the passage to the question (-1 to 1, always computed),
 * for callers that need a relevance threshold.
 */
public record Passage(
        String text, Citation citation, double score, int keywordRank, int vectorRank, double similarity) {}
