package dev.breakeven.billing;

import java.util.Locale;

/**
 * A {@code checkout.session.completed} event: a customer finished a Stripe Checkout session,
 * typically to buy prepaid credits for a Breakeven account.
 *
 * <p>What it credits: only a session whose payment status is {@link PaymentStatus#PAID} adds money
 * to the account's wallet, and then exactly {@link #amountMicros()} ({@link #creditMicros()} says
 * so). {@link PaymentStatus#UNPAID} (a delayed payment method, such as a bank debit, that has not
 * succeeded yet) and {@link PaymentStatus#NO_PAYMENT_REQUIRED} (e.g. a 100% discount) sessions are
 * acknowledged and credit nothing.
 *
 * @param id the event id, {@code evt_…}
 * @param sessionId the Checkout session, {@code cs_…}; a session completes once, so crediting
 *     keyed by it (or by the event id) happens at most once
 * @param accountId the Breakeven account: the session's {@code client_reference_id}, or else its
 *     {@code metadata.breakeven_account}
 * @param amountMicros the session's {@code amount_total} (in cents) in micros: cents × 10,000
 * @param currency always {@code "USD"} for now (other currencies are refused)
 * @param customerEmail {@code customer_details.email}, or else {@code customer_email}; null if
 *     Stripe sent neither
 * @param planId the plan the session pays for ({@code metadata.breakeven_plan}), or null for a plain top-up
 */
public record CheckoutCompleted(
        String id,
        long createdAt,
        boolean livemode,
        String sessionId,
        String accountId,
        long amountMicros,
        String currency,
        PaymentStatus paymentStatus,
        String customerEmail,
        String planId)
        implements StripeEvent {

    /** The Stripe event type this record reads. */
    public static final String TYPE = "checkout.session.completed";

    @Override
    public String type() {
        return TYPE;
    }

    /** Micros to add to the account's wallet: the amount when paid, otherwise zero. */
    public long creditMicros() {
        return paymentStatus == PaymentStatus.PAID ? amountMicros : 0;
    }

    /** A Checkout session's {@code payment_status}. */
    public enum PaymentStatus {
        PAID,
        UNPAID,
        NO_PAYMENT_REQUIRED;

        /** As Stripe writes it: {@code paid}, {@code unpaid}, {@code no_payment_required}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The status Stripe calls {@code text}, or null if there is none of that name. */
        static PaymentStatus fromWire(String text) {
            for (PaymentStatus status : values()) {
                if (status.wireName().equals(text)) return status;
            }
            return null;
        }
    }
}
