package dev.breakeven.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Turns what a model server did wrong into our stable error codes. */
final class UpstreamErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private UpstreamErrors() {}

    static InferenceException fromStatus(String backend, int status, byte[] body, Optional<String> retryAfter) {
        String detail = messageOf(body);
        Long wait = retryAfter.flatMap(UpstreamErrors::seconds).orElse(null);
        return switch (status) {
            case 400, 422 ->
                new InferenceException(
                        "upstream_rejected",
                        detail == null ? "The model server rejected the request." : detail,
                        null,
                        null,
                        null);
            case 401, 403 ->
                new InferenceException(
                        "upstream_error",
                        "Backend '" + backend + "' refused Breakeven's credentials (HTTP " + status + ").",
                        null,
                        wait,
                        null);
            case 404 ->
                new InferenceException(
                        "upstream_error",
                        "Backend '" + backend + "' does not serve the configured model (HTTP 404).",
                        null,
                        wait,
                        null);
            case 408, 504 ->
                new InferenceException(
                        "upstream_timeout",
                        "Backend '" + backend + "' timed out (HTTP " + status + ").",
                        null,
                        wait,
                        null);
            case 413 ->
                new InferenceException(
                        "request_too_large", "The model server says the request is too large.", null, null, null);
            case 429, 503 ->
                new InferenceException(
                        "upstream_unavailable",
                        "Backend '" + backend + "' is overloaded or unavailable (HTTP " + status + ").",
                        null,
                        wait,
                        null);
            default ->
                new InferenceException(
                        "upstream_error", "Backend '" + backend + "' failed (HTTP " + status + ").", null, wait, null);
        };
    }

    static InferenceException fromIo(String backend, IOException e, boolean idleExpired) {
        if (idleExpired)
            return new InferenceException(
                    "upstream_timeout",
                    "Backend '" + backend + "' stopped sending before the answer finished.",
                    null,
                    null,
                    e);
        if (e instanceof SocketTimeoutException && whileConnecting(e))
            return new InferenceException(
                    "upstream_unavailable",
                    "Backend '" + backend + "' did not accept a connection in time.",
                    null,
                    null,
                    e);
        if (e instanceof SocketTimeoutException)
            return new InferenceException(
                    "upstream_timeout", "Backend '" + backend + "' did not answer in time.", null, null, e);
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            return new InferenceException(
                    "upstream_unavailable", "Backend '" + backend + "' is not reachable.", null, null, e);
        }
        return new InferenceException(
                "upstream_error",
                "Backend '" + backend + "' broke the connection: "
                        + e.getClass().getSimpleName(),
                null,
                null,
                e);
    }

    /** A timeout in {@link Socket#connect} rather than in a read: the server never took the connection. */
    private static boolean whileConnecting(Throwable e) {
        for (StackTraceElement frame : e.getStackTrace()) {
            if (frame.getClassName().equals(Socket.class.getName())
                    && frame.getMethodName().equals("connect")) return true;
        }
        return false;
    }

    static InferenceException inStream(String backend, JsonNode error) {
        String message = error.path("message").asText("");
        return new InferenceException(
                "upstream_error",
                "Backend '" + backend + "' failed mid-answer" + (message.isEmpty() ? "." : ": " + message),
                null,
                null,
                null);
    }

    private static String messageOf(byte[] body) {
        if (body == null || body.length == 0) return null;
        try {
            JsonNode node = JSON.readTree(body);
            JsonNode message = node.path("error").path("message");
            if (message.isTextual()) return message.asText();
            if (node.path("error").isTextual()) return node.path("error").asText();
            if (node.path("message").isTextual()) return node.path("message").asText();
        } catch (IOException e) {
            // not JSON: fall through to the text itself
        }
        String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? null : text;
    }

    private static Optional<Long> seconds(String header) {
        try {
            long s = Long.parseLong(header.trim());
            return s >= 0 ? Optional.of(s) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
