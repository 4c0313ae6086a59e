package dev.breakeven.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.knowledge.KnowledgeBase;
import dev.breakeven.knowledge.Passage;
import java.util.List;

/**
 * A backend that answers from a knowledge base. With no writer it quotes the most relevant
 * passages with their citations; with a generative writer backend it hands the passages to the
 * writer as context (retrieval-augmented generation). Either way, when nothing in the base is
 * relevant enough it says so plainly instead of making an answer up.
 */
public final class KnowledgeBackend implements Backend {

    /**
     * @param passages how many passages to retrieve
     * @param minSimilarity cosine similarity a passage needs to count as relevant
     * @param writerModel the model name to send to the writer backend (ignored without a writer)
     */
    public record Settings(String id, int capacity, int passages, double minSimilarity, String writerModel) {}

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Settings settings;
    private final KnowledgeBase base;
    private final Backend writer;
    private final TokenCounter tokens;

    /** @param writer a generative backend for RAG, or null to answer with quotations */
    public KnowledgeBackend(Settings settings, KnowledgeBase base, Backend writer, TokenCounter tokens) {
        this.settings = settings;
        this.base = base;
        this.writer = writer;
        this.tokens = tokens;
    }

    @Override
    public String id() {
        return settings.id();
    }

    @Override
    public int capacity() {
        return settings.capacity();
    }

    @Override
    public Completion complete(GenerationRequest request) {
        Grounding grounding = ground(request.chat());
        if (writer != null && grounding.found()) {
            Completion written = writer.complete(grounding.writerRequest(request, settings.writerModel()));
            written.body().set("citations", grounding.citations());
            return written;
        }
        Grounding.Quotation answer = quotedAnswer(grounding, request.chat());
        ObjectNode body = NODES.objectNode();
        body.put("id", ""); // the assistant fills in the turn's id and model; kept first as OpenAI orders them
        body.put("object", "chat.completion");
        body.put("model", "");
        body.put("created", System.currentTimeMillis() / 1000);
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", answer.text());
        choice.putNull("logprobs");
        choice.put("finish_reason", answer.finishReason());
        body.set("citations", answer.citations());
        Usage usage = usage(request.chat(), answer.text());
        body.set("usage", usage.toJson());
        return new Completion(body, usage);
    }

    @Override
    public StreamEnd stream(GenerationRequest request, ChunkSink sink) {
        Grounding grounding = ground(request.chat());
        if (writer != null && grounding.found()) {
            StreamEnd end = writer.stream(grounding.writerRequest(request, settings.writerModel()), chunk -> {
                if (isFinal(chunk)) chunk.set("citations", grounding.citations());
                sink.chunk(chunk);
            });
            return end;
        }
        Grounding.Quotation answer = quotedAnswer(grounding, request.chat());
        sink.chunk(chunk(NODES.objectNode().put("role", "assistant").put("content", ""), null, null));
        for (String piece : pieces(answer.text()))
            sink.chunk(chunk(NODES.objectNode().put("content", piece), null, null));
        sink.chunk(chunk(NODES.objectNode(), answer.finishReason(), answer.citations()));
        Usage usage = usage(request.chat(), answer.text());
        ObjectNode usageChunk = NODES.objectNode().put("object", "chat.completion.chunk");
        usageChunk.putArray("choices");
        usageChunk.set("usage", usage.toJson());
        sink.chunk(usageChunk);
        return new StreamEnd(usage);
    }

    private Grounding ground(ChatRequest chat) {
        String question = Grounding.question(chat.body().path("messages"));
        if (question.isBlank()) return new Grounding(question, List.of());
        List<Passage> relevant = base.search(question, settings.passages()).stream()
                .filter(p -> p.similarity() >= settings.minSimilarity())
                .toList();
        return new Grounding(question, relevant);
    }

    /**
     * The quoted answer, cut at the request's output limit ({@code max_completion_tokens}, else
     * {@code max_tokens}) as a model stops at it: never more tokens than the plan reserved for.
     */
    private Grounding.Quotation quotedAnswer(Grounding grounding, ChatRequest chat) {
        return grounding.quotedAnswer(base.name()).limitedTo(chat.maxTokens(), tokens);
    }

    private static boolean isFinal(ObjectNode chunk) {
        for (JsonNode choice : chunk.path("choices")) if (choice.hasNonNull("finish_reason")) return true;
        return false;
    }

    /** Streams the answer a few words at a time, like a model would. */
    static List<String> pieces(String answer) {
        List<String> out = new java.util.ArrayList<>();
        int start = 0;
        int words = 0;
        for (int i = 0; i < answer.length(); i++) {
            if (answer.charAt(i) == ' ' || answer.charAt(i) == '\n') {
                if (++words % 4 == 0) {
                    out.add(answer.substring(start, i + 1));
                    start = i + 1;
                }
            }
        }
        if (start < answer.length()) out.add(answer.substring(start));
        return out;
    }

    private static ObjectNode chunk(ObjectNode delta, String finishReason, ArrayNode citations) {
        ObjectNode chunk = NODES.objectNode();
        chunk.put("id", "");
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", System.currentTimeMillis() / 1000);
        chunk.put("model", "");
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) choice.putNull("finish_reason");
        else choice.put("finish_reason", finishReason);
        if (citations != null) chunk.set("citations", citations);
        return chunk;
    }

    private Usage usage(ChatRequest chat, String answer) {
        // No model read these tokens; counting them with the gateway's tokenizer is the exact measure of this backend's
        // work.
        return new Usage(tokens.countMessages(chat.body().path("messages")), tokens.count(answer), false);
    }
}
