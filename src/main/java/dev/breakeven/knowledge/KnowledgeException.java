package dev.breakeven.knowledge;

/**
 * A knowledge base refused a request, or could not read or write its data. {@link #code()} is
 * stable: {@code invalid_name}, {@code unknown_knowledge_base}, {@code file_not_found}, {@code
 * unsupported_file}, {@code empty_file}, {@code file_too_large}, {@code not_text}, {@code
 * knowledge_base_busy}, {@code embedder_mismatch}, {@code io_error}. The message is one line for
 * people and names the file or knowledge base concerned.
 */
public final class KnowledgeException extends RuntimeException {
    private final String code;

    public KnowledgeException(String code, String message) {
        this(code, message, null);
    }

    public KnowledgeException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
