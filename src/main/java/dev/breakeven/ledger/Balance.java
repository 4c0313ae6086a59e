package dev.breakeven.ledger;

/**
 * An account's totals, as stored beside it and kept equal to the sum of its transfers.
 *
 * @param account the account
 * @param debitsPending debits reserved by pending transfers not yet posted or voided
 * @param debitsPosted debits posted
 * @param creditsPending credits reserved by pending transfers
 * @param creditsPosted credits posted
 */
public record Balance(
        LedgerAccount account, long debitsPending, long debitsPosted, long creditsPending, long creditsPosted) {

    /** Credits minus debits, posted only: what a credit-normal account (a wallet) holds. */
    public long creditBalance() {
        return creditsPosted - debitsPosted;
    }

    /** Debits minus credits, posted only: what a debit-normal account (a receivable, a cost) holds. */
    public long debitBalance() {
        return debitsPosted - creditsPosted;
    }

    /** What a credit-normal account can still spend: posted credits less posted and pending debits. */
    public long available() {
        return creditsPosted - debitsPosted - debitsPending;
    }

    /** The balance on the account's normal side. */
    public long normalBalance() {
        return account.kind().normalSide() == AccountKind.Side.CREDIT ? creditBalance() : debitBalance();
    }

    public boolean respectsRule() {
        return account.rule().allows(debitsPending, debitsPosted, creditsPending, creditsPosted);
    }
}
