package dev.breakeven.billing;

import dev.breakeven.ledger.AccountKind;
import dev.breakeven.ledger.Balance;
import dev.breakeven.ledger.Ledger;
import dev.breakeven.ledger.Money;
import dev.breakeven.ledger.Transfer;
import dev.breakeven.ledger.TransferResult;
import java.math.BigInteger;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Plan fees, paid from the wallet into {@code revenue:subscriptions}. A change of plan mid-month
 * is charged for what is left of the month (UTC): the new plan's fee, prorated, less what the old
 * plan's fee covers of the same time; a cheaper plan takes effect at once and refunds nothing.
 * Granted credits pay first, then paid credits, in one linked chain whose ids derive from the
 * change id, so a retried change is charged once.
 */
public final class Subscriptions {
    static final String CODE = "subscription";

    private final Ledger ledger;
    private final Wallets wallets;

    public Subscriptions(Ledger ledger, Wallets wallets) {
        this.ledger = ledger;
        this.wallets = wallets;
        ledger.open(AccountKind.REVENUE_SUBSCRIPTIONS.account());
    }

    /** What a change from a plan of {@code oldFee} to one of {@code newFee} a month costs at {@code now}. */
    public static long prorated(long newFee, long oldFee, long now) {
        YearMonth month = YearMonth.from(Instant.ofEpochMilli(now).atZone(ZoneOffset.UTC));
        long start = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        long end = month.plusMonths(1)
                .atDay(1)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant()
                .toEpochMilli();
        long difference = newFee - oldFee;
        if (difference <= 0) return 0;
        // exact: a fee times a month of milliseconds can exceed a long
        return BigInteger.valueOf(difference)
                .multiply(BigInteger.valueOf(end - now))
                .divide(BigInteger.valueOf(end - start))
                .longValueExact();
    }

    /**
     * Charges a change of plan to the account's wallet.
     *
     * @param changeId unique per change (the same id again charges nothing more)
     * @return the amount charged for this change, in micros (0 for a cheaper or free plan)
     * @throws BillingException {@code insufficient_funds} when the wallet cannot pay it (nothing is charged)
     */
    public long change(String accountId, String planId, long newFee, long oldFee, String changeId, long now) {
        long charge = prorated(newFee, oldFee, now);
        if (charge == 0) return 0;
        return charge(accountId, planId, charge, changeId, now);
    }

    /**
     * Charges {@code amount} of a plan's fee to the account's wallet, granted credits first, exactly
     * once per {@code chargeId}: if a charge with this id was made before (by this process or
     * another), nothing more is charged and its amount is returned.
     *
     * @return the amount charged for {@code chargeId}, now or before
     * @throws BillingException {@code insufficient_funds} when the wallet cannot pay it (nothing is charged)
     */
    public long charge(String accountId, String planId, long amount, String chargeId, long now) {
        long before = charged(chargeId);
        if (before > 0 || amount == 0) return before;
        wallets.open(accountId);
        String revenue = AccountKind.REVENUE_SUBSCRIPTIONS.account().id();
        long granted = available(Wallets.granted(accountId));
        long paid = available(Wallets.paid(accountId));
        if (granted + paid < amount) {
            long concurrent = charged(chargeId); // made meanwhile (by another node): what it took is gone
            if (concurrent > 0) return concurrent;
            throw new BillingException(
                    "insufficient_funds",
                    "The plan '" + planId + "' costs $" + Money.format(amount) + " now and the wallet has $"
                            + Money.format(Math.max(0, granted + paid)) + " available. Top up the credits first.");
        }
        long fromGranted = Math.min(granted, amount);
        List<Transfer> chain = new ArrayList<>();
        if (fromGranted > 0) {
            chain.add(Transfer.posted(
                    grantedLeg(chargeId), Wallets.granted(accountId), revenue, fromGranted, CODE, planId, now));
        }
        if (amount > fromGranted) {
            chain.add(Transfer.posted(
                    paidLeg(chargeId), Wallets.paid(accountId), revenue, amount - fromGranted, CODE, planId, now));
        }
        List<TransferResult> results = ledger.submit(chain);
        if (results.stream().allMatch(TransferResult::ok)) return amount;
        long concurrent = charged(chargeId); // another node charged the same id meanwhile
        if (concurrent > 0) return concurrent;
        throw new BillingException(
                "insufficient_funds",
                "The wallet changed while the plan was being paid; nothing was charged. Try again.");
    }

    /** What the charge {@code chargeId} took from the wallet, or 0 if it was never made. */
    public long charged(String chargeId) {
        return ledger.transfers(List.of(grantedLeg(chargeId), paidLeg(chargeId))).stream()
                .mapToLong(t -> t.transfer().amount())
                .sum();
    }

    private static String grantedLeg(String chargeId) {
        return "sub:" + chargeId + ":g";
    }

    private static String paidLeg(String chargeId) {
        return "sub:" + chargeId + ":p";
    }

    private long available(String ledgerAccount) {
        return ledger.balance(ledgerAccount).map(Balance::available).orElse(0L);
    }
}
