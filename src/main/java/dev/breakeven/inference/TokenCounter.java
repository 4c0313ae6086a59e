package dev.breakeven.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * Counts tokens with a real BPE tokenizer (o200k_base, GPT-4o's) for backends that report no
 * usage. The result is an estimate for other models' tokenizers, and is marked as such.
 */
public final class TokenCounter {
    // OpenAI's documented framing: every message costs a few tokens beyond its text, and the reply is primed.
    private static final int PER_MESSAGE = 3;
    private static final int REPLY_PRIMING = 3;

    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    public int count(String text) {
        return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }

    /**
     * The longest start of {@code text} that ends between two of its tokens and counts at most
     * {@code max} tokens: {@code text} itself when it fits. A cut never splits a character.
     */
    public String truncate(String text, int max) {
        if (count(text) <= max) return text;
        IntArrayList kept = encoding.encodeOrdinary(text, max).getTokens();
        for (int n = kept.size(); n > 0; n--) {
            IntArrayList first = new IntArrayList(n);
            for (int i = 0; i < n; i++) first.add(kept.get(i));
            String prefix = encoding.decode(first);
            // Re-encoded on its own, the cut text may split differently at its end: keep it only if it still fits.
            if (text.startsWith(prefix) && count(prefix) <= max) return prefix;
        }
        return "";
    }

    /** Tokens of a {@code messages} array as a chat model sees it. */
    public int countMessages(JsonNode messages) {
        int total = REPLY_PRIMING;
        for (JsonNode m : messages) {
            total += PER_MESSAGE + count(m.path("role").asText(""));
            JsonNode content = m.get("content");
            if (content == null) continue;
            if (content.isTextual()) total += count(content.asText());
            else if (content.isArray()) {
                for (JsonNode part : content) total += count(part.path("text").asText(""));
            }
            if (m.has("name")) total += count(m.get("name").asText("")) + 1;
        }
        return total;
    }
}
