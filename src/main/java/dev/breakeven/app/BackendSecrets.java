package dev.breakeven.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Reads a backend's API key from its environment variable or file; the key never enters the config. */
final class BackendSecrets {
    private BackendSecrets() {}

    static String apiKey(BreakevenConfig.Backend backend, Map<String, String> env) {
        if (backend.apiKeyEnv() != null) {
            String value = env.get(backend.apiKeyEnv());
            if (value != null && !value.isBlank()) return value.strip();
        }
        if (backend.apiKeyFile() != null) {
            try {
                String value = Files.readString(Path.of(backend.apiKeyFile())).strip();
                if (value.isEmpty())
                    throw new ConfigException(
                            "backend '" + backend.id() + "': api_key_file " + backend.apiKeyFile() + " is empty");
                return value;
            } catch (IOException e) {
                throw new ConfigException("backend '" + backend.id() + "': cannot read api_key_file "
                        + backend.apiKeyFile() + ": " + e.getMessage());
            }
        }
        return null;
    }
}
