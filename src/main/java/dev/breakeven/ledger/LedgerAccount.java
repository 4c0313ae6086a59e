package dev.breakeven.ledger;

import java.util.Objects;

/**
 * An account of the ledger. Build one from the chart ({@link AccountKind#account(String)}); its
 * balance rule is its kind's.
 *
 * @param id unique id such as {@code wallet:acc_01…:paid} or {@code revenue:compute}
 * @param kind its place in the chart of accounts
 * @param owner whose it is (an account, advertiser, business, publisher or provider id), null for house accounts
 */
public record LedgerAccount(String id, AccountKind kind, String owner) {
    public LedgerAccount {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
    }

    public BalanceRule rule() {
        return kind.rule();
    }
}
