package dev.breakeven.ledger;

import java.util.ArrayList;
import java.util.List;

/**
 * Proves the ledger's own invariants from what is stored: every account's totals equal the sums of
 * its transfers; all debits equal all credits, posted and pending; every account respects its
 * balance rule (no wallet below zero). At most one resolution per pending transfer and one
 * transfer per id are enforced by unique indexes and need no check.
 */
public final class LedgerAudit {
    private final LedgerRepository repository;

    public LedgerAudit(LedgerRepository repository) {
        this.repository = repository;
    }

    /**
     * Every violation found, in a stable order (by account id, then by kind of check); empty when
     * the ledger is sound.
     *
     * @throws RuntimeException when the database cannot be read
     */
    public List<Violation> check() {
        List<Violation> out = new ArrayList<>();
        long[] sums = new long[4];
        for (LedgerRepository.AuditRow row : repository.auditRows()) {
            Balance s = row.stored();
            Balance r = row.recomputed();
            if (!sameTotals(s, r)) {
                out.add(new Violation(
                        "balance_mismatch",
                        "account " + s.account().id() + " stores " + totals(s) + " but its transfers sum to "
                                + totals(r)));
            }
            if (!s.respectsRule()) {
                out.add(new Violation(
                        "rule_broken",
                        "account " + s.account().id() + " breaks its rule "
                                + s.account().rule().wire() + ": " + totals(s)));
            }
            sums[0] += s.debitsPending();
            sums[1] += s.debitsPosted();
            sums[2] += s.creditsPending();
            sums[3] += s.creditsPosted();
        }
        if (sums[1] != sums[3]) {
            out.add(new Violation(
                    "unbalanced", "posted debits total " + sums[1] + " but posted credits total " + sums[3]));
        }
        if (sums[0] != sums[2]) {
            out.add(new Violation(
                    "unbalanced", "pending debits total " + sums[0] + " but pending credits total " + sums[2]));
        }
        return out;
    }

    private static boolean sameTotals(Balance a, Balance b) {
        return a.debitsPending() == b.debitsPending()
                && a.debitsPosted() == b.debitsPosted()
                && a.creditsPending() == b.creditsPending()
                && a.creditsPosted() == b.creditsPosted();
    }

    private static String totals(Balance b) {
        return "debits " + b.debitsPosted() + " posted + " + b.debitsPending() + " pending, credits "
                + b.creditsPosted() + " posted + " + b.creditsPending() + " pending";
    }
}
