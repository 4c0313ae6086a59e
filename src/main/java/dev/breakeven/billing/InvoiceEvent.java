package dev.breakeven.billing;

import java.util.Set;

/**
 * A Stripe invoice event for a subscription paid by card: {@code invoice.paid} (a period's payment
 * succeeded: its amount is credited to the wallet, from which the plan is renewed) or {@code
 * invoice.payment_failed} (it failed: the subscription's grace period starts).
 *
 * @param invoiceId Stripe's invoice, {@code in_…}
 * @param accountId the Breakeven account ({@code metadata.breakeven_account} of the invoice or of its subscription)
 * @param amountPaidMicros for {@code invoice.paid}, its {@code amount_paid} (cents) in micros; 0 otherwise
 */
public record InvoiceEvent(
        String id,
        String type,
        long createdAt,
        boolean livemode,
        String invoiceId,
        String accountId,
        long amountPaidMicros)
        implements StripeEvent {

    public static final String PAID = "invoice.paid";
    public static final String PAYMENT_FAILED = "invoice.payment_failed";
    static final Set<String> TYPES = Set.of(PAID, PAYMENT_FAILED);

    public boolean paid() {
        return type.equals(PAID);
    }
}
