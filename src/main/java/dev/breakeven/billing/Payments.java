package dev.breakeven.billing;

import java.util.Optional;
import java.util.function.Function;

/**
 * Top-ups and plan payments through a Stripe-compatible webhook: verifies the signature, reads the
 * event, and for a paid {@code checkout.session.completed} or an {@code invoice.paid} credits the
 * amount to the account's paid credits — once per event id, however often Stripe delivers it —
 * then tells {@link PlanPayments}: a checkout that names a plan ({@code metadata.breakeven_plan})
 * buys it from the wallet, any payment renews a subscription that is due, and an {@code
 * invoice.payment_failed} starts a subscription's grace period. Other event types are acknowledged
 * and ignored.
 */
public final class Payments {
    /** The clearing account's provider name: {@code clearing:stripe}. */
    public static final String PROVIDER = "stripe";

    private final StripeWebhook webhook;
    private final Wallets wallets;
    private final Function<String, Optional<String>> accounts;
    private final PlanPayments plans;

    /**
     * @param accounts the account id for the id or name a checkout session carries, if there is one
     * @param plans what payments mean for plans
     */
    public Payments(
            StripeWebhook webhook, Wallets wallets, Function<String, Optional<String>> accounts, PlanPayments plans) {
        this.webhook = webhook;
        this.wallets = wallets;
        this.accounts = accounts;
        this.plans = plans;
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
     * @param plan what the event did to the account's plan ({@code plan_changed}, {@code renewed},
     *     {@code past_due}, an error code when a plan could not be bought…), or null
     */
    public record Receipt(
            String eventId, String type, String outcome, String accountId, long amountMicros, String plan) {}

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
        return switch (event) {
            case CheckoutCompleted checkout -> checkout(checkout);
            case InvoiceEvent invoice -> invoice(invoice);
            case StripeEvent.Other other -> new Receipt(event.id(), event.type(), "ignored", null, 0, null);
        };
    }

    private Receipt checkout(CheckoutCompleted checkout) {
        if (checkout.creditMicros() == 0)
            return new Receipt(checkout.id(), checkout.type(), "not_paid", checkout.accountId(), 0, null);
        String account = account(checkout.accountId(), "checkout session " + checkout.sessionId());
        boolean credited =
                wallets.topUp(account, checkout.creditMicros(), PROVIDER, checkout.id(), checkout.createdAt());
        String plan = checkout.planId() == null
                ? plans.paid(account)
                : plans.planBought(account, checkout.planId(), checkout.id());
        return receipt(checkout, account, credited, checkout.creditMicros(), plan);
    }

    private Receipt invoice(InvoiceEvent invoice) {
        String account = account(invoice.accountId(), "invoice " + invoice.invoiceId());
        if (!invoice.paid()) {
            return new Receipt(
                    invoice.id(),
                    invoice.type(),
                    "payment_failed",
                    account,
                    0,
                    plans.paymentFailed(account, invoice.createdAt()));
        }
        if (invoice.amountPaidMicros() == 0)
            return new Receipt(invoice.id(), invoice.type(), "not_paid", account, 0, plans.paid(account));
        boolean credited =
                wallets.topUp(account, invoice.amountPaidMicros(), PROVIDER, invoice.id(), invoice.createdAt());
        return receipt(invoice, account, credited, invoice.amountPaidMicros(), plans.paid(account));
    }

    private static Receipt receipt(StripeEvent event, String account, boolean credited, long amount, String plan) {
        return new Receipt(
                event.id(), event.type(), credited ? "credited" : "duplicate", account, credited ? amount : 0, plan);
    }

    private String account(String reference, String what) {
        return accounts.apply(reference)
                .orElseThrow(() -> new BillingException(
                        "unknown_account", what + " names account '" + reference + "', which does not exist here"));
    }
}
