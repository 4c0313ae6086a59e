package dev.breakeven.knowledge;

/** How passages are ranked: both rankings fused (the default), or one alone. */
public enum Retrieval {
    /** BM25 and vector rankings fused by reciprocal rank fusion (k = 60). */
    HYBRID,
    /** BM25 over the words of the heading path and text. */
    KEYWORD,
    /** Nearest neighbours of the question's embedding (HNSW, cosine). */
    VECTOR
}
