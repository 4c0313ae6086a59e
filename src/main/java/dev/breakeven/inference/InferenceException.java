package dev.breakeven.inference;

/**
 * A generation could not be started or finished. {@link #code()} is stable and is what clients
 * see: {@code invalid_request} (with {@link #param()}), {@code model_not_found}, {@code
 * no_backend}, {@code upstream_rejected} (the model server refused the request's content), {@code
 * upstream_error}, {@code upstream_unavailable}, {@code upstream_timeout}, {@code
 * request_too_large}.
 */
public final class InferenceException extends RuntimeException {
    private final String code;
    private final String param;
    private final Long retryAfterSeconds;

    public InferenceException(String code, String message) {
        this(code, message, null, null, null);
    }

    public InferenceException(String code, String message, String param, Long retryAfterSeconds, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static InferenceException invalid(String param, String message) {
        return new InferenceException("invalid_request", message, param, null, null);
    }

    public String code() {
        return code;
    }

    /** The request field at fault, or null. */
    public String param() {
        return param;
    }

    /** How long the upstream asked callers to wait, or null when it said nothing. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
