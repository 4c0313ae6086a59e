package dev.breakeven.knowledge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.VectorUtil;

/**
 * Ranks passages two ways and fuses the rankings: BM25 over the question's words (English
 * analysis: lower case, stop words out, stemmed) and the nearest neighbours of the question's
 * vector; each ranking returns up to {@link #CANDIDATES} passages (or {@code k}, if more), and a
 * passage's fused score is the sum of 1/({@link #RRF_K} + rank) over the rankings that found it.
 * Ties go to the passage found first in the index. Thread-safe.
 */
final class HybridSearch {
    static final int RRF_K = 60;
    static final int CANDIDATES = 50;
    private static final int MAX_TERMS = 64;
    private static final Set<String> STORED = Set.of(
            IndexLayout.DOCUMENT, IndexLayout.HEADING, IndexLayout.TEXT, IndexLayout.PASSAGE, IndexLayout.OFFSET);

    private final Analyzer analyzer;

    HybridSearch(Analyzer analyzer) {
        this.analyzer = analyzer;
    }

    private static final class Hit {
        final int doc;
        double score;
        int keywordRank;
        int vectorRank;

        Hit(int doc) {
            this.doc = doc;
        }
    }

    List<Passage> search(IndexSearcher searcher, String question, float[] vector, int k, Retrieval retrieval)
            throws IOException {
        int depth = Math.max(CANDIDATES, k);
        Map<Integer, Hit> hits = new HashMap<>();
        if (retrieval != Retrieval.VECTOR) {
            BooleanQuery query = keywordQuery(question);
            if (!query.clauses().isEmpty()) {
                ScoreDoc[] docs = searcher.search(query, depth).scoreDocs;
                for (int i = 0; i < docs.length; i++) {
                    Hit hit = hits.computeIfAbsent(docs[i].doc, Hit::new);
                    hit.keywordRank = i + 1;
                    hit.score += 1.0 / (RRF_K + i + 1);
                }
            }
        }
        if (retrieval != Retrieval.KEYWORD) {
            ScoreDoc[] docs =
                    searcher.search(new KnnFloatVectorQuery(IndexLayout.VECTOR, vector, depth), depth).scoreDocs;
            for (int i = 0; i < docs.length; i++) {
                Hit hit = hits.computeIfAbsent(docs[i].doc, Hit::new);
                hit.vectorRank = i + 1;
                hit.score += 1.0 / (RRF_K + i + 1);
            }
        }
        List<Hit> ranked = new ArrayList<>(hits.values());
        ranked.sort(Comparator.comparingDouble((Hit h) -> -h.score).thenComparingInt(h -> h.doc));
        StoredFields stored = searcher.storedFields();
        List<Passage> out = new ArrayList<>(Math.min(k, ranked.size()));
        for (Hit hit : ranked.subList(0, Math.min(k, ranked.size()))) {
            Document doc = stored.document(hit.doc, STORED);
            Citation citation = new Citation(
                    doc.get(IndexLayout.DOCUMENT),
                    doc.get(IndexLayout.HEADING),
                    doc.getField(IndexLayout.PASSAGE).numericValue().intValue(),
                    doc.getField(IndexLayout.OFFSET).numericValue().intValue());
            out.add(new Passage(
                    doc.get(IndexLayout.TEXT),
                    citation,
                    hit.score,
                    hit.keywordRank,
                    hit.vectorRank,
                    similarity(searcher, hit.doc, vector)));
        }
        return out;
    }

    /** Any of the question's analyzed words, each once. */
    BooleanQuery keywordQuery(String question) {
        Set<String> terms = new LinkedHashSet<>();
        try (TokenStream tokens = analyzer.tokenStream(IndexLayout.BODY, question)) {
            CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
            tokens.reset();
            while (tokens.incrementToken() && terms.size() < MAX_TERMS) terms.add(term.toString());
            tokens.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        BooleanQuery.Builder query = new BooleanQuery.Builder();
        for (String t : terms) query.add(new TermQuery(new Term(IndexLayout.BODY, t)), BooleanClause.Occur.SHOULD);
        return query.build();
    }

    /** The dot product (= cosine, both being unit vectors) of the passage's stored vector and the question's. */
    private static double similarity(IndexSearcher searcher, int doc, float[] vector) throws IOException {
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
        FloatVectorValues values = leaf.reader().getFloatVectorValues(IndexLayout.VECTOR);
        if (values == null) return 0;
        int target = doc - leaf.docBase;
        KnnVectorValues.DocIndexIterator it = values.iterator();
        if (it.advance(target) != target) return 0;
        return VectorUtil.dotProduct(vector, values.vectorValue(it.index()));
    }
}
