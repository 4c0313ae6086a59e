package dev.breakeven.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.UsageCharge;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageJson;
import io.helidon.webserver.http.ServerRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/** Usage events as JSON, and the query parameters that select them ({@code since}, {@code limit}). */
final class UsageView {
    static final int DEFAULT_LIMIT = 1000;
    static final int MAX_LIMIT = 10_000;

    private UsageView() {}

    static long since(ServerRequest req) {
        var value = req.query().first("since");
        if (value.isEmpty()) return 0;
        String text = value.get();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            try {
                return Instant.parse(text).toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new ApiProblem(
                        400,
                        "invalid_value",
                        "'since' must be epoch milliseconds or an ISO-8601 instant such as 2026-11-28T00:00:00Z.",
                        "since");
            }
        }
    }

    static int limit(ServerRequest req) {
        var value = req.query().first("limit");
        if (value.isEmpty()) return DEFAULT_LIMIT;
        try {
            int limit = Integer.parseInt(value.get());
            if (limit >= 1 && limit <= MAX_LIMIT) return limit;
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw new ApiProblem(400, "invalid_value", "'limit' must be an integer from 1 to " + MAX_LIMIT + ".", "limit");
    }

    /** What the event is charged: its tokens at the prices in force at its own time (as the rater charges it). */
    static long cost(PriceBook prices, UsageEvent e) {
        return UsageCharge.of(e, prices.modelRates(e.model(), e.occurredAt()));
    }

    static ObjectNode list(ObjectMapper json, List<UsageEvent> events, PriceBook prices) {
        ObjectNode root = json.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        long prompt = 0;
        long completion = 0;
        long costs = 0;
        for (UsageEvent e : events) {
            long cost = cost(prices, e);
            data.add(UsageJson.of(json, e).put("cost_micros", cost));
            prompt += e.promptTokens();
            completion += e.completionTokens();
            costs += cost;
        }
        root.putObject("totals")
                .put("requests", events.size())
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", prompt + completion)
                .put("cost_micros", costs);
        return root;
    }
}
