package dev.breakeven.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An error the mock upstream answers with instead of a completion: an HTTP status, OpenAI's error
 * body {@code {"error":{"message","type","param","code"}}} and an optional {@code Retry-After}
 * header value.
 */
public record MockError(int status, String type, String message, String code, String retryAfter) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public MockError {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an error status is 4xx or 5xx, not " + status);
        }
    }

    /** Any status with OpenAI's body; no {@code Retry-After}. */
    public static MockError of(int status, String type, String message, String code) {
        return new MockError(status, type, message, code, null);
    }

    /** 429 as OpenAI sends it when a request rate limit is reached. */
    public static MockError rateLimited() {
        return of(429, "requests", "Rate limit reached for requests. Please try again later.", "rate_limit_exceeded");
    }

    /** 500 as OpenAI sends it. */
    public static MockError serverError() {
        return of(500, "server_error", "The server had an error while processing your request.", null);
    }

    /** 503, as an overloaded model server sends it. */
    public static MockError overloaded() {
        return of(503, "server_error", "The engine is currently overloaded, please try again later.", null);
    }

    /** 401 for a missing or wrong API key. */
    public static MockError invalidApiKey() {
        return of(401, "invalid_request_error", "Incorrect API key provided.", "invalid_api_key");
    }

    /** 400 for a request the mock cannot read. */
    public static MockError badRequest(String message) {
        return of(400, "invalid_request_error", message, null);
    }

    /** The same error with a {@code Retry-After} header of whole seconds. */
    public MockError withRetryAfter(Duration delay) {
        return withRetryAfter(Long.toString(delay.toSeconds()));
    }

    /** The same error with this exact {@code Retry-After} header value (seconds or an HTTP date). */
    public MockError withRetryAfter(String value) {
        return new MockError(status, type, message, code, value);
    }

    /** OpenAI's error body as UTF-8 JSON. */
    public byte[] body() {
        ObjectNode error = JSON.createObjectNode();
        error.put("message", message);
        error.put("type", type);
        error.putNull("param");
        error.put("code", code);
        ObjectNode root = JSON.createObjectNode();
        root.set("error", error);
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }
}
