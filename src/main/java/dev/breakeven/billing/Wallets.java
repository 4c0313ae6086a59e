package dev.breakeven.billing;

import dev.breakeven.ledger.AccountKind;
import dev.breakeven.ledger.Balance;
import dev.breakeven.ledger.Ledger;
import dev.breakeven.ledger.LedgerAccount;
import dev.breakeven.ledger.LedgerException;
import dev.breakeven.ledger.Money;
import dev.breakeven.ledger.StoredTransfer;
import dev.breakeven.ledger.Transfer;
import dev.breakeven.ledger.TransferResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Every account's wallet, kept in the ledger as two accounts — paid credits ({@code
 * wallet:<id>:paid}, from top-ups) and granted credits ({@code wallet:<id>:granted}, from the
 * operator) — plus what it owes ({@code receivable:<id>}). Granted credits are spent first.
 * Neither wallet account can go below zero: the ledger refuses any transfer that would take it
 * there, atomically, whatever else runs at the same time.
 */
public final class Wallets {
    static final int RESERVE_ATTEMPTS = 3;

    private final Ledger ledger;

    public Wallets(Ledger ledger) {
        this.ledger = ledger;
    }

    /**
     * Opens the account's wallet in the ledger, and the house accounts its money moves to and from
     * (idempotent, and remembered by the ledger); done by every method that writes.
     */
    public void open(String accountId) {
        ledger.open(AccountKind.PROMOTIONS.account());
        ledger.open(AccountKind.REVENUE_COMPUTE.account());
        ledger.open(paidAccount(accountId));
        ledger.open(grantedAccount(accountId));
        ledger.open(receivableAccount(accountId));
    }

    /** The wallet as committed now; zeros for an account that never had one. */
    public WalletBalance balance(String accountId) {
        long paid = 0, granted = 0, reserved = 0, owed = 0;
        for (Balance b : ledger.balances(List.of(paid(accountId), granted(accountId), receivable(accountId)))) {
            switch (b.account().kind()) {
                case USER_WALLET_PAID -> paid = b.creditBalance();
                case USER_WALLET_GRANTED -> granted = b.creditBalance();
                case USER_RECEIVABLE -> owed = b.debitBalance();
                default -> {}
            }
            if (b.account().kind() != AccountKind.USER_RECEIVABLE) reserved += b.debitsPending();
        }
        return new WalletBalance(accountId, paid, granted, reserved, owed);
    }

    /**
     * Grants credits from the promotions budget. {@code grantId} makes it idempotent: the same id
     * and amount again changes nothing.
     *
     * @return true if it was granted now, false if this grant was already there
     * @throws BillingException {@code invalid_amount} for an amount ≤ 0, {@code grant_conflict} if
     *     the id was used for another grant
     */
    public boolean grant(String accountId, long micros, String grantId, String note, long at) {
        return credit(
                AccountKind.PROMOTIONS.account(),
                grantedAccount(accountId),
                accountId,
                micros,
                "grant:" + grantId,
                "grant",
                note,
                at);
    }

    /**
     * Credits a payment to paid credits, through {@code clearing:<provider>}. Idempotent on
     * {@code paymentId}.
     *
     * @return true if it was credited now, false if this payment was already credited
     * @throws BillingException {@code invalid_amount}, {@code grant_conflict} (the payment id was
     *     credited with another amount or account)
     */
    public boolean topUp(String accountId, long micros, String provider, String paymentId, long at) {
        LedgerAccount clearing = AccountKind.PAYMENT_CLEARING.account(provider);
        ledger.open(clearing);
        return credit(
                clearing, paidAccount(accountId), accountId, micros, "topup:" + paymentId, "topup", paymentId, at);
    }

    private boolean credit(
            LedgerAccount from,
            LedgerAccount to,
            String accountId,
            long micros,
            String id,
            String code,
            String reference,
            long at) {
        if (micros <= 0)
            throw new BillingException("invalid_amount", "the amount must be positive, got " + Money.format(micros));
        open(accountId);
        TransferResult r = ledger.submit(List.of(Transfer.posted(id, from.id(), to.id(), micros, code, reference, at)))
                .get(0);
        if (r.status() != TransferResult.Status.REFUSED) return r.status() == TransferResult.Status.CREATED;
        // a retry comes at another time: the same credit to the same wallet is the same grant or payment
        Transfer stored = ledger.transfer(id).map(StoredTransfer::transfer).orElse(null);
        if (stored != null
                && stored.amount() == micros
                && stored.creditAccount().equals(to.id())
                && stored.debitAccount().equals(from.id())) {
            return false;
        }
        throw new BillingException("grant_conflict", "'" + id + "' was already used for another amount or account");
    }

    /**
     * Reserves up to {@code micros} for a generation in flight, granted credits first: pending
     * transfers {@code rsv:<turnId>:g} and {@code rsv:<turnId>:p} to {@code revenue:compute}, both
     * or neither, that time out at {@code timeoutAt}. The rater posts them with the actual cost.
     *
     * @throws BillingException {@code insufficient_funds} when the wallet's available credits are
     *     below {@code micros} (also when concurrent reservations took them first)
     */
    public void reserve(String turnId, String accountId, long micros, long at, long timeoutAt) {
        if (micros <= 0) return;
        open(accountId);
        String revenue = AccountKind.REVENUE_COMPUTE.account().id();
        for (int attempt = 1; ; attempt++) {
            long grantedFree = available(granted(accountId));
            long paidFree = available(paid(accountId));
            if (grantedFree + paidFree < micros) throw insufficient(grantedFree + paidFree, micros);
            long fromGranted = Math.min(grantedFree, micros);
            long fromPaid = micros - fromGranted;
            List<Transfer> chain = new ArrayList<>(2);
            if (fromGranted > 0) {
                chain.add(Transfer.pending(
                        reservationId(turnId, 'g'),
                        granted(accountId),
                        revenue,
                        fromGranted,
                        "reservation",
                        turnId,
                        at,
                        timeoutAt));
            }
            if (fromPaid > 0) {
                chain.add(Transfer.pending(
                        reservationId(turnId, 'p'),
                        paid(accountId),
                        revenue,
                        fromPaid,
                        "reservation",
                        turnId,
                        at,
                        timeoutAt));
            }
            List<TransferResult> results = ledger.submit(chain);
            if (results.stream().allMatch(TransferResult::ok)) return;
            boolean raced = results.stream().anyMatch(r -> "exceeds_credits".equals(r.code()));
            if (!raced)
                throw new LedgerException(results.get(0).code(), results.get(0).message());
            if (attempt == RESERVE_ATTEMPTS)
                throw insufficient(balance(accountId).available(), micros);
        }
    }

    private long available(String ledgerAccount) {
        return ledger.balance(ledgerAccount).map(Balance::available).orElse(0L);
    }

    private static BillingException insufficient(long available, long micros) {
        return new BillingException(
                "insufficient_funds",
                "This request may cost up to $" + Money.format(micros) + " and your wallet has $"
                        + Money.format(Math.max(0, available))
                        + " available. Top up your credits, or lower max_tokens.");
    }

    static String reservationId(String turnId, char leg) {
        return "rsv:" + turnId + ":" + leg;
    }

    static String paid(String accountId) {
        return paidAccount(accountId).id();
    }

    static String granted(String accountId) {
        return grantedAccount(accountId).id();
    }

    static String receivable(String accountId) {
        return receivableAccount(accountId).id();
    }

    private static LedgerAccount paidAccount(String accountId) {
        return AccountKind.USER_WALLET_PAID.account(accountId);
    }

    private static LedgerAccount grantedAccount(String accountId) {
        return AccountKind.USER_WALLET_GRANTED.account(accountId);
    }

    private static LedgerAccount receivableAccount(String accountId) {
        return AccountKind.USER_RECEIVABLE.account(accountId);
    }
}
