package dev.breakeven.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;

/** Reads JSON request bodies within a size limit and writes JSON responses and errors. */
final class HttpJson {
    static final String JSON_TYPE = "application/json";

    private final ObjectMapper json;
    private final long maxBodyBytes;

    HttpJson(ObjectMapper json, long maxBodyBytes) {
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
    }

    ObjectMapper mapper() {
        return json;
    }

    /**
     * The request body as JSON.
     *
     * @throws ApiProblem 413 when larger than the limit, 400 when empty or not JSON
     */
    JsonNode readBody(ServerRequest req) {
        byte[] bytes = readBytes(req);
        if (bytes.length == 0)
            throw new ApiProblem(400, "invalid_json", "The request body is empty; send a JSON object.");
        try {
            JsonNode node = json.readTree(bytes);
            if (node == null || node.isMissingNode())
                throw new ApiProblem(400, "invalid_json", "The request body is empty; send a JSON object.");
            return node;
        } catch (JsonProcessingException e) {
            throw new ApiProblem(
                    400,
                    "invalid_json",
                    "We could not parse the JSON body of your request: " + e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " (line " + e.getLocation().getLineNr() + ", column "
                                            + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw new ApiProblem(400, "invalid_json", "We could not parse the JSON body of your request.");
        }
    }

    /**
     * The request body as received, byte for byte (what a webhook signature covers).
     *
     * @throws ApiProblem 413 when larger than the limit, 400 when it cannot be read
     */
    byte[] readBytes(ServerRequest req) {
        OptionalLong declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > maxBodyBytes) throw tooLarge();
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        } catch (IOException | UncheckedIOException e) {
            throw new ApiProblem(400, "invalid_body", "The request body could not be read.");
        }
        if (bytes.length > maxBodyBytes) throw tooLarge();
        return bytes;
    }

    private ApiProblem tooLarge() {
        return new ApiProblem(
                413, "request_too_large", "The request body is larger than the limit of " + maxBodyBytes + " bytes.");
    }

    /** OpenAI's list envelope, {@code {"object":"list","data":[...]}}. */
    <T> ObjectNode list(List<T> items, Function<T, ObjectNode> toJson) {
        ObjectNode list = json.createObjectNode().put("object", "list");
        ArrayNode data = list.putArray("data");
        for (T item : items) data.add(toJson.apply(item));
        return list;
    }

    void send(ServerResponse res, int status, Object body) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise response", e);
        }
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, JSON_TYPE);
        res.send(bytes);
    }

    void sendError(ServerResponse res, ApiError error) {
        error.headers().forEach(res::header);
        if (error.retryAfterSeconds() != null)
            res.header(HeaderNames.RETRY_AFTER, Long.toString(error.retryAfterSeconds()));
        if (error.status() == 401) res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        send(res, error.status(), error.body());
    }
}
