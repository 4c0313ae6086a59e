package dev.breakeven.inference;

import java.nio.file.Path;

/**
 * A model file cannot be served: missing, unreadable, not GGUF, truncated, corrupt, or refused by
 * llama.cpp. The message is one line that names the file and the reason.
 */
public final class ModelFileException extends RuntimeException {
    private final transient Path path;

    public ModelFileException(Path path, String reason) {
        this(path, reason, null);
    }

    public ModelFileException(Path path, String reason, Throwable cause) {
        super("model file " + path + " " + reason, cause);
        this.path = path;
    }

    public Path path() {
        return path;
    }
}
