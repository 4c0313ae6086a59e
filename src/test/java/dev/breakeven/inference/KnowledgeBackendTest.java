package dev.breakeven.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.knowledge.IngestListener;
import dev.breakeven.knowledge.KnowledgeBase;
import dev.breakeven.knowledge.KnowledgeBases;
import dev.breakeven.knowledge.RealEmbedder;
import dev.breakeven.testing.MockUpstream;
import dev.breakeven.testing.TestModel;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The knowledge backend answers from a real index with real embeddings, and never makes an answer up. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KnowledgeBackendTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    KnowledgeBases bases;
    KnowledgeBase handbook;
    KnowledgeBackend backend;

    @BeforeAll
    void ingest() {
        bases = new KnowledgeBases(dir.resolve("kb"), RealEmbedder.get());
        handbook = bases.openOrCreate("handbook");
        handbook.ingest(List.of(Path.of("src/test/resources/knowledge/handbook")), IngestListener.NONE);
        backend = new KnowledgeBackend(settings(null), handbook, null, new TokenCounter());
    }

    @AfterAll
    void close() {
        bases.close();
    }

    static KnowledgeBackend.Settings settings(String writerModel) {
        return new KnowledgeBackend.Settings("help-desk", 4, 4, 0.35, writerModel);
    }

    static GenerationRequest ask(String question, boolean stream) {
        return new GenerationRequest(ChatRequest.from(body(question, stream)), "ignored");
    }

    static ObjectNode body(String question, boolean stream) {
        ObjectNode body = JSON.createObjectNode().put("model", "assistant").put("stream", stream);
        body.putArray("messages").addObject().put("role", "user").put("content", question);
        return body;
    }

    /** The question with the output cap a plan puts on it (the gateway sets {@code max_tokens}). */
    static GenerationRequest ask(String question, boolean stream, int maxTokens) {
        return new GenerationRequest(ChatRequest.from(body(question, stream)).withMaxTokens(maxTokens), "ignored");
    }

    static final String PLUS = "How much does the Plus plan cost per month?";
    final TokenCounter tokens = new TokenCounter();

    static String content(Completion c) {
        return c.body().at("/choices/0/message/content").asText();
    }

    static List<Integer> cited(JsonNode citations) {
        List<Integer> out = new ArrayList<>();
        citations.forEach(citation -> out.add(citation.get("index").asInt()));
        return out;
    }

    @Test
    void answer_quotesTheRelevantPassage_withItsCitation() {
        Completion c = backend.complete(ask("How much does the Plus plan cost per month?", false));

        String answer = c.body().at("/choices/0/message/content").asText();
        assertThat(answer)
                .contains("12 dollars a month")
                .contains("[1]")
                .contains("Sources:")
                .contains("plans.md › Plans > Plus");
        JsonNode first = c.body().get("citations").get(0);
        assertThat(first.get("document").asText()).isEqualTo("handbook/plans.md");
        assertThat(first.get("heading").asText()).isEqualTo("Plans > Plus");
        assertThat(c.usage().completionTokens()).isPositive();
        assertThat(c.usage().estimated()).isFalse();
        assertThat(c.body().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void quotedAnswer_citesExactlyThePassagesItQuotes() {
        for (String question : List.of(
                "How much does the Plus plan cost per month?",
                "Which plan should I choose?",
                "How are passwords stored?",
                "What does error E3107 mean?")) {
            Completion c = backend.complete(ask(question, false));

            String answer = c.body().at("/choices/0/message/content").asText();
            List<Integer> cited = new ArrayList<>();
            c.body()
                    .get("citations")
                    .forEach(citation -> cited.add(citation.get("index").asInt()));
            assertThat(cited).as(question).isNotEmpty();
            assertThat(markers(answer)).as(question).containsExactlyElementsOf(cited);
        }
    }

    /** The distinct [n] markers of a text, in order of first appearance. */
    static List<Integer> markers(String text) {
        return java.util.regex.Pattern.compile("\\[(\\d+)]")
                .matcher(text)
                .results()
                .map(m -> Integer.parseInt(m.group(1)))
                .distinct()
                .toList();
    }

    @Test
    void quotedAnswer_stopsAtMaxTokens_withFinishReasonLength() {
        String whole = content(backend.complete(ask(PLUS, false)));

        Completion c = backend.complete(ask(PLUS, false, 20));

        assertThat(whole).startsWith(content(c));
        assertThat(tokens.count(content(c))).isEqualTo(20);
        assertThat(c.body().at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(c.usage().completionTokens()).isEqualTo(20);
        assertThat(c.body().at("/usage/completion_tokens").asLong()).isEqualTo(20);
    }

    @Test
    void maxCompletionTokens_winsOverMaxTokens_asAtOpenAi() {
        ObjectNode body = body(PLUS, false).put("max_tokens", 40).put("max_completion_tokens", 15);

        Completion c = backend.complete(new GenerationRequest(ChatRequest.from(body), "ignored"));

        assertThat(c.usage().completionTokens()).isEqualTo(15);
        assertThat(c.body().at("/choices/0/finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void streamedQuotedAnswer_stopsAtMaxTokens_theLastChunkSaysLength_andUsageIsTheLimit() {
        String cut = content(backend.complete(ask(PLUS, false, 20)));
        List<ObjectNode> chunks = new ArrayList<>();

        StreamEnd end = backend.stream(ask(PLUS, true, 20), chunks::add);

        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.at("/choices/0/delta/content").asText("")));
        assertThat(text.toString()).isEqualTo(cut);
        ObjectNode last = chunks.get(chunks.size() - 2);
        assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(chunks.subList(0, chunks.size() - 2))
                .allSatisfy(c ->
                        assertThat(c.at("/choices/0/finish_reason").isNull()).isTrue());
        assertThat(end.usage().completionTokens()).isEqualTo(20);
        assertThat(chunks.getLast().at("/usage/completion_tokens").asLong()).isEqualTo(20);
    }

    @Test
    void aLimitTheAnswerFitsIn_changesNothing() {
        Completion free = backend.complete(ask(PLUS, false));
        int answerTokens = tokens.count(content(free));

        for (int limit : List.of(answerTokens, answerTokens + 1, 100_000)) {
            Completion c = backend.complete(ask(PLUS, false, limit));

            assertThat(content(c)).as("limit " + limit).isEqualTo(content(free));
            assertThat(c.body().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
            assertThat(c.body().get("citations")).isEqualTo(free.body().get("citations"));
            assertThat(c.usage()).isEqualTo(free.usage());
        }
    }

    @Test
    void aCutAnswer_citesThePassagesWhoseQuotationItReached_only() {
        Completion free = backend.complete(ask(PLUS, false));
        String whole = content(free);
        int intro = tokens.count(whole.substring(0, whole.indexOf("\n\n") + 2));
        int throughFirstQuote = tokens.count(whole.substring(0, whole.indexOf("[1]") + 3));

        assertThat(cited(backend.complete(ask(PLUS, false, intro)).body().get("citations")))
                .as("no quotation reached yet")
                .isEmpty();
        assertThat(cited(backend.complete(ask(PLUS, false, intro + 2)).body().get("citations")))
                .as("the first quotation started, its [1] not yet written")
                .containsExactly(1);
        assertThat(cited(backend.complete(ask(PLUS, false, throughFirstQuote))
                        .body()
                        .get("citations")))
                .containsExactly(1);
        assertThat(cited(backend.complete(ask(PLUS, false, tokens.count(whole) - 1))
                        .body()
                        .get("citations")))
                .as("cut in the list of sources: every quotation was written")
                .isEqualTo(cited(free.body().get("citations")));
    }

    @Test
    void atEveryLimit_theCutAnswerCountsExactlyTheLimit_andCitesEveryMarkerItShows() {
        String whole = content(backend.complete(ask(PLUS, false)));
        int answerTokens = tokens.count(whole);

        for (int limit = 1; limit < answerTokens; limit++) {
            Completion c = backend.complete(ask(PLUS, false, limit));

            assertThat(whole).startsWith(content(c));
            assertThat(c.usage().completionTokens()).as("limit " + limit).isEqualTo(limit);
            assertThat(cited(c.body().get("citations"))).containsAll(markers(content(c)));
        }
    }

    @Test
    void theIDoNotKnowAnswer_isCutAtTheLimitToo() {
        Completion c = backend.complete(ask("Which rocket engine did the Saturn V first stage use?", false, 5));

        assertThat(c.usage().completionTokens()).isEqualTo(5);
        assertThat(c.body().at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(c.body().get("citations")).isEmpty();
    }

    @Test
    void questionTheBaseCannotAnswer_getsAPlainIDoNotKnow_withoutCitations() {
        Completion c = backend.complete(ask("Which rocket engine did the Saturn V first stage use?", false));

        assertThat(c.body().at("/choices/0/message/content").asText()).contains("could not find anything");
        assertThat(c.body().get("citations")).isEmpty();
    }

    @Test
    void stream_sendsTheSameAnswerInChunks_citationsOnTheLastOne_thenUsage() {
        List<ObjectNode> chunks = new ArrayList<>();
        StreamEnd end = backend.stream(ask("How much does the Plus plan cost per month?", true), chunks::add);

        assertThat(chunks.getFirst().at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        ObjectNode usageChunk = chunks.getLast();
        assertThat(usageChunk.get("choices")).isEmpty();
        assertThat(usageChunk.at("/usage/completion_tokens").asLong())
                .isEqualTo(end.usage().completionTokens());
        ObjectNode last = chunks.get(chunks.size() - 2);
        assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(last.get("citations").get(0).get("document").asText()).isEqualTo("handbook/plans.md");
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.at("/choices/0/delta/content").asText("")));
        String whole = backend.complete(ask("How much does the Plus plan cost per month?", false))
                .body()
                .at("/choices/0/message/content")
                .asText();
        assertThat(text.toString()).isEqualTo(whole);
    }

    @Test
    void withAWriter_thePassagesGoToTheWriterAsContext_andTheAnswerKeepsItsCitations() {
        try (MockUpstream writerServer = MockUpstream.start();
                IdleWatch idle = new IdleWatch()) {
            var writerSettings = new OpenAiBackend.Settings(
                    "writer",
                    URI.create(writerServer.baseUrl()),
                    null,
                    4,
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(5));
            try (OpenAiBackend writer = new OpenAiBackend(writerSettings, JSON, idle)) {
                KnowledgeBackend rag =
                        new KnowledgeBackend(settings("writer-model"), handbook, writer, new TokenCounter());

                Completion c = rag.complete(ask("How much does the Plus plan cost per month?", false));

                JsonNode sent = writerServer.lastRequest().body();
                assertThat(sent.get("model").asText()).isEqualTo("writer-model");
                assertThat(sent.at("/messages/0/role").asText()).isEqualTo("system");
                assertThat(sent.at("/messages/0/content").asText())
                        .contains("[1] (handbook/plans.md › Plans > Plus)")
                        .contains("12 dollars");
                assertThat(sent.at("/messages/1/content").asText())
                        .isEqualTo("How much does the Plus plan cost per month?");
                assertThat(c.body().get("citations").get(0).get("document").asText())
                        .isEqualTo("handbook/plans.md");
                assertThat(c.usage().estimated()).isFalse();

                rag.complete(ask(PLUS, false, 30));
                assertThat(writerServer.lastRequest().body().get("max_tokens").asInt())
                        .as("the plan's output cap reaches the writer, which stops itself")
                        .isEqualTo(30);
                ObjectNode both = body(PLUS, true).put("max_tokens", 40).put("max_completion_tokens", 15);
                rag.stream(new GenerationRequest(ChatRequest.from(both), "ignored"), chunk -> {});
                assertThat(writerServer
                                .lastRequest()
                                .body()
                                .get("max_completion_tokens")
                                .asInt())
                        .isEqualTo(15);

                long before = writerServer.requestCount();
                rag.complete(ask("Which rocket engine did the Saturn V first stage use?", false));
                assertThat(writerServer.requestCount())
                        .as("nothing relevant: the writer is not asked")
                        .isEqualTo(before);
            }
        }
    }

    @Test
    void withALocalWriter_theWriterStopsAtTheLimit() {
        Path model = TestModel.require();
        try (LlamaBackend writer = LlamaBackend.open(new LlamaBackend.Settings("writer", model, 1, 4096, 1))) {
            KnowledgeBackend rag = new KnowledgeBackend(settings(null), handbook, writer, new TokenCounter());

            Completion c = rag.complete(ask(PLUS, false, 5));

            assertThat(c.usage().completionTokens()).isEqualTo(5);
            assertThat(c.body().at("/choices/0/finish_reason").asText()).isEqualTo("length");
            assertThat(c.body().get("citations")).isNotEmpty();
        }
    }
}
