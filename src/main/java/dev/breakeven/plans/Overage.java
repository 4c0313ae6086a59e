package dev.breakeven.plans;

import java.util.Locale;

/**
 * What a plan does with a request once an allowance (tokens per day or per month) is used up.
 *
 * @param policy refuse it, pay for it from the wallet at price-book rates, or serve it with another model
 * @param downgradeModel for {@link Policy#DOWNGRADE}: the model that serves it; null otherwise
 */
public record Overage(Policy policy, String downgradeModel) {

    public enum Policy {
        REFUSE,
        WALLET,
        DOWNGRADE;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final Overage REFUSE = new Overage(Policy.REFUSE, null);
    public static final Overage WALLET = new Overage(Policy.WALLET, null);

    public Overage {
        if (policy == null) throw new IllegalArgumentException("an overage policy is required");
        if ((policy == Policy.DOWNGRADE) != (downgradeModel != null)) {
            throw new IllegalArgumentException("downgrade names a model, and only downgrade does");
        }
    }

    /**
     * Reads {@code refuse}, {@code wallet} or {@code downgrade:<model>}.
     *
     * @throws IllegalArgumentException naming what was expected
     */
    public static Overage parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.equals("refuse")) return REFUSE;
        if (t.equals("wallet")) return WALLET;
        if (t.startsWith("downgrade:") && t.length() > "downgrade:".length()) {
            return new Overage(Policy.DOWNGRADE, t.substring("downgrade:".length()));
        }
        throw new IllegalArgumentException("overage must be refuse, wallet or downgrade:<model>, got '" + text + "'");
    }

    public String wire() {
        return policy == Policy.DOWNGRADE ? "downgrade:" + downgradeModel : policy.wire();
    }
}
