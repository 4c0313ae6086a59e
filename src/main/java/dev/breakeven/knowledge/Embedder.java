package dev.breakeven.knowledge;

import java.util.List;

/**
 * Turns text into a vector of {@link #dimension()} floats of unit length, so that the dot product
 * of two vectors is their cosine similarity. Implementations are thread-safe. A failure to load or
 * run the model is an unchecked exception; an embedder never returns a vector of another length.
 */
public interface Embedder {
    /** A name stored with each knowledge base, so an index is never searched with another model. */
    String name();

    int dimension();

    float[] embed(String text);

    /** The vectors of {@code texts}, in order; may be faster than one {@link #embed} per text. */
    List<float[]> embedAll(List<String> texts);

    /** {@code vector} scaled to unit length (unchanged if it is all zeros). */
    static float[] normalize(float[] vector) {
        double sum = 0;
        for (float v : vector) sum += (double) v * v;
        if (sum == 0) return vector;
        float scale = (float) (1 / Math.sqrt(sum));
        float[] out = new float[vector.length];
        for (int i = 0; i < vector.length; i++) out[i] = vector[i] * scale;
        return out;
    }
}
