package dev.breakeven.billing;

import dev.breakeven.ledger.AccountKind;
import dev.breakeven.ledger.Balance;
import dev.breakeven.ledger.Ledger;
import dev.breakeven.ledger.StoredTransfer;
import dev.breakeven.ledger.TransferQuery;
import dev.breakeven.metering.JournalReader;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Makes invoices from the ledger, so their totals are the ledger's. An account's invoice for a
 * month bills its transfers that occurred before the month's end and that no earlier invoice
 * billed; it records which transfers those are, in the same transaction that numbers it. A late
 * event of a month already invoiced is charged on the account's next invoice, never lost and
 * never twice.
 *
 * <p>Lines: usage by model (posted usage charges, with the journal's token counts), corrections
 * (reversals that credit the account), then the granted and prepaid credits applied. The total due
 * is what the account owes on its receivable for those transfers.
 */
public final class Invoicing {
    private final Ledger ledger;
    private final InvoiceRepository invoices;
    private final InvoiceLines lines;

    public Invoicing(Ledger ledger, JournalReader journal, PriceBook prices, InvoiceRepository invoices) {
        this.ledger = ledger;
        this.invoices = invoices;
        this.lines = new InvoiceLines(journal, prices);
    }

    /**
     * Issues the period's invoice of every account with something to bill, or returns the one
     * already issued: running a period twice changes nothing.
     *
     * @param names the account's display name for its id
     * @param now epoch millis of issue
     * @throws BillingException {@code period_not_over} when the period has not ended at {@code now}
     */
    public List<IssuedInvoice> run(YearMonth period, UnaryOperator<String> names, long now) {
        long end = endOf(period);
        if (now < end) {
            throw new BillingException(
                    "period_not_over",
                    "the period " + period + " has not ended (it ends " + Instant.ofEpochMilli(end)
                            + "): preview it as a draft");
        }
        List<IssuedInvoice> out = new ArrayList<>();
        int year = Instant.ofEpochMilli(now).atZone(ZoneOffset.UTC).getYear();
        for (String account : accounts()) {
            Optional<IssuedInvoice> issued = invoices.find(account, period.toString());
            if (issued.isPresent()) {
                out.add(issued.get());
                continue;
            }
            if (unbilled(account, end).isEmpty()) continue;
            out.add(invoices.issue(account, period.toString(), year, seq -> {
                List<StoredTransfer> billed = unbilled(account, end);
                Invoice invoice = Invoice.of(
                        number(year, seq),
                        account,
                        names.apply(account),
                        period,
                        now,
                        lines.of(account, startOf(period), billed));
                return new InvoiceRepository.Issue(
                        issued(invoice), billed.stream().map(StoredTransfer::id).toList());
            }));
        }
        return out;
    }

    /**
     * The account's invoice for the period as it would be issued now, not numbered and not stored;
     * also for a period not yet over.
     *
     * @return empty when there is nothing to bill
     */
    public Optional<Invoice> draft(String account, String name, YearMonth period, long now) {
        List<StoredTransfer> billed = unbilled(account, endOf(period));
        if (billed.isEmpty()) return Optional.empty();
        return Optional.of(Invoice.of(
                "DRAFT-" + period + "-" + account,
                account,
                name,
                period,
                Math.max(now, startOf(period)),
                lines.of(account, startOf(period), billed)));
    }

    /** Every account that has a wallet or a receivable: those that can have something to bill. */
    public List<String> accounts() {
        List<String> out = new ArrayList<>();
        for (Balance b : ledger.balancesOfKind(AccountKind.USER_RECEIVABLE))
            out.add(b.account().owner());
        return out;
    }

    static String number(int year, int seq) {
        return "INV-%04d-%06d".formatted(year, seq);
    }

    /** The account's billable transfers that occurred before {@code end} and are on no invoice yet. */
    private List<StoredTransfer> unbilled(String account, long end) {
        List<StoredTransfer> billable = new ArrayList<>();
        for (StoredTransfer t : ledger.transfers(TransferQuery.ofOwner(account, Long.MIN_VALUE, end))) {
            if (InvoiceLines.billable(account, t.transfer())) billable.add(t);
        }
        Set<String> billed =
                invoices.billed(billable.stream().map(StoredTransfer::id).toList());
        billable.removeIf(t -> billed.contains(t.id()));
        return billable;
    }

    private static IssuedInvoice issued(Invoice invoice) {
        Map<InvoiceFormat, byte[]> docs = new EnumMap<>(InvoiceFormat.class);
        for (InvoiceFormat f : InvoiceFormat.values()) docs.put(f, f.render(invoice));
        return new IssuedInvoice(
                invoice.number(),
                invoice.accountId(),
                invoice.period().toString(),
                invoice.periodEnd(),
                invoice.issuedAt(),
                invoice.subtotalMicros(),
                invoice.creditsAppliedMicros(),
                invoice.totalDueMicros(),
                docs);
    }

    static long startOf(YearMonth period) {
        return period.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    static long endOf(YearMonth period) {
        return startOf(period.plusMonths(1));
    }
}
