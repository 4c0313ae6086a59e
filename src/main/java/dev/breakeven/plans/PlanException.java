package dev.breakeven.plans;

import java.util.Map;

/**
 * A plan refused a request. Codes are stable: {@code model_not_in_plan} (403), {@code
 * context_too_long} and {@code output_too_long} (400, {@code param} names the field), {@code
 * rate_limit_exceeded} and {@code allowance_exhausted} (429, with {@code retryAfterSeconds} and
 * OpenAI's rate-limit headers), {@code plan_not_found} (404), {@code invalid_plan} (400, {@code
 * param} names the field), {@code plan_exists} and {@code plan_is_default} (409).
 */
public final class PlanException extends RuntimeException {
    private final String code;
    private final String param;
    private final Long retryAfterSeconds;
    private final Map<String, String> headers;

    public PlanException(String code, String message) {
        this(code, message, null, null, Map.of());
    }

    public PlanException(
            String code, String message, String param, Long retryAfterSeconds, Map<String, String> headers) {
        super(message);
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
        this.headers = Map.copyOf(headers);
    }

    public String code() {
        return code;
    }

    /** The request field at fault, or null. */
    public String param() {
        return param;
    }

    /** Seconds until a retry can succeed, or null when waiting does not help. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** Response headers to send with the refusal ({@code x-ratelimit-*}). */
    public Map<String, String> headers() {
        return headers;
    }
}
