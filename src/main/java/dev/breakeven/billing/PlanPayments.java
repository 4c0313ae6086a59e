package dev.breakeven.billing;

/**
 * What a payment means for an account's plan, told by {@link Payments} once the money is in the
 * wallet (or a payment failed). Implemented where plans live; billing knows no plans. Each method
 * answers with a short outcome for the webhook's receipt, and must be safe to call again for the
 * same event (Stripe delivers events more than once).
 */
public interface PlanPayments {

    /**
     * A checkout paid for {@code planId}: move the account to it, paying from the wallet, once per
     * event (a redelivery after the account changed plan again must not move it back). A plan that
     * cannot be bought is not an error of the delivery: the money stays in the wallet and the
     * outcome says why.
     *
     * @return {@code plan_changed}, or the refusal's code ({@code insufficient_funds}, {@code plan_not_found}…)
     */
    String planBought(String accountId, String planId, String eventId);

    /** Money arrived: renew a subscription that is due or past due. @return the outcome, or null when nothing was due */
    String paid(String accountId);

    /**
     * A payment for the account's plan failed at {@code failedAt} (epoch ms). A failure older than the
     * subscription's last change (a renewal or plan change since) is stale and changes nothing.
     *
     * @return the outcome, or null when the account has no subscription
     */
    String paymentFailed(String accountId, long failedAt);
}
