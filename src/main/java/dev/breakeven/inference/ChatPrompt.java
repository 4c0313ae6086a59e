package dev.breakeven.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages of a chat request as plain text, and the two ways an in-process model reads them:
 * through the chat template stored in its file, or — for a file without one — as a plain document.
 */
final class ChatPrompt {
    private ChatPrompt() {}

    record Message(String role, String text) {}

    /**
     * The request's messages with their text; {@code developer} becomes {@code system}.
     *
     * @throws InferenceException {@code invalid_request} for a content part that is not text
     */
    static List<Message> messages(ChatRequest request) {
        List<Message> out = new ArrayList<>();
        JsonNode messages = request.body().path("messages");
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText();
            if (role.equals("developer")) role = "system";
            out.add(new Message(role, text(m.get("content"), "messages[" + i + "].content")));
        }
        return out;
    }

    private static String text(JsonNode content, String at) {
        if (content == null || content.isNull()) return "";
        if (content.isTextual()) return content.asText();
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String type = part.path("type").asText();
            if (!type.equals("text")) {
                throw InferenceException.invalid(
                        at + "[" + j + "]",
                        "This model reads text only; content parts of type '" + type + "' are not supported.");
            }
            if (!text.isEmpty()) text.append('\n');
            text.append(part.path("text").asText(""));
        }
        return text.toString();
    }

    /**
     * The prompt for a model whose file has no chat template. Such models are base models, trained to
     * continue text, not to follow a dialogue (stories260K is one), so the messages become one
     * document: their texts in order, separated by blank lines, with no role labels. A single user
     * message is therefore sent exactly as written: "Once upon a time" is continued as a story.
     */
    static String plain(List<Message> messages) {
        StringBuilder prompt = new StringBuilder();
        for (Message m : messages) {
            if (m.text().isEmpty()) continue;
            if (!prompt.isEmpty()) prompt.append("\n\n");
            prompt.append(m.text());
        }
        return prompt.toString();
    }

    /** The body llama.cpp's template application reads: the messages, and a cue for the answer. */
    static String templateRequest(List<Message> messages) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ArrayNode list = body.putArray("messages");
        for (Message m : messages) list.addObject().put("role", m.role()).put("content", m.text());
        body.put("add_generation_prompt", true);
        return body.toString();
    }
}
