package dev.breakeven.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.billing.Price;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.PriceJson;
import dev.breakeven.billing.PriceKind;
import io.helidon.webserver.http.ServerRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Set;

/** Prices as JSON, and the request fields and query parameters that select or set them. */
final class PriceView {
    private static final Set<String> SET_FIELDS = Set.of("kind", "subject", "micros", "effective_from", "note");

    private PriceView() {}

    static ObjectNode json(ObjectMapper json, Price p) {
        return PriceJson.of(json, p);
    }

    /** {@code ?at=}: epoch milliseconds or an ISO-8601 instant; {@code fallback} when absent. */
    static long at(ServerRequest req, long fallback) {
        var value = req.query().first("at").filter(v -> !v.isBlank());
        return value.isEmpty() ? fallback : time(value.get(), "at");
    }

    /** {@code ?kind=}: a kind's wire name, or null when absent or empty. */
    static PriceKind kind(ServerRequest req) {
        var value = req.query().first("kind").filter(v -> !v.isBlank());
        return value.isEmpty() ? null : kind(value.get());
    }

    /** {@code ?subject=}, or null when absent or empty. */
    static String subject(ServerRequest req) {
        return req.query().first("subject").filter(v -> !v.isBlank()).orElse(null);
    }

    /**
     * The body of {@code POST /admin/v1/prices} as a change; {@code now} is the effective time when
     * {@code effective_from} is absent.
     */
    static PriceBook.Change change(JsonNode body, long now) {
        if (!body.isObject()) throw new ApiProblem(400, "invalid_json", "The request body must be a JSON object.");
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!SET_FIELDS.contains(name)) {
                throw new ApiProblem(
                        400,
                        "unknown_parameter",
                        "Unknown parameter: '" + name
                                + "'. A price has kind, subject, micros, effective_from and note.",
                        name);
            }
        }
        PriceKind kind = kind(text(body, "kind", true));
        String subject = text(body, "subject", true);
        long micros = micros(body);
        JsonNode from = body.get("effective_from");
        long effectiveFrom;
        if (from == null || from.isNull()) {
            effectiveFrom = now;
        } else if (from.isIntegralNumber() && from.canConvertToLong()) {
            effectiveFrom = from.asLong();
        } else if (from.isTextual()) {
            effectiveFrom = time(from.asText(), "effective_from");
        } else {
            throw new ApiProblem(
                    400,
                    "invalid_type",
                    "'effective_from' must be epoch milliseconds (an integer) or an ISO-8601 instant (a string).",
                    "effective_from");
        }
        JsonNode note = body.get("note");
        if (note != null && !note.isNull() && !note.isTextual()) {
            throw new ApiProblem(400, "invalid_type", "'note' must be a string.", "note");
        }
        return new PriceBook.Change(
                kind, subject, micros, effectiveFrom, note == null || note.isNull() ? null : note.asText());
    }

    private static long micros(JsonNode body) {
        JsonNode node = body.get("micros");
        if (node == null || node.isNull()) {
            throw new ApiProblem(400, "missing_parameter", "Missing required parameter: 'micros'.", "micros");
        }
        if (!node.isIntegralNumber()) {
            throw new ApiProblem(
                    400,
                    "invalid_type",
                    "'micros' must be an integer: the amount in millionths of the currency (150000 = 0.15).",
                    "micros");
        }
        if (!node.canConvertToLong()) {
            throw new ApiProblem(400, "invalid_value", "'micros' is too large.", "micros");
        }
        return node.asLong();
    }

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            if (required)
                throw new ApiProblem(400, "missing_parameter", "Missing required parameter: '" + field + "'.", field);
            return null;
        }
        if (!node.isTextual()) throw new ApiProblem(400, "invalid_type", "'" + field + "' must be a string.", field);
        return node.asText();
    }

    private static PriceKind kind(String text) {
        PriceKind kind = PriceKind.parse(text);
        if (kind == null) {
            throw new ApiProblem(
                    400,
                    "invalid_value",
                    "'kind' must be one of " + PriceKind.wireNames() + "; got '" + text + "'.",
                    "kind");
        }
        return kind;
    }

    private static long time(String text, String param) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            try {
                return Instant.parse(text.strip()).toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new ApiProblem(
                        400,
                        "invalid_value",
                        "'" + param
                                + "' must be epoch milliseconds or an ISO-8601 instant such as 2026-11-28T00:00:00Z.",
                        param);
            }
        }
    }
}
