package dev.breakeven.billing;

import java.util.Optional;
import java.util.function.Function;

/**
 * Top-ups through a Stripe-compatible webhook: verifies the signature, reads the event, and for a
 * paid {@code checkout.session.completed} credits the amount to the account's paid credits — once
 * per event id, however often Stripe delivers it. Other event types are acknowledged and ignored.
 */
public final class Payments {
    /** The clearing account's provider name: {@code clearing:stripe}. */
    public static final String PROVIDER = "stripe";

    private final StripeWebhook webhook;
    private final Wallets wallets;
    private final Function<String, Optional<String>> accounts;

    /** @param accounts the account id for the id or name a checkout session carries, if there is one */
    public Payments(StripeWebhook webhook, Wallets wallets, Function<String, Optional<String>> accounts) {
        this.webhook = webhook;
        this.wallets = wallets;
        this.accounts = accounts;
    }

    /**
     * What became of one delivery.
     *
     * @param eventId Stripe's event id
     * @param type the event type
     * @param outcome {@code credited}, {@code duplicate} (credited by an earlier delivery), {@code
     *     not_paid} (a completed session whose payment is not settled), or {@code ignored} (another type)
     * @param accountId the account credited, or null
     * @param amountMicros the amount credited now, 0 otherwise
     */
    public record Receipt(String eventId, String type, String outcome, String accountId, long amountMicros) {}

    /**
     * Handles one webhook delivery.
     *
     * @throws BillingException {@code signature_missing}, {@code signature_malformed}, {@code
     *     signature_mismatch}, {@code signature_expired} (nothing is read from an unverified body),
     *     {@code malformed_event}, {@code unsupported_currency}, {@code unknown_account} (the
     *     session names no account of this Breakeven), {@code grant_conflict} (the event id was
     *     credited with another amount or account)
     */
    public Receipt receive(byte[] body, String signatureHeader) {
        StripeEvent event = webhook.receive(body, signatureHeader);
        if (!(event instanceof CheckoutCompleted checkout)) {
            return new Receipt(event.id(), event.type(), "ignored", null, 0);
        }
        if (checkout.creditMicros() == 0)
            return new Receipt(event.id(), event.type(), "not_paid", checkout.accountId(), 0);
        Optional<String> account = accounts.apply(checkout.accountId());
        if (account.isEmpty()) {
            throw new BillingException(
                    "unknown_account",
                    "checkout session " + checkout.sessionId() + " names account '" + checkout.accountId()
                            + "', which does not exist here");
        }
        boolean credited =
                wallets.topUp(account.get(), checkout.creditMicros(), PROVIDER, event.id(), checkout.createdAt());
        return new Receipt(
                event.id(),
                event.type(),
                credited ? "credited" : "duplicate",
                account.get(),
                credited ? checkout.creditMicros() : 0);
    }
}
