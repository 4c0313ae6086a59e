package dev.breakeven.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * A validated {@code POST /v1/chat/completions} body. Only what we use is checked; every other
 * field (tools, response_format, seed, …) travels to the backend untouched.
 *
 * @param body the client's JSON, unchanged
 * @param maxTokens {@code max_completion_tokens} or {@code max_tokens}, or null
 */
public record ChatRequest(
        ObjectNode body,
        String model,
        boolean stream,
        boolean includeUsage,
        ObjectNode streamOptions,
        Integer maxTokens) {

    /**
     * This request with {@code max_tokens} set to {@code max} (a plan's output cap for a request
     * that set none); the client's other fields are unchanged.
     */
    public ChatRequest withMaxTokens(int max) {
        ObjectNode copy = body.deepCopy();
        copy.put("max_tokens", max);
        return new ChatRequest(copy, model, stream, includeUsage, streamOptions, max);
    }

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

    /**
     * Checks the body the way OpenAI does.
     *
     * @throws InferenceException {@code invalid_request} naming the first bad {@code param}
     */
    public static ChatRequest from(JsonNode json) {
        if (json == null || !json.isObject())
            throw InferenceException.invalid(null, "The request body must be a JSON object.");
        ObjectNode body = (ObjectNode) json;
        String model = requiredString(body, "model");
        checkMessages(body.get("messages"));
        boolean stream = optionalBoolean(body, "stream");
        ObjectNode streamOptions = streamOptions(body, stream);
        Integer maxTokens = positiveInt(body, "max_completion_tokens");
        Integer legacyMax = positiveInt(body, "max_tokens");
        if (maxTokens == null) maxTokens = legacyMax;
        positiveInt(body, "n");
        range(body, "temperature", 0, 2);
        range(body, "top_p", 0, 1);
        range(body, "presence_penalty", -2, 2);
        range(body, "frequency_penalty", -2, 2);
        checkStop(body.get("stop"));
        JsonNode user = body.get("user");
        if (user != null && !user.isNull() && !user.isTextual())
            throw InferenceException.invalid("user", "'user' must be a string.");
        boolean includeUsage = streamOptions.path("include_usage").asBoolean(false);
        return new ChatRequest(body, model, stream, includeUsage, streamOptions, maxTokens);
    }

    private static String requiredString(ObjectNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull())
            throw InferenceException.invalid(field, "Missing required parameter: '" + field + "'.");
        if (!node.isTextual()) throw InferenceException.invalid(field, "'" + field + "' must be a string.");
        if (node.asText().isBlank()) throw InferenceException.invalid(field, "'" + field + "' must not be empty.");
        return node.asText();
    }

    private static void checkMessages(JsonNode messages) {
        if (messages == null || messages.isNull())
            throw InferenceException.invalid("messages", "Missing required parameter: 'messages'.");
        if (!messages.isArray()) throw InferenceException.invalid("messages", "'messages' must be an array.");
        if (messages.isEmpty())
            throw InferenceException.invalid("messages", "'messages' must contain at least one message.");
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) throw InferenceException.invalid(at, "'" + at + "' must be an object.");
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
                throw InferenceException.invalid(at + ".role", "'" + at + ".role' must be one of " + ROLES + ".");
            }
            checkContent(m.get("content"), role.asText(), at + ".content");
        }
    }

    private static void checkContent(JsonNode content, String role, String at) {
        if (content == null || content.isNull()) {
            if (role.equals("assistant") || role.equals("function")) return; // tool-call turns carry no text
            throw InferenceException.invalid(at, "Missing required parameter: '" + at + "'.");
        }
        if (content.isTextual()) return;
        if (!content.isArray())
            throw InferenceException.invalid(at, "'" + at + "' must be a string or an array of content parts.");
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            if (!part.isObject() || !part.path("type").isTextual()) {
                throw InferenceException.invalid(
                        at + "[" + j + "]", "Each content part must be an object with a 'type'.");
            }
        }
    }

    private static boolean optionalBoolean(ObjectNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return false;
        if (!node.isBoolean()) throw InferenceException.invalid(field, "'" + field + "' must be a boolean.");
        return node.asBoolean();
    }

    private static ObjectNode streamOptions(ObjectNode body, boolean stream) {
        JsonNode node = body.get("stream_options");
        if (node == null || node.isNull()) return JsonNodeFactory.instance.objectNode();
        if (!node.isObject()) throw InferenceException.invalid("stream_options", "'stream_options' must be an object.");
        if (!stream) {
            throw InferenceException.invalid(
                    "stream_options", "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
        }
        JsonNode include = node.get("include_usage");
        if (include != null && !include.isNull() && !include.isBoolean()) {
            throw InferenceException.invalid(
                    "stream_options.include_usage", "'stream_options.include_usage' must be a boolean.");
        }
        return (ObjectNode) node;
    }

    private static Integer positiveInt(ObjectNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1) {
            throw InferenceException.invalid(field, "'" + field + "' must be a positive integer.");
        }
        return node.asInt();
    }

    private static void range(ObjectNode body, String field, double min, double max) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return;
        if (!node.isNumber() || node.asDouble() < min || node.asDouble() > max) {
            throw InferenceException.invalid(
                    field, "'" + field + "' must be a number from " + min + " to " + max + ".");
        }
    }

    private static void checkStop(JsonNode stop) {
        if (stop == null || stop.isNull() || stop.isTextual()) return;
        if (stop.isArray() && stop.size() <= 4) {
            for (JsonNode s : stop)
                if (!s.isTextual())
                    throw InferenceException.invalid("stop", "'stop' must be a string or up to 4 strings.");
            return;
        }
        throw InferenceException.invalid("stop", "'stop' must be a string or up to 4 strings.");
    }
}
