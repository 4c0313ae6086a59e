package dev.breakeven.ledger;

import dev.breakeven.ledger.Transfer.Phase;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies chains of transfers, one after another, to balances loaded (and locked) for one database
 * transaction. Pure: it only changes its own maps, and what it created and which balances changed
 * are then written by the repository in the same transaction. A chain is applied whole or not at
 * all: a refusal undoes what the chain's earlier transfers did.
 */
final class TransferBatch {
    private static final int MAX_ID = 200;
    private static final int MAX_CODE = 64;
    private static final int MAX_REFERENCE = 500;

    /** An account's totals while the batch runs. */
    static final class Totals {
        final LedgerAccount account;
        long debitsPending;
        long debitsPosted;
        long creditsPending;
        long creditsPosted;
        boolean changed;

        Totals(Balance balance) {
            this.account = balance.account();
            this.debitsPending = balance.debitsPending();
            this.debitsPosted = balance.debitsPosted();
            this.creditsPending = balance.creditsPending();
            this.creditsPosted = balance.creditsPosted();
        }

        Balance balance() {
            return new Balance(account, debitsPending, debitsPosted, creditsPending, creditsPosted);
        }

        boolean respectsRule() {
            return account.rule().allows(debitsPending, debitsPosted, creditsPending, creditsPosted);
        }

        void add(long dPending, long dPosted, long cPending, long cPosted) {
            debitsPending = Math.addExact(debitsPending, dPending);
            debitsPosted = Math.addExact(debitsPosted, dPosted);
            creditsPending = Math.addExact(creditsPending, cPending);
            creditsPosted = Math.addExact(creditsPosted, cPosted);
            changed = true;
        }
    }

    /** Something done by a transfer of the current chain, kept so that a refusal can undo it. */
    private record Step(Totals debit, Totals credit, long[] delta, String createdId, String resolvedPending) {}

    private static final class Refusal extends RuntimeException {
        final String code;

        Refusal(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    private final Map<String, Totals> accounts = new HashMap<>();
    private final Map<String, StoredTransfer> stored;
    private final Map<String, Phase> resolutions;
    private final long now;
    private final List<StoredTransfer> created = new ArrayList<>();

    /**
     * @param balances the accounts the batch may touch (any other is "not found")
     * @param stored transfers already stored whose ids the batch names (as ids or pending ids)
     * @param resolutions for each pending id the batch names that is already resolved, how
     * @param now epoch millis of the batch (recorded time; pending timeouts are checked against it)
     */
    TransferBatch(
            Collection<Balance> balances,
            Map<String, StoredTransfer> stored,
            Map<String, Phase> resolutions,
            long now) {
        for (Balance b : balances) accounts.put(b.account().id(), new Totals(b));
        this.stored = new HashMap<>(stored);
        this.resolutions = new HashMap<>(resolutions);
        this.now = now;
    }

    /** Transfers created by the chains applied so far, in order. */
    List<StoredTransfer> created() {
        return created;
    }

    /** Accounts whose totals changed. */
    List<Balance> changed() {
        List<Balance> out = new ArrayList<>();
        for (Totals t : accounts.values()) if (t.changed) out.add(t.balance());
        return out;
    }

    List<TransferResult> apply(List<Transfer> chain) {
        List<Step> steps = new ArrayList<>();
        List<TransferResult> results = new ArrayList<>(chain.size());
        String chainId = chain.size() > 1 ? chain.get(0).id() : null;
        for (int i = 0; i < chain.size(); i++) {
            Transfer t = chain.get(i);
            try {
                results.add(applyOne(t, chainId, steps));
            } catch (Refusal r) {
                undo(steps);
                return refuseChain(chain, i, r);
            } catch (ArithmeticException e) {
                undo(steps);
                return refuseChain(chain, i, new Refusal("overflow", "the transfer would overflow a balance"));
            }
        }
        return results;
    }

    private TransferResult applyOne(Transfer t, String chainId, List<Step> steps) {
        validate(t);
        StoredTransfer existing = stored.get(t.id());
        if (existing != null) {
            if (t.sameAs(existing.transfer())) return TransferResult.exists(t.id());
            throw new Refusal("exists_with_different_content", "transfer " + t.id() + " exists with different content");
        }
        Step step =
                switch (t.phase()) {
                    case POSTED, PENDING -> move(t);
                    case POST, VOID -> resolve(t);
                };
        steps.add(step);
        StoredTransfer row = new StoredTransfer(
                t.resolved(step.debit().account.id(), step.credit().account.id(), step.delta()[4]), now, chainId);
        stored.put(t.id(), row);
        created.add(row);
        return TransferResult.created(t.id());
    }

    private Step move(Transfer t) {
        if (t.debitAccount() == null || t.creditAccount() == null) {
            throw new Refusal("invalid_transfer", "transfer " + t.id() + " needs a debit and a credit account");
        }
        if (t.debitAccount().equals(t.creditAccount())) {
            throw new Refusal("accounts_must_differ", "transfer " + t.id() + " debits and credits the same account");
        }
        if (t.amount() <= 0) throw new Refusal("invalid_transfer", "transfer " + t.id() + " needs a positive amount");
        if (t.timeoutAt() < 0 || (t.phase() == Phase.POSTED && t.timeoutAt() != 0)) {
            throw new Refusal("invalid_transfer", "transfer " + t.id() + " has a timeout it cannot use");
        }
        Totals debit = account(t.debitAccount());
        Totals credit = account(t.creditAccount());
        boolean pending = t.phase() == Phase.PENDING;
        long a = t.amount();
        long[] delta = pending ? new long[] {a, 0, a, 0, a} : new long[] {0, a, 0, a, a};
        return applyDelta(t, debit, credit, delta, null);
    }

    private Step resolve(Transfer t) {
        if (t.pendingId() == null)
            throw new Refusal("invalid_transfer", "transfer " + t.id() + " names no pending transfer");
        StoredTransfer found = stored.get(t.pendingId());
        if (found == null || found.transfer().phase() != Phase.PENDING) {
            throw new Refusal("pending_not_found", "pending transfer " + t.pendingId() + " does not exist");
        }
        Transfer p = found.transfer();
        Phase resolution = resolutions.get(p.id());
        if (resolution == Phase.POST)
            throw new Refusal("pending_already_posted", "pending transfer " + p.id() + " is already posted");
        if (resolution == Phase.VOID)
            throw new Refusal("pending_already_voided", "pending transfer " + p.id() + " is already voided");
        if ((t.debitAccount() != null && !t.debitAccount().equals(p.debitAccount()))
                || (t.creditAccount() != null && !t.creditAccount().equals(p.creditAccount()))) {
            throw new Refusal(
                    "invalid_transfer", "transfer " + t.id() + " names other accounts than its pending transfer");
        }
        boolean post = t.phase() == Phase.POST;
        if (post && p.timeoutAt() > 0 && now >= p.timeoutAt()) {
            throw new Refusal("pending_expired", "pending transfer " + p.id() + " timed out");
        }
        if (post && (t.amount() < 0 || t.amount() > p.amount())) {
            throw new Refusal(
                    "exceeds_pending_amount",
                    "transfer " + t.id() + " posts more than pending transfer " + p.id() + " holds");
        }
        if (!post && t.amount() != 0 && t.amount() != p.amount()) {
            throw new Refusal("invalid_transfer", "a void releases the whole pending amount: give 0 or " + p.amount());
        }
        long posted = post ? t.amount() : 0;
        long[] delta = {-p.amount(), posted, -p.amount(), posted, post ? posted : p.amount()};
        Step step = applyDelta(t, account(p.debitAccount()), account(p.creditAccount()), delta, p.id());
        resolutions.put(p.id(), t.phase());
        return step;
    }

    /** delta: debit pending, debit posted (= credit pending, credit posted on the other side), stored amount. */
    private Step applyDelta(Transfer t, Totals debit, Totals credit, long[] delta, String resolvedPending) {
        debit.add(delta[0], delta[1], 0, 0);
        credit.add(0, 0, delta[2], delta[3]);
        Step step = new Step(debit, credit, delta, t.id(), resolvedPending);
        boolean debitOk = debit.respectsRule();
        if (!debitOk || !credit.respectsRule()) {
            undoStep(step);
            Totals broken = debitOk ? credit : debit;
            if (broken.account.rule() == BalanceRule.DEBITS_WITHIN_CREDITS) {
                throw new Refusal(
                        "exceeds_credits", "transfer " + t.id() + " would take " + broken.account.id() + " below zero");
            }
            throw new Refusal(
                    "exceeds_debits",
                    "transfer " + t.id() + " would take " + broken.account.id() + " beyond its debits");
        }
        return step;
    }

    private void undo(List<Step> steps) {
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step step = steps.get(i);
            undoStep(step);
            stored.remove(step.createdId());
            created.remove(created.size() - 1);
            if (step.resolvedPending() != null) resolutions.remove(step.resolvedPending());
        }
    }

    private static void undoStep(Step step) {
        long[] d = step.delta();
        step.debit().add(-d[0], -d[1], 0, 0);
        step.credit().add(0, 0, -d[2], -d[3]);
    }

    private Totals account(String id) {
        Totals t = accounts.get(id);
        if (t == null) throw new Refusal("account_not_found", "ledger account " + id + " does not exist");
        return t;
    }

    private static void validate(Transfer t) {
        if (t.id().isBlank() || t.id().length() > MAX_ID)
            throw new Refusal("invalid_transfer", "a transfer id must have 1 to " + MAX_ID + " characters");
        if (t.code().isBlank() || t.code().length() > MAX_CODE)
            throw new Refusal(
                    "invalid_transfer", "transfer " + t.id() + " needs a code of 1 to " + MAX_CODE + " characters");
        if (t.reference() != null && t.reference().length() > MAX_REFERENCE)
            throw new Refusal(
                    "invalid_transfer",
                    "transfer " + t.id() + " has a reference over " + MAX_REFERENCE + " characters");
        for (String s :
                new String[] {t.id(), t.code(), t.reference(), t.debitAccount(), t.creditAccount(), t.pendingId()}) {
            if (s != null && s.indexOf('\0') >= 0)
                throw new Refusal("invalid_transfer", "transfer fields cannot hold NUL characters");
        }
    }

    /**
     * Refusals for a chain that must not reach the database at all (a field PostgreSQL cannot
     * store, an id too long to index), or null when the chain may be queued.
     */
    static List<TransferResult> refuseBeforeStorage(List<Transfer> chain) {
        for (int i = 0; i < chain.size(); i++) {
            try {
                validate(chain.get(i));
            } catch (Refusal r) {
                return refuseChain(chain, i, r);
            }
        }
        return null;
    }

    private static List<TransferResult> refuseChain(List<Transfer> chain, int failed, Refusal refusal) {
        List<TransferResult> out = new ArrayList<>(chain.size());
        for (int i = 0; i < chain.size(); i++) {
            String id = chain.get(i).id();
            out.add(
                    i == failed
                            ? TransferResult.refused(id, refusal.code, refusal.getMessage())
                            : TransferResult.refused(
                                    id,
                                    "linked_transfer_failed",
                                    "transfer " + chain.get(failed).id() + " of the same chain was refused: "
                                            + refusal.getMessage()));
        }
        return out;
    }
}
