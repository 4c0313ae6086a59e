package dev.breakeven.billing;

import dev.breakeven.ledger.AccountKind;
import dev.breakeven.ledger.StoredTransfer;
import dev.breakeven.ledger.Transfer;
import dev.breakeven.metering.JournalReader;
import dev.breakeven.metering.UsageEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Turns the transfers an invoice holds into its lines. */
final class InvoiceLines {
    private final JournalReader journal;
    private final PriceBook prices;

    InvoiceLines(JournalReader journal, PriceBook prices) {
        this.journal = journal;
        this.prices = prices;
    }

    /** Usage of one model in one invoice. */
    private static final class ModelUsage {
        long input;
        long output;
        long amount;
        ModelRates rates;
        boolean oneRate = true;
    }

    /**
     * Whether the transfer belongs on the account's invoices: a posted usage charge to one of its
     * wallets or its receivable, or a correction that credits one of them.
     */
    static boolean billable(String account, Transfer t) {
        if (t.phase() != Transfer.Phase.POSTED && t.phase() != Transfer.Phase.POST) return false;
        if (UsageLegs.CODE.equals(t.code()) || Subscriptions.CODE.equals(t.code()))
            return owns(account, t.debitAccount());
        return "correction".equals(t.code()) && owns(account, t.creditAccount());
    }

    List<InvoiceLine> of(String account, long periodStart, List<StoredTransfer> billed) {
        Map<String, Long> charged = new HashMap<>(); // event id -> amount
        Map<String, Long> subscriptions = new TreeMap<>(); // plan id -> amount
        long grantedUsed = 0, paidUsed = 0;
        List<InvoiceLine> corrections = new ArrayList<>();
        for (StoredTransfer st : billed) {
            Transfer t = st.transfer();
            if (!billable(account, t)) continue;
            if (Subscriptions.CODE.equals(t.code())) {
                subscriptions.merge(t.reference(), t.amount(), Long::sum);
                switch (kindOf(account, t.debitAccount())) {
                    case USER_WALLET_GRANTED -> grantedUsed += t.amount();
                    case USER_WALLET_PAID -> paidUsed += t.amount();
                    default -> {}
                }
            } else if (UsageLegs.CODE.equals(t.code())) {
                charged.merge(t.reference(), t.amount(), Long::sum);
                switch (kindOf(account, t.debitAccount())) {
                    case USER_WALLET_GRANTED -> grantedUsed += t.amount();
                    case USER_WALLET_PAID -> paidUsed += t.amount();
                    default -> {}
                }
            } else {
                corrections.add(InvoiceLine.adjustment("Correction of " + t.reference(), -t.amount()));
                switch (kindOf(account, t.creditAccount())) {
                    case USER_WALLET_GRANTED -> grantedUsed -= t.amount();
                    case USER_WALLET_PAID -> paidUsed -= t.amount();
                    default -> {}
                }
            }
        }
        List<InvoiceLine> out = new ArrayList<>();
        subscriptions.forEach(
                (plan, amount) -> out.add(InvoiceLine.subscription("Plan " + plan + " (prorated)", 1, amount)));
        out.addAll(usage(charged, periodStart));
        out.addAll(corrections);
        if (grantedUsed > 0) out.add(InvoiceLine.credit("Granted credits applied", grantedUsed));
        if (paidUsed > 0) out.add(InvoiceLine.credit("Prepaid credits applied", paidUsed));
        return out;
    }

    private List<InvoiceLine> usage(Map<String, Long> charged, long periodStart) {
        Map<String, ModelUsage> byModel = new TreeMap<>();
        Set<String> found = new LinkedHashSet<>();
        for (UsageEvent e : journal.events(charged.keySet())) {
            found.add(e.id());
            String key = (e.occurredAt() < periodStart ? "1 " : "0 ") + e.model();
            ModelUsage u = byModel.computeIfAbsent(key, k -> new ModelUsage());
            u.input += e.promptTokens();
            u.output += e.completionTokens();
            u.amount += charged.get(e.id());
            ModelRates rates = prices.modelRates(e.model(), e.occurredAt());
            if (u.rates == null) u.rates = rates;
            else if (!u.rates.equals(rates)) u.oneRate = false;
        }
        List<InvoiceLine> out = new ArrayList<>();
        for (var entry : byModel.entrySet()) {
            String model = entry.getKey().substring(2);
            boolean late = entry.getKey().startsWith("1");
            ModelUsage u = entry.getValue();
            out.add(InvoiceLine.usage(
                    "Usage of " + model + (late ? " (from earlier periods, recorded late)" : ""),
                    model,
                    u.input,
                    u.output,
                    u.oneRate ? u.rates.inputPerMillion() : null,
                    u.oneRate ? u.rates.outputPerMillion() : null,
                    u.amount));
        }
        long unknown = 0;
        for (var c : charged.entrySet()) if (!found.contains(c.getKey())) unknown += c.getValue();
        if (unknown != 0) out.add(InvoiceLine.adjustment("Usage charges without a journal event", unknown));
        return out;
    }

    private static boolean owns(String account, String ledgerAccount) {
        return kindOf(account, ledgerAccount) != null;
    }

    private static AccountKind kindOf(String account, String ledgerAccount) {
        if (ledgerAccount.equals(Wallets.granted(account))) return AccountKind.USER_WALLET_GRANTED;
        if (ledgerAccount.equals(Wallets.paid(account))) return AccountKind.USER_WALLET_PAID;
        if (ledgerAccount.equals(Wallets.receivable(account))) return AccountKind.USER_RECEIVABLE;
        return null;
    }
}
