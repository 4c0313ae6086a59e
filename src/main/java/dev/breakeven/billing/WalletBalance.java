package dev.breakeven.billing;

/**
 * What an account holds and owes, in micros.
 *
 * @param accountId the account
 * @param paid paid credits (top-ups) not yet spent, reservations not deducted
 * @param granted granted credits not yet spent, reservations not deducted
 * @param reserved held by generations in flight
 * @param owed usage not covered by the wallet (postpaid), to be invoiced
 */
public record WalletBalance(String accountId, long paid, long granted, long reserved, long owed) {
    /** What the next generation can reserve: paid and granted credits less reservations. */
    public long available() {
        return paid + granted - reserved;
    }
}
