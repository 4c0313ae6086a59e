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

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void noFile_givesTheEmbeddedDefaults() {
        BreakevenConfig c = new ConfigLoader(Map.of()).load(null, Map.of());

        assertThat(c.server().host()).isEqualTo("127.0.0.1");
        assertThat(c.server().port()).isEqualTo(8080);
        assertThat(c.dataDir()).isEqualTo("./data");
        assertThat(c.database().url()).isEqualTo("jdbc:sqlite:./data/breakeven.db");
        assertThat(c.metering().durability()).isEqualTo("sync");
        assertThat(c.models()).extracting(BreakevenConfig.Model::id).containsExactly("assistant");
        assertThat(c.models().getFirst().backends())
                .extracting(BreakevenConfig.Route::backend)
                .containsExactly("help-desk");
        BreakevenConfig.Backend helpDesk = c.backends().getFirst();
        assertThat(helpDesk.type()).isEqualTo("knowledge");
        assertThat(helpDesk.knowledgeBase()).isEqualTo("help");
        assertThat(helpDesk.passages()).isEqualTo(ConfigValidator.DEFAULT_KNOWLEDGE_PASSAGES);
    }

    @Test
    void file_thenEnvironment_thenFlags_eachOverrideTheLast() throws Exception {
        Path file = write("""
                server: {port: 9000}
                data_dir: /var/lib/breakeven
                metering: {durability: async}
                """);
        Map<String, String> env = Map.of("BREAKEVEN_SERVER_PORT", "9090", "BREAKEVEN_SERVER_MAX_BODY_BYTES", "2048");

        BreakevenConfig fromEnv = new ConfigLoader(env).load(file, Map.of());
        assertThat(fromEnv.server().port()).isEqualTo(9090);
        assertThat(fromEnv.server().maxBodyBytes()).isEqualTo(2048);
        assertThat(fromEnv.metering().durability()).isEqualTo("async");
        assertThat(fromEnv.database().url()).isEqualTo("jdbc:sqlite:/var/lib/breakeven/breakeven.db");

        BreakevenConfig fromFlag =
                new ConfigLoader(env).load(file, Map.of("server.port", "7000", "data_dir", "/tmp/x"));
        assertThat(fromFlag.server().port()).isEqualTo(7000);
        assertThat(fromFlag.dataDir()).isEqualTo("/tmp/x");
    }

    @Test
    void modelsMapToBackends_withPerBackendDefaults() throws Exception {
        Path file = write("""
                backends:
                  - {id: gpu-a, type: openai, base_url: "http://127.0.0.1:8000/v1", api_key_env: GPU_KEY, capacity: 8}
                models:
                  - id: assistant
                    backends: [{backend: gpu-a, model: meta-llama/Llama-3.1-8B-Instruct}]
                """);

        BreakevenConfig c = new ConfigLoader(Map.of()).load(file, Map.of());

        BreakevenConfig.Backend b = c.backends().getFirst();
        assertThat(b.capacity()).isEqualTo(8);
        assertThat(b.connectTimeoutMs()).isEqualTo(ConfigValidator.DEFAULT_CONNECT_TIMEOUT_MS);
        assertThat(b.healthCheckIntervalMs()).isEqualTo(10_000);
        assertThat(b.healthCheckTimeoutMs()).isEqualTo(2_000);
        assertThat(b.failureThreshold()).isEqualTo(5);
        assertThat(b.coolDownMs()).isEqualTo(30_000);
        assertThat(c.models().getFirst().backends().getFirst().model()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
    }

    @Test
    void routingKeys_canTurnHealthChecksAndTheBreakerOff() throws Exception {
        Path file = write("""
                backends:
                  - id: gpu-a
                    type: openai
                    base_url: "http://127.0.0.1:8000/v1"
                    health_check_interval_ms: 0
                    health_check_timeout_ms: 500
                    failure_threshold: 0
                    cool_down_ms: 5000
                """);

        BreakevenConfig.Backend b =
                new ConfigLoader(Map.of()).load(file, Map.of()).backends().getFirst();

        assertThat(b.healthCheckIntervalMs()).isZero();
        assertThat(b.healthCheckTimeoutMs()).isEqualTo(500);
        assertThat(b.failureThreshold()).isZero();
        assertThat(b.coolDownMs()).isEqualTo(5000);
    }

    @Test
    void upstreamShortcut_pointsTheAssistantModelAtAnyOpenAiServer() {
        Map<String, String> env =
                Map.of("BREAKEVEN_UPSTREAM_URL", "http://127.0.0.1:11434/v1", "BREAKEVEN_UPSTREAM_MODEL", "llama3.2");

        BreakevenConfig c = new ConfigLoader(env).load(null, Map.of());

        assertThat(c.backends().getFirst().baseUrl()).isEqualTo("http://127.0.0.1:11434/v1");
        assertThat(c.models().getFirst().backends().getFirst().model()).isEqualTo("llama3.2");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            typo in a key             | sever: {port: 1}                                                       | unknown key 'sever'
            nested typo               | server: {prot: 1}                                                      | unknown key 'server.prot'
            port of wrong type        | server: {port: lots}                                                   | server.port
            port out of range         | server: {port: 70000}                                                  | server.port must be 0..65535
            bad durability            | metering: {durability: maybe}                                          | metering.durability must be sync or async
            unknown backend type      | 'backends: [{id: a, type: magic, base_url: "http://x"}]'              | backends[0].type
            backend without url       | 'backends: [{id: a, type: openai}]'                                    | backends[0].base_url is required
            negative probe interval   | 'backends: [{id: a, type: openai, base_url: "http://x", health_check_interval_ms: -1}]' | backends[0].health_check_interval_ms must be 0 (off) or positive
            zero probe timeout        | 'backends: [{id: a, type: openai, base_url: "http://x", health_check_timeout_ms: 0}]' | backends[0].health_check_timeout_ms must be positive
            negative threshold        | 'backends: [{id: a, type: openai, base_url: "http://x", failure_threshold: -2}]' | backends[0].failure_threshold must be 0 (off) or positive
            zero cool-down            | 'backends: [{id: a, type: openai, base_url: "http://x", cool_down_ms: 0}]' | backends[0].cool_down_ms must be positive
            route to missing backend  | 'models: [{id: m, backends: [{backend: nope, model: x}]}]'             | models[0].backends[0].backend
            duplicate model           | 'models: [{id: m, backends: []}, {id: m, backends: []}]'               | is used twice
            not YAML                  | 'server: [unclosed'                                                    | not valid YAML
            a list at the top         | '- 1'                                                                  | top level must be a mapping
            """)
    void badConfiguration_failsWithOneMessageNamingTheKey(String name, String yaml, String message) throws Exception {
        Path file = write(yaml);

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void missingFile_isAClearError() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(dir.resolve("nope.yaml"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("config file not found");
    }

    @Test
    void emptyFile_meansDefaults() throws Exception {
        assertThat(new ConfigLoader(Map.of()).load(write(""), Map.of()).server().port())
                .isEqualTo(8080);
    }

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("breakeven.yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
