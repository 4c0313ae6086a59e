package dev.breakeven.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.plans.Overage;
import dev.breakeven.plans.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a plan sent to the admin API: the same fields {@link PlanView#plan} writes, so a plan read
 * with GET can be edited and sent back. Every fault is a 400 naming the field.
 */
final class PlanJson {
    static final Set<String> FIELDS = Set.of(
            "id",
            "name",
            "monthly_price_micros",
            "models",
            "max_context_tokens",
            "max_output_tokens",
            "tokens_per_day",
            "tokens_per_month",
            "requests_per_minute",
            "tokens_per_minute",
            "priority",
            "ads",
            "overage",
            "archived",
            // written by GET, ignored when sent back
            "object",
            "default",
            "created_at",
            "updated_at");
    private static final List<String> LIMITS = List.of(
            "max_context_tokens",
            "max_output_tokens",
            "tokens_per_day",
            "tokens_per_month",
            "requests_per_minute",
            "tokens_per_minute");

    private PlanJson() {}

    /** The body as a JSON object whose every field is a plan field. */
    static ObjectNode object(JsonNode body) {
        if (!(body instanceof ObjectNode object))
            throw new ApiProblem(400, "invalid_json", "The request body must be a JSON object.");
        object.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw new ApiProblem(
                        400, "unknown_parameter", "Unknown parameter: '" + f + "'. A plan has " + FIELDS + ".", f);
            }
        });
        return object;
    }

    /**
     * The plan a body describes; fields left out take the plan's defaults (no limits, priority = id,
     * overage refuse, no ads, name = id).
     *
     * @param pathId the id in the URL, or null when the body names it
     */
    static Plan plan(ObjectNode body, String pathId) {
        String id = AdminRoutes.text(body, "id", pathId == null);
        if (pathId != null && id != null && !id.equals(pathId)) {
            throw new ApiProblem(
                    400, "invalid_value", "'id' is '" + id + "' but the URL names plan '" + pathId + "'.", "id");
        }
        String planId = pathId != null ? pathId : id;
        String name = AdminRoutes.text(body, "name", false);
        // PostgreSQL text cannot hold NUL: refused here rather than failing in the store
        if (name != null && (name.indexOf('\0') >= 0 || name.length() > 200))
            throw new ApiProblem(400, "invalid_value", "'name' must be 1-200 characters without NUL.", "name");
        String priority = AdminRoutes.text(body, "priority", false);
        String overage = AdminRoutes.text(body, "overage", false);
        long[] limits = new long[LIMITS.size()];
        for (int i = 0; i < limits.length; i++) limits[i] = whole(body, LIMITS.get(i));
        Overage policy;
        try {
            policy = overage == null ? Overage.REFUSE : Overage.parse(overage);
        } catch (IllegalArgumentException e) {
            throw new ApiProblem(400, "invalid_value", e.getMessage() + ".", "overage");
        }
        try {
            return new Plan(
                    planId,
                    name == null ? planId : name,
                    whole(body, "monthly_price_micros"),
                    models(body),
                    limits[0],
                    limits[1],
                    limits[2],
                    limits[3],
                    limits[4],
                    limits[5],
                    priority == null ? planId : priority,
                    bool(body, "ads", false),
                    policy);
        } catch (IllegalArgumentException e) {
            throw new ApiProblem(400, "invalid_value", e.getMessage() + ".", pathId == null ? "id" : null);
        }
    }

    /** {@code archived} when the body sets it, else null. */
    static Boolean archived(ObjectNode body) {
        JsonNode node = body.get("archived");
        return node == null || node.isNull() ? null : bool(body, "archived", false);
    }

    private static long whole(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return 0;
        if (!node.isIntegralNumber() || !node.canConvertToLong())
            throw new ApiProblem(400, "invalid_type", "'" + field + "' must be a whole number.", field);
        if (node.asLong() < 0) throw new ApiProblem(400, "invalid_value", "'" + field + "' must be 0 or more.", field);
        return node.asLong();
    }

    private static boolean bool(JsonNode body, String field, boolean otherwise) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) return otherwise;
        if (!node.isBoolean())
            throw new ApiProblem(400, "invalid_type", "'" + field + "' must be true or false.", field);
        return node.asBoolean();
    }

    private static List<String> models(JsonNode body) {
        JsonNode node = body.get("models");
        if (node == null || node.isNull()) return List.of();
        if (!node.isArray())
            throw new ApiProblem(400, "invalid_type", "'models' must be an array of model ids.", "models");
        List<String> out = new ArrayList<>();
        for (JsonNode m : node) {
            if (!m.isTextual() || m.asText().isBlank())
                throw new ApiProblem(400, "invalid_type", "'models' must be an array of model ids.", "models");
            if (!out.contains(m.asText())) out.add(m.asText());
        }
        return out;
    }
}
