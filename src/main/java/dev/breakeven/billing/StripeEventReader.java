package dev.breakeven.billing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Locale;

/** Reads webhook bodies into {@link StripeEvent}s; see {@link StripeEvent#parse(byte[])}. */
final class StripeEventReader {
    /** Micros per cent of a US dollar. */
    static final long MICROS_PER_CENT = 10_000L;

    private static final ObjectMapper JSON = JsonMapper.builder()
            // a body with two values for one key could be read differently by different readers
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private StripeEventReader() {}

    static StripeEvent read(byte[] body) {
        if (body == null || body.length == 0) throw malformed("the event body is empty");
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BillingException(
                    "malformed_event", "the event body is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new BillingException("malformed_event", "the event body cannot be read", e);
        }
        if (root == null || !root.isObject()) throw malformed("the event body is not a JSON object");

        String id = text(root, "id", "id");
        String type = text(root, "type", "type");
        long created = wholeNumber(root, "created", "created");
        long createdAt;
        try {
            createdAt = Math.multiplyExact(created, 1000L);
        } catch (ArithmeticException e) {
            throw malformed("created is out of range");
        }
        JsonNode live = root.get("livemode");
        if (live == null || live.isNull()) throw missing("livemode");
        if (!live.isBoolean()) throw malformed("livemode must be true or false");
        boolean livemode = live.booleanValue();

        if (!CheckoutCompleted.TYPE.equals(type)) return new StripeEvent.Other(id, type, createdAt, livemode);
        return checkoutCompleted(root, id, createdAt, livemode);
    }

    private static CheckoutCompleted checkoutCompleted(JsonNode root, String id, long createdAt, boolean livemode) {
        JsonNode data = object(root, "data", "data");
        JsonNode session = object(data, "object", "data.object");
        String sessionId = text(session, "id", "data.object.id");

        String currency = text(session, "currency", "data.object.currency");
        if (!currency.equalsIgnoreCase("usd")) {
            throw new BillingException(
                    "unsupported_currency",
                    "a payment in " + currency.toUpperCase(Locale.ROOT)
                            + " cannot be credited: Breakeven accepts USD only");
        }
        long cents = wholeNumber(session, "amount_total", "data.object.amount_total");
        long amountMicros;
        try {
            amountMicros = Math.multiplyExact(cents, MICROS_PER_CENT);
        } catch (ArithmeticException e) {
            throw malformed("data.object.amount_total is too large");
        }

        String statusText = text(session, "payment_status", "data.object.payment_status");
        CheckoutCompleted.PaymentStatus status = CheckoutCompleted.PaymentStatus.fromWire(statusText);
        if (status == null) {
            throw malformed("data.object.payment_status must be paid, unpaid or no_payment_required");
        }

        String accountId = optionalText(session, "client_reference_id", "data.object.client_reference_id");
        if (accountId == null) {
            JsonNode metadata = session.get("metadata");
            if (metadata != null && !metadata.isNull()) {
                if (!metadata.isObject()) throw malformed("data.object.metadata must be an object");
                accountId = optionalText(metadata, "breakeven_account", "data.object.metadata.breakeven_account");
            }
        }
        if (accountId == null) {
            throw malformed("the Breakeven account is missing: neither data.object.client_reference_id"
                    + " nor data.object.metadata.breakeven_account is set");
        }

        String email = null;
        JsonNode details = session.get("customer_details");
        if (details != null && !details.isNull()) {
            if (!details.isObject()) throw malformed("data.object.customer_details must be an object");
            email = optionalText(details, "email", "data.object.customer_details.email");
        }
        if (email == null) email = optionalText(session, "customer_email", "data.object.customer_email");

        return new CheckoutCompleted(id, createdAt, livemode, sessionId, accountId, amountMicros, "USD", status, email);
    }

    private static JsonNode object(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) throw missing(path);
        if (!node.isObject()) throw malformed(path + " must be an object");
        return node;
    }

    /** A required, non-blank string. */
    private static String text(JsonNode parent, String field, String path) {
        String value = optionalText(parent, field, path);
        if (value == null) throw missing(path);
        return value;
    }

    /** A string, or null when absent, null or blank; any other type is refused. */
    private static String optionalText(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isTextual()) throw malformed(path + " must be a string");
        String value = node.textValue();
        return value.isBlank() ? null : value;
    }

    /** A required whole number, zero or more, that fits in a {@code long}. */
    private static long wholeNumber(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) throw missing(path);
        if (!node.isIntegralNumber()) throw malformed(path + " must be a whole number");
        if (!node.canConvertToLong()) throw malformed(path + " is too large");
        long value = node.longValue();
        if (value < 0) throw malformed(path + " must not be negative");
        return value;
    }

    private static BillingException missing(String path) {
        return malformed(path + " is missing");
    }

    private static BillingException malformed(String message) {
        return new BillingException("malformed_event", message);
    }
}
