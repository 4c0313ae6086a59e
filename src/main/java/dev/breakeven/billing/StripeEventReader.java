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

        if (CheckoutCompleted.TYPE.equals(type)) return checkoutCompleted(root, id, createdAt, livemode);
        if (InvoiceEvent.TYPES.contains(type)) return invoice(root, id, type, createdAt, livemode);
        return new StripeEvent.Other(id, type, createdAt, livemode);
    }

    private static CheckoutCompleted checkoutCompleted(JsonNode root, String id, long createdAt, boolean livemode) {
        JsonNode data = object(root, "data", "data");
        JsonNode session = object(data, "object", "data.object");
        String sessionId = text(session, "id", "data.object.id");

        requireUsd(session);
        long amountMicros = micros(session, "amount_total");

        String statusText = text(session, "payment_status", "data.object.payment_status");
        CheckoutCompleted.PaymentStatus status = CheckoutCompleted.PaymentStatus.fromWire(statusText);
        if (status == null) {
            throw malformed("data.object.payment_status must be paid, unpaid or no_payment_required");
        }

        String accountId = optionalText(session, "client_reference_id", "data.object.client_reference_id");
        if (accountId == null) accountId = metadata(session, "breakeven_account", "data.object.metadata");
        String planId = metadata(session, "breakeven_plan", "data.object.metadata");
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

        return new CheckoutCompleted(
                id, createdAt, livemode, sessionId, accountId, amountMicros, "USD", status, email, planId);
    }

    /**
     * An invoice event: the account from the invoice's {@code metadata.breakeven_account}, else its
     * subscription's ({@code subscription_details.metadata}, or {@code parent.subscription_details.metadata}
     * in Stripe's newer API versions); the amount paid for {@code invoice.paid}.
     */
    private static InvoiceEvent invoice(JsonNode root, String id, String type, long createdAt, boolean livemode) {
        JsonNode data = object(root, "data", "data");
        JsonNode invoice = object(data, "object", "data.object");
        String invoiceId = text(invoice, "id", "data.object.id");
        String accountId = metadata(invoice, "breakeven_account", "data.object.metadata");
        if (accountId == null) accountId = subscriptionAccount(invoice, "data.object");
        JsonNode parent = invoice.get("parent");
        if (accountId == null && parent != null && parent.isObject())
            accountId = subscriptionAccount(parent, "data.object.parent");
        if (accountId == null) {
            throw malformed("the Breakeven account is missing: set metadata.breakeven_account on the invoice"
                    + " or on its subscription");
        }
        long paid = 0;
        if (type.equals(InvoiceEvent.PAID)) {
            requireUsd(invoice);
            paid = micros(invoice, "amount_paid");
        }
        return new InvoiceEvent(id, type, createdAt, livemode, invoiceId, accountId, paid);
    }

    private static String subscriptionAccount(JsonNode holder, String path) {
        JsonNode details = holder.get("subscription_details");
        if (details == null || details.isNull()) return null;
        if (!details.isObject()) throw malformed(path + ".subscription_details must be an object");
        return metadata(details, "breakeven_account", path + ".subscription_details.metadata");
    }

    /** A string of the object's {@code metadata}, or null when there is none. */
    private static String metadata(JsonNode holder, String key, String path) {
        JsonNode metadata = holder.get("metadata");
        if (metadata == null || metadata.isNull()) return null;
        if (!metadata.isObject()) throw malformed(path + " must be an object");
        return optionalText(metadata, key, path + "." + key);
    }

    private static void requireUsd(JsonNode object) {
        String currency = text(object, "currency", "data.object.currency");
        if (!currency.equalsIgnoreCase("usd")) {
            throw new BillingException(
                    "unsupported_currency",
                    "a payment in " + currency.toUpperCase(Locale.ROOT)
                            + " cannot be credited: Breakeven accepts USD only");
        }
    }

    /** A whole number of cents of {@code data.object}, in micros. */
    private static long micros(JsonNode object, String field) {
        long cents = wholeNumber(object, field, "data.object." + field);
        try {
            return Math.multiplyExact(cents, MICROS_PER_CENT);
        } catch (ArithmeticException e) {
            throw malformed("data.object." + field + " is too large");
        }
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
