package dev.breakeven.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakeven.access.Role;
import dev.breakeven.testing.TestModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/** Start-up with in-process models: BREAKEVEN_MODEL serves a file; a bad file stops start-up with one line. */
@Isolated("swaps System.out and System.err")
class LlamaStartupTest {
    @TempDir
    Path dir;

    Map<String, String> overrides() {
        return Map.of("server.port", "0", "data_dir", dir.resolve("data").toString());
    }

    @Test
    void modelVariable_servesTheFile_asModelLocal() throws Exception {
        Map<String, String> env = Map.of("BREAKEVEN_MODEL", TestModel.require().toString());
        BreakevenConfig config = new ConfigLoader(env).load(null, overrides());

        try (Breakeven server = Breakeven.start(config, Clock.systemUTC(), env)) {
            String key = server.keys().issue("alice", Role.USER, null).secret();
            HttpRequest request = HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"local\",\"temperature\":0,\"max_tokens\":9,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}"))
                    .build();
            HttpResponse<String> res;
            try (HttpClient client = HttpClient.newHttpClient()) {
                res = client.send(request, HttpResponse.BodyHandlers.ofString());
            }

            assertThat(res.statusCode()).isEqualTo(200);
            JsonNode body = new ObjectMapper().readTree(res.body());
            assertThat(body.at("/choices/0/message/content").asText()).startsWith(", there was a little girl");
            assertThat(body.at("/usage/completion_tokens").asLong()).isEqualTo(9);
        }
    }

    @Test
    void aMissingModelFile_stopsStartUp_namingTheBackendAndTheFile() {
        Path missing = dir.resolve("nowhere.gguf");
        Map<String, String> env = Map.of("BREAKEVEN_MODEL", missing.toString());
        BreakevenConfig config = new ConfigLoader(env).load(null, overrides());

        assertThatThrownBy(() -> Breakeven.start(config, Clock.systemUTC(), env))
                .isInstanceOf(ConfigException.class)
                .hasMessage("backend 'local-llama': model file " + missing + " does not exist");
    }

    @Test
    void serve_withATruncatedModel_exitsWithOneLine() throws Exception {
        byte[] model = Files.readAllBytes(TestModel.require());
        Path cut = Files.write(dir.resolve("half.gguf"), Arrays.copyOf(model, model.length / 2));
        Path yaml = Files.writeString(dir.resolve("breakeven.yaml"), """
                server: {port: 0}
                backends: [{id: cpu, type: llama, path: "%s"}]
                models: [{id: local, backends: [{backend: cpu, model: half}]}]
                """.formatted(cut));

        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(
                    "serve",
                    "--config",
                    yaml.toString(),
                    "--data",
                    dir.resolve("data").toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }

        assertThat(code).isEqualTo(1);
        assertThat(o.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(e.toString(StandardCharsets.UTF_8))
                .isEqualTo("breakeven: backend 'cpu': model file " + cut + " is truncated: it has " + model.length / 2
                        + " bytes but its tensors need " + model.length + System.lineSeparator());
    }
}
