package dev.breakeven.billing;

/**
 * A Stripe event whose signature was verified. Breakeven acts on {@link CheckoutCompleted} and
 * {@link InvoiceEvent}; every other type reads as {@link Other}, which the receiver acknowledges
 * and ignores (Stripe retries webhooks that are not acknowledged with a 2xx).
 *
 * <p>Stripe may deliver the same event more than once: act on an event at most once, keyed by
 * {@link #id()}.
 */
public sealed interface StripeEvent permits CheckoutCompleted, InvoiceEvent, StripeEvent.Other {
    /** Stripe's event id, {@code evt_…}: the key that makes handling an event idempotent. */
    String id();

    /** Stripe's event type, e.g. {@code checkout.session.completed}. */
    String type();

    /** When Stripe created the event (its {@code created}, in seconds), in epoch milliseconds. */
    long createdAt();

    /** False for events of Stripe's test mode. */
    boolean livemode();

    /** An event of a type Breakeven does not act on. */
    record Other(String id, String type, long createdAt, boolean livemode) implements StripeEvent {}

    /**
     * Reads an event from a webhook body. Use {@link StripeWebhook#receive} for requests: this
     * method checks no signature, and is for bodies already verified (for instance stored after
     * receipt and read again).
     *
     * <p>Every event needs {@code id} and {@code type} (non-empty strings), {@code created} (whole
     * seconds) and {@code livemode} (a boolean). A {@code checkout.session.completed} event is
     * read as {@link CheckoutCompleted}, which documents what it needs.
     *
     * @throws BillingException {@code malformed_event} naming the field at fault when the body is
     *     not a JSON object, has duplicate keys or trailing content, or a field is missing, of the
     *     wrong type or out of range; {@code unsupported_currency} for a checkout in a currency
     *     other than USD
     */
    static StripeEvent parse(byte[] body) {
        return StripeEventReader.read(body);
    }
}
