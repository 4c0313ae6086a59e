package dev.breakeven.knowledge;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.ArrayList;
import java.util.List;

/**
 * all-MiniLM-L6-v2 (384 dimensions), run in-process with ONNX Runtime from the model shipped in
 * its jar: no download, works offline. The model loads on first use (about 3 s); a failure to load
 * it is thrown from that first call. Texts longer than the model's 256 tokens are embedded in parts
 * and averaged by the library. Thread-safe.
 */
public final class MiniLmEmbedder implements Embedder {
    public static final String NAME = "all-MiniLM-L6-v2";
    public static final int DIMENSION = 384;

    private volatile AllMiniLmL6V2EmbeddingModel model;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    /** Loads the model now rather than on the first embedding. */
    public MiniLmEmbedder load() {
        model();
        return this;
    }

    @Override
    public float[] embed(String text) {
        return Embedder.normalize(model().embed(text).content().vector());
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        if (texts.isEmpty()) return List.of();
        List<TextSegment> segments = texts.stream().map(TextSegment::from).toList();
        List<Embedding> embeddings = model().embedAll(segments).content();
        List<float[]> out = new ArrayList<>(embeddings.size());
        for (Embedding e : embeddings) out.add(Embedder.normalize(e.vector()));
        return out;
    }

    private AllMiniLmL6V2EmbeddingModel model() {
        AllMiniLmL6V2EmbeddingModel m = model;
        if (m == null) {
            synchronized (this) {
                m = model;
                if (m == null) model = m = new AllMiniLmL6V2EmbeddingModel();
            }
        }
        return m;
    }
}
