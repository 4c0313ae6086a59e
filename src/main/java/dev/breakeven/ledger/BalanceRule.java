package dev.breakeven.ledger;

/**
 * The limit an account's balance must respect after every transfer, pending amounts included, as in
 * TigerBeetle: a transfer that would break it is refused and changes nothing.
 */
public enum BalanceRule {
    /** No limit (revenue, costs, clearing: either side may grow). */
    NONE("none"),
    /** Debits (pending and posted) never exceed posted credits: a prepaid balance never below zero. */
    DEBITS_WITHIN_CREDITS("debits_within_credits"),
    /** Credits (pending and posted) never exceed posted debits. */
    CREDITS_WITHIN_DEBITS("credits_within_debits");

    private final String wire;

    BalanceRule(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** @throws IllegalArgumentException for a name that is not a rule */
    public static BalanceRule fromWire(String wire) {
        for (BalanceRule rule : values()) if (rule.wire.equals(wire)) return rule;
        throw new IllegalArgumentException("unknown balance rule: " + wire);
    }

    /** Whether a balance with these totals respects the rule. */
    public boolean allows(long debitsPending, long debitsPosted, long creditsPending, long creditsPosted) {
        return switch (this) {
            case NONE -> true;
            case DEBITS_WITHIN_CREDITS -> debitsPending + debitsPosted <= creditsPosted;
            case CREDITS_WITHIN_DEBITS -> creditsPending + creditsPosted <= debitsPosted;
        };
    }
}
