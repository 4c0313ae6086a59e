package dev.breakeven.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.access.AccessException;
import dev.breakeven.assistant.Assistant;
import dev.breakeven.assistant.AssistantException;
import dev.breakeven.billing.BillingException;
import dev.breakeven.billing.PriceException;
import dev.breakeven.cluster.ClusterException;
import dev.breakeven.inference.InferenceException;
import dev.breakeven.ledger.LedgerException;
import dev.breakeven.metering.MeteringException;
import dev.breakeven.plans.PlanException;
import dev.breakeven.plans.SchedulerException;
import dev.breakeven.store.StoreException;
import java.util.Map;

/**
 * The one mapping from every feature's error to an HTTP status and OpenAI's error body {@code
 * {"error":{"message","type","param","code"}}}.
 */
record ApiError(
        int status,
        String type,
        String code,
        String message,
        String param,
        Long retryAfterSeconds,
        Map<String, String> headers) {

    ApiError(int status, String type, String code, String message, String param, Long retryAfterSeconds) {
        this(status, type, code, message, param, retryAfterSeconds, Map.of());
    }

    /** A bug, not the caller's fault: no detail leaves the server. */
    private static final ApiError INTERNAL = new ApiError(
            500,
            "server_error",
            "internal_error",
            "The server had an error while processing your request.",
            null,
            null);

    static ApiError of(Throwable t) {
        return switch (t) {
            case ApiProblem p -> new ApiError(p.status, typeFor(p.status), p.code, p.getMessage(), p.param, null);
            case InferenceException e -> fromInference(e);
            case AccessException e -> fromAccess(e);
            case PriceException e -> fromPrice(e);
            case BillingException e -> fromBilling(e);
            case PlanException e -> fromPlan(e);
            case SchedulerException e -> fromScheduler(e);
            case LedgerException e -> fromLedger(e);
            case ClusterException e
            when e.code().equals("counters_unavailable") ->
                new ApiError(
                        503,
                        "server_error",
                        e.code(),
                        "Rate limits and allowances cannot be checked right now; please retry shortly.",
                        null,
                        1L);
            case AssistantException e -> new ApiError(503, "server_error", e.code(), e.getMessage(), null, 1L);
            case MeteringException e ->
                new ApiError(503, "server_error", e.code(), "Usage records are unavailable right now.", null, 1L);
            case StoreException e ->
                new ApiError(503, "server_error", e.code(), "The database is unavailable right now.", null, 1L);
            default -> INTERNAL;
        };
    }

    private static ApiError fromInference(InferenceException e) {
        int status =
                switch (e.code()) {
                    case "invalid_request", "upstream_rejected" -> 400;
                    case "model_not_found" -> 404;
                    case "request_too_large" -> 413;
                    case "no_backend", "upstream_unavailable" -> 503;
                    case "upstream_timeout" -> 504;
                    default -> 502;
                };
        String code = e.code().equals("invalid_request") ? "invalid_value" : e.code();
        return new ApiError(status, typeFor(status), code, e.getMessage(), e.param(), e.retryAfterSeconds());
    }

    private static ApiError fromAccess(AccessException e) {
        int status =
                switch (e.code()) {
                    case "account_not_found", "key_not_found" -> 404;
                    case "role_mismatch" -> 409;
                    default -> 400;
                };
        return new ApiError(status, typeFor(status), e.code(), e.getMessage(), null, null);
    }

    private static ApiError fromPrice(PriceException e) {
        return switch (e.code()) {
            case "price_exists" -> new ApiError(409, typeFor(409), e.code(), e.getMessage(), e.param(), null);
            // a value that breaks a rule, like any other field the API checks
            default -> new ApiError(400, typeFor(400), "invalid_value", e.getMessage(), e.param(), null);
        };
    }

    private static ApiError fromBilling(BillingException e) {
        return switch (e.code()) {
            // OpenAI's own answer when an account has no credit left: clients already handle it
            case "insufficient_funds" ->
                new ApiError(429, "insufficient_quota", "insufficient_quota", e.getMessage(), null, null);
            case "grant_conflict" -> new ApiError(409, typeFor(409), e.code(), e.getMessage(), null, null);
            default -> new ApiError(400, typeFor(400), e.code(), e.getMessage(), null, null);
        };
    }

    private static ApiError fromPlan(PlanException e) {
        int status =
                switch (e.code()) {
                    case "model_not_in_plan" -> 403;
                    case "rate_limit_exceeded", "allowance_exhausted" -> 429;
                    case "plan_not_found" -> 404;
                    case "plan_exists", "plan_is_default" -> 409;
                    default -> 400;
                };
        return new ApiError(
                status, typeFor(status), e.code(), e.getMessage(), e.param(), e.retryAfterSeconds(), e.headers());
    }

    /**
     * The backend (or this tier's share of it) is full: come back later, as OpenAI's 503
     * "overloaded" says; {@code x-breakeven-queue-ms} says how long the request waited first.
     */
    private static ApiError fromScheduler(SchedulerException e) {
        return switch (e.code()) {
            case "overloaded", "wait_expired", "deadline", "queue_full", "closed" ->
                new ApiError(
                        503,
                        "server_error",
                        e.code(),
                        e.getMessage(),
                        null,
                        e.retryAfter() == null
                                ? 1L
                                : Math.max(1, (e.retryAfter().toMillis() + 999) / 1000),
                        Map.of(Assistant.QUEUE_HEADER, Long.toString(e.queued().toMillis())));
            default -> INTERNAL;
        };
    }

    private static ApiError fromLedger(LedgerException e) {
        return switch (e.code()) {
            case "ledger_unavailable", "ledger_closed" ->
                new ApiError(503, "server_error", e.code(), "The ledger is unavailable right now.", null, 1L);
            case "account_not_found" -> new ApiError(404, typeFor(404), e.code(), e.getMessage(), null, null);
            default -> new ApiError(409, typeFor(409), e.code(), e.getMessage(), null, null);
        };
    }

    private static String typeFor(int status) {
        return switch (status) {
            case 401 -> "invalid_request_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_error";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
    }

    ObjectNode body() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return root;
    }
}
