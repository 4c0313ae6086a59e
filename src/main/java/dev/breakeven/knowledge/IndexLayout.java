package dev.breakeven.knowledge;

import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * The fields of one passage in the Lucene index. Every passage of a document carries the document's
 * name (so a document is replaced or removed as a whole); its first passage also carries the
 * content hash. {@code body} (heading path and text, English-analyzed) is what BM25 ranks; {@code
 * vector} (unit length, dot product = cosine) is what the HNSW graph ranks.
 */
final class IndexLayout {
    static final String DOCUMENT = "document";
    static final String FIRST = "first";
    static final String HASH = "hash";
    static final String HEADING = "heading";
    static final String TEXT = "text";
    static final String PASSAGE = "passage";
    static final String OFFSET = "offset";
    static final String BODY = "body";
    static final String VECTOR = "vector";

    /** Commit user data: which embedder built the index, its dimension, and when it last changed. */
    static final String EMBEDDER = "embedder";

    static final String DIMENSION = "dimension";
    static final String UPDATED_AT = "updated_at";

    static final Term FIRST_PASSAGES = new Term(FIRST, "1");

    private IndexLayout() {}

    static Term document(String name) {
        return new Term(DOCUMENT, name);
    }

    static List<Document> passages(String name, String hash, List<Chunk> chunks, List<float[]> vectors) {
        List<Document> docs = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            Document doc = new Document();
            doc.add(new StringField(DOCUMENT, name, Field.Store.YES));
            if (i == 0) {
                doc.add(new StringField(FIRST, "1", Field.Store.NO));
                doc.add(new StoredField(HASH, hash));
            }
            doc.add(new StoredField(HEADING, c.heading()));
            doc.add(new StoredField(TEXT, c.text()));
            doc.add(new StoredField(PASSAGE, c.ordinal() + 1));
            doc.add(new StoredField(OFFSET, c.offset()));
            doc.add(new TextField(BODY, c.indexedText(), Field.Store.NO));
            doc.add(new KnnFloatVectorField(VECTOR, vectors.get(i), VectorSimilarityFunction.DOT_PRODUCT));
            docs.add(doc);
        }
        return docs;
    }
}
