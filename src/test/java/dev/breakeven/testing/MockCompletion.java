package dev.breakeven.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/**
 * One chat completion the mock will produce, planned from the request, and its JSON in OpenAI's
 * exact shapes. Tokens are words of a fixed vocabulary, each followed by a space, so the stream's
 * deltas concatenated equal the non-stream content.
 */
final class MockCompletion {

    static final String[] VOCABULARY = {
        "the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "and", "runs", "far", "away", "into",
        "green", "hills"
    };

    final boolean stream;
    final boolean includeUsage;
    final int promptTokens;
    final int completionTokens;
    final String finishReason;
    private final boolean reportUsage;
    private final String head;

    private MockCompletion(JsonNode body, MockSettings settings, String id, long created) {
        this.stream = body.path("stream").asBoolean(false);
        this.reportUsage = settings.reportUsage();
        this.includeUsage = stream
                && reportUsage
                && body.path("stream_options").path("include_usage").asBoolean(false);
        this.promptTokens = countPromptTokens(body.get("messages"));
        int limit = requestedLimit(body);
        int natural = settings.completionTokens();
        this.completionTokens = limit >= 0 ? Math.min(limit, natural) : natural;
        this.finishReason = limit >= 0 && limit < natural ? "length" : "stop";
        String object = stream ? "chat.completion.chunk" : "chat.completion";
        this.head = "{\"id\":\"" + id + "\",\"object\":\"" + object + "\",\"created\":" + created + ",\"model\":"
                + body.get("model") + ",\"choices\":";
    }

    /**
     * Plans the completion for a request body.
     *
     * @throws IllegalArgumentException with a client-facing message when the body is not a valid
     *     chat completion request
     */
    static MockCompletion plan(JsonNode body, MockSettings settings, String id, long created) {
        if (!body.isObject()) {
            throw new IllegalArgumentException("The request body must be a JSON object.");
        }
        if (!body.path("model").isTextual()) {
            throw new IllegalArgumentException("'model' is a required property.");
        }
        if (!body.path("messages").isArray()) {
            throw new IllegalArgumentException("'messages' is a required property.");
        }
        return new MockCompletion(body, settings, id, created);
    }

    /** Token {@code i} of the completion, e.g. {@code "fox "}. */
    static String token(int i) {
        return VOCABULARY[i % VOCABULARY.length] + " ";
    }

    /** The whole content of a completion of {@code tokens} tokens. */
    static String content(int tokens) {
        StringBuilder text = new StringBuilder(tokens * 6);
        for (int i = 0; i < tokens; i++) {
            text.append(token(i));
        }
        return text.toString();
    }

    /** The non-stream {@code chat.completion} body. */
    byte[] responseBody() {
        StringBuilder json = new StringBuilder(256 + completionTokens * 6).append(head);
        json.append("[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"")
                .append(content(completionTokens))
                .append("\"},\"logprobs\":null,\"finish_reason\":\"")
                .append(finishReason)
                .append("\"}]");
        if (reportUsage) {
            json.append(",\"usage\":").append(usage());
        }
        return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The first event: the assistant role with empty content. */
    byte[] roleEvent() {
        return chunkEvent("{\"role\":\"assistant\",\"content\":\"\"}", "null");
    }

    /** The event carrying token {@code i}. */
    byte[] tokenEvent(int i) {
        return chunkEvent("{\"content\":\"" + token(i) + "\"}", "null");
    }

    /** The event with an empty delta and the finish reason. */
    byte[] finishEvent() {
        return chunkEvent("{}", "\"" + finishReason + "\"");
    }

    /** The {@code include_usage} event: no choices, the usage. */
    byte[] usageEvent() {
        return event(head + "[],\"usage\":" + usage() + "}");
    }

    static byte[] doneEvent() {
        return "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
    }

    private byte[] chunkEvent(String delta, String finish) {
        String json = head + "[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finish
                + "}]" + (includeUsage ? ",\"usage\":null}" : "}");
        return event(json);
    }

    private static byte[] event(String json) {
        return ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private String usage() {
        return "{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + completionTokens
                + ",\"total_tokens\":" + (promptTokens + completionTokens) + "}";
    }

    /** {@code max_completion_tokens}, else {@code max_tokens}, else -1 for none. */
    private static int requestedLimit(JsonNode body) {
        for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
            JsonNode value = body.get(field);
            if (value == null || value.isNull()) {
                continue;
            }
            if (!value.canConvertToInt() || !value.isIntegralNumber() || value.intValue() < 1) {
                throw new IllegalArgumentException("'" + field + "' must be an integer of at least 1.");
            }
            return value.intValue();
        }
        return -1;
    }

    /** Words in the messages' text content (string content or text parts). */
    static int countPromptTokens(JsonNode messages) {
        int words = 0;
        for (JsonNode message : messages) {
            JsonNode content = message.path("content");
            if (content.isTextual()) {
                words += countWords(content.textValue());
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    words += countWords(part.path("text").asText(""));
                }
            }
        }
        return words;
    }

    private static int countWords(String text) {
        int words = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !inWord) {
                words++;
            }
            inWord = !space;
        }
        return words;
    }
}
