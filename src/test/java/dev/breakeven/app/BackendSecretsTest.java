package dev.breakeven.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendSecretsTest {
    @TempDir
    Path dir;

    private static BreakevenConfig.Backend backend(String env, String file) {
        return BreakevenConfig.Backend.openai("gpu", "http://127.0.0.1:1/v1", env, file);
    }

    @Test
    void key_comesFromTheEnvironmentFirst_thenTheFile_trimmed() throws Exception {
        Path file = dir.resolve("key.txt");
        Files.writeString(file, "  from-file\n");

        assertThat(BackendSecrets.apiKey(backend("GPU_KEY", file.toString()), Map.of("GPU_KEY", "from-env")))
                .isEqualTo("from-env");
        assertThat(BackendSecrets.apiKey(backend("GPU_KEY", file.toString()), Map.of()))
                .isEqualTo("from-file");
        assertThat(BackendSecrets.apiKey(backend(null, null), Map.of())).isNull();
    }

    @Test
    void unreadableOrEmptyKeyFile_isAConfigErrorThatNeverShowsTheKey() throws Exception {
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "\n");

        assertThatThrownBy(() -> BackendSecrets.apiKey(
                        backend(null, dir.resolve("missing").toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read api_key_file");
        assertThatThrownBy(() -> BackendSecrets.apiKey(backend(null, empty.toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is empty");
    }
}
