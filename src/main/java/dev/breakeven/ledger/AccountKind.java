package dev.breakeven.ledger;

/**
 * The chart of accounts: every ledger account has one of these kinds, which fixes its id pattern,
 * its balance rule and the side on which it normally grows. Accounts owned by someone (a user, an
 * advertiser, a business, a publisher, a payment provider) carry the owner's id in their own id;
 * house accounts exist once. docs/ledger.md explains each kind and the flows between them.
 */
public enum AccountKind {
    /** What a user paid in (top-ups): spent on usage; never below zero. */
    USER_WALLET_PAID("wallet:%s:paid", BalanceRule.DEBITS_WITHIN_CREDITS, Side.CREDIT),
    /** Credits granted by the operator (promotions, goodwill): spent before paid credits; never below zero. */
    USER_WALLET_GRANTED("wallet:%s:granted", BalanceRule.DEBITS_WITHIN_CREDITS, Side.CREDIT),
    /** What a postpaid user owes for usage not covered by the wallet: settled by invoice. */
    USER_RECEIVABLE("receivable:%s", BalanceRule.NONE, Side.DEBIT),
    /** An advertiser's prepaid budget: spent on impressions and clicks; never below zero. */
    ADVERTISER_PREPAID("advertiser:%s:prepaid", BalanceRule.DEBITS_WITHIN_CREDITS, Side.CREDIT),
    /** A business's balance for messaging and agents; never below zero. */
    BUSINESS_BALANCE("business:%s:balance", BalanceRule.DEBITS_WITHIN_CREDITS, Side.CREDIT),
    /** Money received through a payment provider and not yet settled to the bank. */
    PAYMENT_CLEARING("clearing:%s", BalanceRule.NONE, Side.DEBIT),
    /** What is owed to a publisher for paid content, until paid out. */
    PUBLISHER_PAYOUTS("payouts:%s", BalanceRule.NONE, Side.CREDIT),
    REVENUE_SUBSCRIPTIONS("revenue:subscriptions", BalanceRule.NONE, Side.CREDIT),
    REVENUE_COMPUTE("revenue:compute", BalanceRule.NONE, Side.CREDIT),
    REVENUE_ADS("revenue:ads", BalanceRule.NONE, Side.CREDIT),
    REVENUE_MESSAGING("revenue:messaging", BalanceRule.NONE, Side.CREDIT),
    REVENUE_CONTENT("revenue:content", BalanceRule.NONE, Side.CREDIT),
    /** Cost of revenue: GPU time or an API's token price per answer. */
    COST_INFERENCE("cost:inference", BalanceRule.NONE, Side.DEBIT),
    /** Cost of revenue: training spread over the model's life. */
    COST_TRAINING_AMORTISATION("cost:training_amortisation", BalanceRule.NONE, Side.DEBIT),
    /** Costs incurred and not yet paid (GPU providers, model APIs): the other side of the costs. */
    COSTS_PAYABLE("payable:costs", BalanceRule.NONE, Side.CREDIT),
    /** Granted credits are a marketing expense: the other side of every grant. */
    PROMOTIONS("expense:promotions", BalanceRule.NONE, Side.DEBIT);

    /** The side on which an account of this kind grows in normal use. */
    public enum Side {
        DEBIT,
        CREDIT
    }

    private final String pattern;
    private final BalanceRule rule;
    private final Side normalSide;

    AccountKind(String pattern, BalanceRule rule, Side normalSide) {
        this.pattern = pattern;
        this.rule = rule;
        this.normalSide = normalSide;
    }

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public BalanceRule rule() {
        return rule;
    }

    public Side normalSide() {
        return normalSide;
    }

    public boolean owned() {
        return pattern.contains("%s");
    }

    /**
     * This kind's account for {@code owner} (ignored for house accounts).
     *
     * @throws IllegalArgumentException when an owned kind gets a blank owner or one with ':'
     */
    public LedgerAccount account(String owner) {
        if (!owned()) return new LedgerAccount(pattern, this, null);
        if (owner == null || owner.isBlank() || owner.indexOf(':') >= 0) {
            throw new IllegalArgumentException(wire() + " needs an owner id without ':'");
        }
        return new LedgerAccount(pattern.formatted(owner), this, owner);
    }

    /** This house account ({@code revenue:compute}, …). @throws IllegalStateException for an owned kind */
    public LedgerAccount account() {
        if (owned()) throw new IllegalStateException(wire() + " needs an owner");
        return new LedgerAccount(pattern, this, null);
    }

    /** @throws IllegalArgumentException for a name that is not a kind */
    public static AccountKind fromWire(String wire) {
        for (AccountKind kind : values()) if (kind.wire().equals(wire)) return kind;
        throw new IllegalArgumentException("unknown account kind: " + wire);
    }
}
