package dev.breakeven.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.knowledge.Passage;
import java.util.ArrayList;
import java.util.List;

/** The passages a knowledge backend found for a question, and the ways it turns them into an answer. */
record Grounding(String question, List<Passage> passages) {
    private static final int QUOTED = 3;
    private static final int MAX_QUOTE_CHARS = 700;

    boolean found() {
        return !passages.isEmpty();
    }

    /** The last user message is the question; earlier turns are context the writer still sees. */
    static String question(JsonNode messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode m = messages.get(i);
            if (!"user".equals(m.path("role").asText())) continue;
            JsonNode content = m.path("content");
            if (content.isTextual()) return content.asText().strip();
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content)
                text.append(part.path("text").asText("")).append(' ');
            return text.toString().strip();
        }
        return "";
    }

    /** The answer that quotes the passages (or says plainly that there are none), citing the passages it quotes. */
    Quotation quotedAnswer(String base) {
        if (!found()) {
            return new Quotation(
                    "I could not find anything about that in the '" + base + "' knowledge base, so I will not guess. "
                            + "Try asking in other words, or about something the documentation covers.",
                    List.of(),
                    List.of(),
                    false);
        }
        StringBuilder answer = new StringBuilder("Here is what the '" + base + "' knowledge base says:\n\n");
        List<Passage> quoted = passages.subList(0, Math.min(QUOTED, passages.size()));
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < quoted.size(); i++) {
            starts.add(answer.length());
            answer.append(trim(quoted.get(i).text())).append(" [").append(i + 1).append("]\n\n");
        }
        answer.append("Sources:\n");
        for (int i = 0; i < quoted.size(); i++)
            answer.append("[")
                    .append(i + 1)
                    .append("] ")
                    .append(quoted.get(i).citation().label())
                    .append('\n');
        return new Quotation(answer.toString().strip(), quoted, starts, false);
    }

    /**
     * An answer made of quotations.
     *
     * @param quoted the passages it quotes, in order: passage {@code i} is marked {@code [i + 1]}
     * @param starts where each quoted passage's text starts in {@code text}
     * @param cut true when the text was cut short at the request's output limit
     */
    record Quotation(String text, List<Passage> quoted, List<Integer> starts, boolean cut) {
        /**
         * This answer cut to at most {@code maxTokens} tokens (counted as its usage is), between
         * tokens; it then cites only the passages whose quotation starts before the cut, even if
         * their {@code [n]} marker was cut off. Unchanged when it fits, or with no limit.
         */
        Quotation limitedTo(Integer maxTokens, TokenCounter tokens) {
            if (maxTokens == null) return this;
            String kept = tokens.truncate(text, maxTokens);
            if (kept.equals(text)) return this;
            int n = 0;
            while (n < starts.size() && starts.get(n) < kept.length()) n++;
            return new Quotation(kept, quoted.subList(0, n), starts.subList(0, n), true);
        }

        /** OpenAI's: {@code length} when the answer was cut at the output limit. */
        String finishReason() {
            return cut ? "length" : "stop";
        }

        ArrayNode citations() {
            return Grounding.citations(quoted);
        }
    }

    /** The client's conversation with the passages put before it as instructions, for the writer backend. */
    GenerationRequest writerRequest(GenerationRequest original, String writerModel) {
        ObjectNode body = original.chat().body().deepCopy();
        ArrayNode messages = JsonNodeFactory.instance.arrayNode();
        messages.addObject().put("role", "system").put("content", instructions());
        messages.addAll((ArrayNode) body.path("messages"));
        body.set("messages", messages);
        return new GenerationRequest(
                ChatRequest.from(body), writerModel == null ? original.upstreamModel() : writerModel);
    }

    private String instructions() {
        StringBuilder s = new StringBuilder(
                "Answer the user's question using only the numbered passages below. Cite the passages you use as [n]. "
                        + "If they do not contain the answer, say that you do not know.\n\n");
        for (int i = 0; i < passages.size(); i++) {
            Passage p = passages.get(i);
            s.append("[")
                    .append(i + 1)
                    .append("] (")
                    .append(p.citation().label())
                    .append(")\n")
                    .append(p.text().strip())
                    .append("\n\n");
        }
        return s.toString();
    }

    /** Every passage found: what a writer was given. */
    ArrayNode citations() {
        return citations(passages);
    }

    private static ArrayNode citations(List<Passage> passages) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < passages.size(); i++) {
            Passage p = passages.get(i);
            out.addObject()
                    .put("index", i + 1)
                    .put("document", p.citation().document())
                    .put("heading", p.citation().heading())
                    .put("passage", p.citation().passage())
                    .put("offset", p.citation().offset())
                    .put("similarity", Math.round(p.similarity() * 1000) / 1000.0);
        }
        return out;
    }

    private static String trim(String text) {
        String t = text.strip();
        if (t.length() <= MAX_QUOTE_CHARS) return t;
        int cut = t.lastIndexOf(". ", MAX_QUOTE_CHARS);
        return (cut > MAX_QUOTE_CHARS / 2 ? t.substring(0, cut + 1) : t.substring(0, MAX_QUOTE_CHARS)) + " …";
    }
}
