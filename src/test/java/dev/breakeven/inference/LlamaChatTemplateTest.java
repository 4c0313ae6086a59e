package dev.breakeven.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.testing.GgufCopy;
import dev.breakeven.testing.TestModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file with a chat template has its messages rendered by llama.cpp's template engine. The test
 * model has none, so these tests give a copy of it one.
 */
class LlamaChatTemplateTest {
    static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
            + "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    @TempDir
    Path dir;

    final ChatRequest request = LlamaBackendTest.parse("""
            {"model":"local","temperature":0,"max_tokens":8,"messages":[
              {"role":"system","content":"Be kind."},{"role":"user","content":"Once upon a time"}]}""");

    LlamaBackend open(String template) {
        Path copy = GgufCopy.withString(
                TestModel.require(), dir.resolve("templated.gguf"), "tokenizer.chat_template", template);
        return LlamaBackend.open(new LlamaBackend.Settings("t", copy, 1, 256, 1));
    }

    @Test
    void theFilesTemplate_rendersTheMessages_andTheRenderedPromptIsWhatIsCounted() {
        try (LlamaBackend backend = open(CHATML)) {
            assertThat(backend.file().chatTemplate()).isEqualTo(CHATML);
            assertThat(backend.usesChatTemplate()).isTrue();
            String prompt = backend.prompt(request);
            assertThat(prompt)
                    .isEqualTo("<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nOnce upon a time<|im_end|>\n"
                            + "<|im_start|>assistant\n");

            Completion c = backend.complete(LlamaBackendTest.gen(request));
            assertThat(c.usage().promptTokens()).isEqualTo(backend.tokenize(prompt).length + 1);
            assertThat(c.usage().completionTokens()).isEqualTo(8);
        }
    }

    @Test
    void anyJinjaTemplate_isRendered() {
        String template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
                + "{% if add_generation_prompt %}assistant:{% endif %}";
        try (LlamaBackend backend = open(template)) {
            assertThat(backend.prompt(request)).isEqualTo("system: Be kind.\nuser: Once upon a time\nassistant:");
        }
    }

    @Test
    void aTemplateLlamaCppCannotParse_fallsBackToPlainText() {
        try (LlamaBackend backend = open("{% for m in messages %}{{ m['role'] ")) {
            assertThat(backend.usesChatTemplate()).isFalse();
            assertThat(backend.prompt(request)).isEqualTo("Be kind.\n\nOnce upon a time");
        }
    }
}
