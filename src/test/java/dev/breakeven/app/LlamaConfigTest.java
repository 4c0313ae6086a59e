package dev.breakeven.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Backends of type {@code llama} in the configuration, and the {@code BREAKEVEN_MODEL} shortcut. */
class LlamaConfigTest {
    @TempDir
    Path dir;

    @Test
    void llamaBackend_getsItsDefaults() throws Exception {
        BreakevenConfig c = load("""
                backends: [{id: cpu, type: llama, path: ./models/m.gguf}]
                models: [{id: local, backends: [{backend: cpu, model: m}]}]
                """);

        BreakevenConfig.Backend b = c.backends().getFirst();
        assertThat(b.path()).isEqualTo("./models/m.gguf");
        assertThat(b.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(b.context()).isEqualTo(2048);
        assertThat(b.capacity()).isEqualTo(1);
        assertThat(b.baseUrl()).isNull();
        assertThat(b.connectTimeoutMs()).isNull();
    }

    @Test
    void llamaBackend_keysAreRead() throws Exception {
        BreakevenConfig c =
                load("backends: [{id: cpu, type: llama, path: /m.gguf, threads: 3, context: 4096, capacity: 2}]");

        BreakevenConfig.Backend b = c.backends().getFirst();
        assertThat(b.threads()).isEqualTo(3);
        assertThat(b.context()).isEqualTo(4096);
        assertThat(b.capacity()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown type            | 'backends: [{id: a, type: magic}]'                                     | backends[0].type must be openai, llama or knowledge, got 'magic'
            llama without a path    | 'backends: [{id: a, type: llama}]'                                     | backends[0].path is required for type llama
            llama with a url        | 'backends: [{id: a, type: llama, path: m.gguf, base_url: "http://x"}]' | backends[0].base_url is a key of type openai, not llama
            llama with a key        | 'backends: [{id: a, type: llama, path: m.gguf, api_key_env: K}]'       | api_key_env and api_key_file are keys of type openai
            llama with a timeout    | 'backends: [{id: a, type: llama, path: m.gguf, idle_timeout_ms: 5}]'   | the timeouts are keys of type openai
            openai with a path      | 'backends: [{id: a, type: openai, base_url: "http://x", path: m.gguf}]' | path, threads and context are keys of type llama
            no threads              | 'backends: [{id: a, type: llama, path: m.gguf, threads: 0}]'           | backends[0].threads must be at least 1
            tiny context            | 'backends: [{id: a, type: llama, path: m.gguf, context: 8}]'           | backends[0].context must be at least 16 tokens
            no slots                | 'backends: [{id: a, type: llama, path: m.gguf, capacity: 0}]'          | backends[0].capacity must be at least 1
            absurd size             | 'backends: [{id: a, type: llama, path: m.gguf, context: 1000000, capacity: 100}]' | context x capacity must be at most
            """)
    void badLlamaBackend_failsWithOneMessageNamingTheKey(String name, String yaml, String message) {
        assertThatThrownBy(() -> load(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void modelVariable_addsALocalModel_servedByALlamaBackend() {
        BreakevenConfig c =
                new ConfigLoader(Map.of("BREAKEVEN_MODEL", "/models/stories260K.gguf")).load(null, Map.of());

        BreakevenConfig.Backend b = c.backends().getLast();
        assertThat(b.id()).isEqualTo("local-llama");
        assertThat(b.type()).isEqualTo("llama");
        assertThat(b.path()).isEqualTo("/models/stories260K.gguf");
        assertThat(b.capacity()).isEqualTo(1);
        BreakevenConfig.Model local = c.models().getLast();
        assertThat(local.id()).isEqualTo("local");
        assertThat(local.description()).isEqualTo("stories260K.gguf, served in-process by llama.cpp");
        assertThat(local.backends()).containsExactly(new BreakevenConfig.Route("local-llama", "stories260K"));
        assertThat(c.models()).extracting(BreakevenConfig.Model::id).containsExactly("assistant", "local");
    }

    @Test
    void modelVariable_withALocalModelInTheFile_becomesItsFirstRoute() throws Exception {
        Path file = write("""
                backends: [{id: gpu, type: openai, base_url: "http://127.0.0.1:8000/v1"}]
                models: [{id: local, backends: [{backend: gpu, model: big}]}]
                """);

        BreakevenConfig c = new ConfigLoader(Map.of("BREAKEVEN_MODEL", "tiny.gguf")).load(file, Map.of());

        assertThat(c.models()).hasSize(1);
        assertThat(c.models().getFirst().backends())
                .containsExactly(
                        new BreakevenConfig.Route("local-llama", "tiny"), new BreakevenConfig.Route("gpu", "big"));
    }

    @Test
    void blankModelVariable_isIgnored() {
        BreakevenConfig c = new ConfigLoader(Map.of("BREAKEVEN_MODEL", " ")).load(null, Map.of());
        assertThat(c.backends()).extracting(BreakevenConfig.Backend::type).containsExactly("knowledge");
    }

    private BreakevenConfig load(String yaml) throws Exception {
        return new ConfigLoader(Map.of()).load(write(yaml), Map.of());
    }

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("breakeven.yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
