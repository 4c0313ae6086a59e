package dev.breakeven.metering;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/** The one JSON shape of a usage event, shared by the API and the CLI. */
public final class UsageJson {
    private UsageJson() {}

    public static ObjectNode of(ObjectMapper json, UsageEvent e) {
        ObjectNode node = json.createObjectNode();
        node.put("id", e.id());
        node.put("object", "usage.event");
        node.put("occurred_at", e.occurredAt());
        node.put("account_id", e.accountId());
        node.put("key_id", e.keyId());
        node.put("model", e.model());
        node.put("backend", e.backend());
        node.put("upstream_model", e.upstreamModel());
        node.put("prompt_tokens", e.promptTokens());
        node.put("completion_tokens", e.completionTokens());
        node.put("total_tokens", e.totalTokens());
        node.put("estimated", e.estimated());
        node.put("time_to_first_token_ms", e.timeToFirstTokenMillis() < 0 ? null : e.timeToFirstTokenMillis());
        node.put("duration_ms", e.durationMillis());
        node.put("generation_ms", e.generationMillis() < 0 ? null : e.generationMillis());
        node.put("tokens_per_second", e.tokensPerSecond() < 0 ? null : Math.round(e.tokensPerSecond() * 10) / 10.0);
        node.put("included", e.included());
        node.put("outcome", e.outcome().name().toLowerCase(Locale.ROOT));
        node.put("streamed", e.streamed());
        node.put("error_code", e.errorCode());
        return node;
    }
}
