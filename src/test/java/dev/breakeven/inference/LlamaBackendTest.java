package dev.breakeven.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.testing.TestModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The llama backend on the real stories260K model: a base model without a chat template, so
 * messages reach it as plain text, and "Once upon a time" is continued as a story.
 */
class LlamaBackendTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String STORY = ", there was a little girl named Lily. She loved to play";

    static LlamaBackend backend; // 1 slot x 512 tokens
    static LlamaBackend small; // 1 slot x 32 tokens

    @BeforeAll
    static void load() {
        Path model = TestModel.find();
        if (model == null) return; // each test is then skipped, saying why
        backend = LlamaBackend.open(new LlamaBackend.Settings("llama", model, 1, 512, 1));
        small = LlamaBackend.open(new LlamaBackend.Settings("small", model, 1, 32, 1));
    }

    @BeforeEach
    void needsTheModel() {
        TestModel.require();
    }

    @AfterAll
    static void close() {
        if (backend != null) backend.close();
        if (small != null) small.close();
    }

    static ChatRequest request(String extra, String... userMessages) {
        StringBuilder messages = new StringBuilder();
        for (String m : userMessages) {
            if (!messages.isEmpty()) messages.append(',');
            messages.append("{\"role\":\"user\",\"content\":").append(quote(m)).append('}');
        }
        return parse("{\"model\":\"local\",\"messages\":[" + messages + "]" + extra + "}");
    }

    static ChatRequest parse(String body) {
        try {
            return ChatRequest.from(JSON.readTree(body));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static GenerationRequest gen(ChatRequest request) {
        return new GenerationRequest(request, "stories260K");
    }

    static String text(Completion c) {
        return c.body().at("/choices/0/message/content").asText();
    }

    static String finish(Completion c) {
        return c.body().at("/choices/0/finish_reason").asText();
    }

    @Test
    void greedy_continuesAPlainPrompt_fluently_andTheSameEveryTime() {
        ChatRequest request = request(",\"temperature\":0,\"max_tokens\":20", "Once upon a time");

        Completion first = backend.complete(gen(request));
        Completion second = backend.complete(gen(request));

        assertThat(backend.usesChatTemplate()).isFalse();
        assertThat(backend.prompt(request)).isEqualTo("Once upon a time");
        assertThat(text(first)).startsWith(STORY).isEqualTo(text(second));
        assertThat(first.usage()).isEqualTo(second.usage());
    }

    @Test
    void usage_isTheModelsOwnTokenCount() {
        ChatRequest request = request(",\"temperature\":0,\"max_tokens\":20", "Once upon a time");

        Completion c = backend.complete(gen(request));

        // the prompt as llama.cpp tokenizes it: the text's tokens after the beginning-of-sequence token
        assertThat(backend.tokenize("Once upon a time")).hasSize(4);
        assertThat(c.usage()).isEqualTo(new Usage(5, 20, false));
        JsonNode usage = c.body().get("usage");
        assertThat(usage.get("prompt_tokens").asLong()).isEqualTo(5);
        assertThat(usage.get("completion_tokens").asLong()).isEqualTo(20);
        assertThat(usage.get("total_tokens").asLong()).isEqualTo(25);
    }

    @Test
    void completion_isAWholeChatCompletionBody() {
        Completion c = backend.complete(gen(request(",\"temperature\":0,\"max_tokens\":5", "Once upon a time")));

        JsonNode body = c.body();
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("id").asText()).startsWith("chatcmpl-");
        assertThat(body.get("model").asText()).isEqualTo("stories260K");
        assertThat(body.get("created").asLong()).isPositive();
        assertThat(body.get("choices")).hasSize(1);
        JsonNode choice = body.at("/choices/0");
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.at("/message/role").asText()).isEqualTo("assistant");
        assertThat(choice.at("/message/content").asText()).isNotEmpty();
        assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void stream_sendsRoleThenOneChunkPerToken_thenTheFinishReason_thenUsage() {
        ChatRequest request = request(",\"temperature\":0,\"max_tokens\":20,\"stream\":true", "Once upon a time");
        List<ObjectNode> chunks = new ArrayList<>();

        StreamEnd end = backend.stream(gen(request), chunks::add);

        assertThat(chunks).hasSize(1 + 20 + 1 + 1);
        Set<String> ids = new HashSet<>();
        for (ObjectNode chunk : chunks) {
            ids.add(chunk.get("id").asText());
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("model").asText()).isEqualTo("stories260K");
        }
        assertThat(ids).hasSize(1);
        JsonNode first = chunks.getFirst().at("/choices/0");
        assertThat(first.get("delta").toString()).isEqualTo("{\"role\":\"assistant\",\"content\":\"\"}");
        assertThat(first.get("finish_reason").isNull()).isTrue();
        StringBuilder text = new StringBuilder();
        for (ObjectNode chunk : chunks.subList(1, 21)) {
            JsonNode choice = chunk.at("/choices/0");
            assertThat(choice.get("delta").fieldNames()).toIterable().containsExactly("content");
            assertThat(choice.get("finish_reason").isNull()).isTrue();
            text.append(choice.at("/delta/content").asText());
        }
        JsonNode last = chunks.get(21).at("/choices/0");
        assertThat(last.get("delta").isEmpty()).isTrue();
        assertThat(last.get("finish_reason").asText()).isEqualTo("length");
        ObjectNode usage = chunks.get(22);
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.at("/usage/prompt_tokens").asLong()).isEqualTo(5);
        assertThat(usage.at("/usage/completion_tokens").asLong()).isEqualTo(20);

        assertThat(end.usage()).isEqualTo(new Usage(5, 20, false));
        assertThat(text.toString()).startsWith(STORY).isEqualTo(text(backend.complete(gen(request))));
    }

    @Test
    void maxTokens_endsWithFinishReasonLength_afterExactlyThatManyTokens() {
        for (int max : new int[] {1, 7, 33}) {
            Completion c = backend.complete(gen(request(",\"max_tokens\":" + max, "Once upon a time")));
            assertThat(finish(c)).isEqualTo("length");
            assertThat(c.usage().completionTokens()).isEqualTo(max);
        }
        Completion c =
                backend.complete(gen(request(",\"max_tokens\":50,\"max_completion_tokens\":3", "Once upon a time")));
        assertThat(c.usage().completionTokens()).isEqualTo(3);
    }

    @Test
    void withoutMaxTokens_theDefaultApplies() {
        Completion c = backend.complete(gen(request(",\"temperature\":0", "Once upon a time")));
        assertThat(c.usage().completionTokens()).isEqualTo(LlamaBackend.DEFAULT_MAX_TOKENS);
    }

    @Test
    void aFullContext_endsTheAnswer_promptAndAnswerFillingItExactly() {
        // llama.cpp fails a generation that would overflow the context; a prompt count one too low would show here
        Completion c = small.complete(gen(request(",\"max_tokens\":1000", "Once upon a time")));

        assertThat(finish(c)).isEqualTo("length");
        assertThat(c.usage().promptTokens() + c.usage().completionTokens()).isEqualTo(32);
    }

    @Test
    void aPromptLongerThanTheContext_isRefused() {
        assertThatThrownBy(() -> small.complete(gen(request("", "Once upon a time ".repeat(20)))))
                .isInstanceOfSatisfying(InferenceException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_request");
                    assertThat(e.param()).isEqualTo("messages");
                })
                .hasMessageContaining("maximum context length is 32 tokens")
                .hasMessageContaining("your messages resulted in 82 tokens");
        assertThat(small.freeSlots()).isEqualTo(1);
    }

    @Test
    void stopSequence_endsTheAnswerBeforeIt() {
        Completion c = backend.complete(gen(request(",\"temperature\":0,\"stop\":[\"Lily\"]", "Once upon a time")));

        assertThat(finish(c)).isEqualTo("stop");
        assertThat(text(c)).isEqualTo(", there was a little girl named ");
        // the tokens sampled, including " Lily", which matched the stop sequence
        assertThat(c.usage().completionTokens()).isEqualTo(10);
    }

    @Test
    void seed_makesSamplingRepeatable() {
        List<String> texts = new ArrayList<>();
        for (int seed : new int[] {1, 1, 2, 3}) {
            String extra = ",\"temperature\":1,\"top_p\":0.95,\"seed\":" + seed + ",\"max_tokens\":30";
            texts.add(text(backend.complete(gen(request(extra, "Once upon a time")))));
        }
        assertThat(texts.get(0)).isEqualTo(texts.get(1));
        assertThat(new HashSet<>(texts)).hasSizeGreaterThan(1);
    }

    @Test
    void generationStats_timeTheTokens() {
        Completion c = backend.complete(gen(request(",\"temperature\":0,\"max_tokens\":40", "Once upon a time")));
        assertThat(c.stats().generationMillis()).isNotNegative();
        assertThat(c.stats().tokensPerSecond()).isPositive();

        StreamEnd end = backend.stream(gen(request(",\"max_tokens\":1", "Once upon a time")), chunk -> {});
        assertThat(end.stats()).isEqualTo(new GenerationStats(0, 0));
    }

    @Test
    void severalMessages_becomeOneDocument() {
        ChatRequest request = parse("""
                {"model":"local","messages":[
                  {"role":"system","content":"Stories for children."},
                  {"role":"user","content":[{"type":"text","text":"Tom had a dog."},{"type":"text","text":"It was big."}]},
                  {"role":"assistant","content":"The dog liked to run."},
                  {"role":"developer","content":""},
                  {"role":"user","content":"One day"}]}""");

        assertThat(backend.prompt(request))
                .isEqualTo("Stories for children.\n\nTom had a dog.\nIt was big.\n\nThe dog liked to run.\n\nOne day");
    }

    @Test
    void nonTextContent_isRefused() {
        ChatRequest request = parse("""
                {"model":"local","messages":[{"role":"user","content":[
                  {"type":"text","text":"What is this?"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}""");

        assertThatThrownBy(() -> backend.complete(gen(request)))
                .isInstanceOfSatisfying(
                        InferenceException.class, e -> assertThat(e.param()).isEqualTo("messages[0].content[1]"))
                .hasMessageContaining("text only");
    }

    @Test
    void moreThanOneChoice_isRefused() {
        assertThatThrownBy(() -> backend.complete(gen(request(",\"n\":2", "Hi"))))
                .isInstanceOfSatisfying(
                        InferenceException.class, e -> assertThat(e.param()).isEqualTo("n"));
    }

    @Test
    void openingABadFile_failsWithTheHeaderChecksLine(@TempDir Path dir) throws Exception {
        byte[] model = Files.readAllBytes(TestModel.require());
        Path cut = Files.write(dir.resolve("cut.gguf"), Arrays.copyOf(model, model.length - 1));

        assertThatThrownBy(() -> LlamaBackend.open(new LlamaBackend.Settings("x", cut, 1, 64, 1)))
                .isInstanceOf(ModelFileException.class)
                .hasMessage("model file " + cut + " is truncated: it has 1185375 bytes but its tensors need 1185376");
    }
}
