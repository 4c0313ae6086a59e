package dev.breakeven.billing;

import dev.breakeven.ledger.Ledger;
import dev.breakeven.ledger.Money;
import dev.breakeven.ledger.StoredTransfer;
import dev.breakeven.ledger.Transfer;
import dev.breakeven.ledger.Violation;
import dev.breakeven.metering.JournalEntry;
import dev.breakeven.metering.JournalReader;
import dev.breakeven.metering.UsageEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Proves that the journal and the ledger agree: every usage event the rater has passed is posted
 * exactly once, for the amount its price at its own time gives. Transfer ids that derive from the
 * event id make a second posting impossible; this finds an event that was skipped, and one whose
 * posted amount differs (a price inserted retroactively after rating shows up here too).
 */
public final class BillingAudit {
    private static final int PAGE = 2000;

    private final JournalReader journal;
    private final RaterCursor cursor;
    private final PriceBook prices;
    private final Ledger ledger;

    public BillingAudit(JournalReader journal, RaterCursor cursor, PriceBook prices, Ledger ledger) {
        this.journal = journal;
        this.cursor = cursor;
        this.prices = prices;
        this.ledger = ledger;
    }

    /**
     * Violations in journal order ({@code event_not_posted}, {@code event_amount_mismatch}); empty
     * when every rated event is posted right.
     *
     * @throws RuntimeException when the journal or ledger cannot be read
     */
    public List<Violation> check() {
        List<Violation> out = new ArrayList<>();
        long end = cursor.load();
        long after = 0;
        while (after < end) {
            List<JournalEntry> page = journal.after(after, PAGE);
            if (page.isEmpty()) break;
            List<UsageEvent> events = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (JournalEntry entry : page) {
                if (entry.seq() > end) break;
                after = entry.seq();
                UsageEvent e = entry.usage();
                if (e == null || e.accountId() == null) continue;
                events.add(e);
                for (String s : UsageLegs.SUFFIXES) ids.add(UsageLegs.id(e.id(), s));
            }
            Map<String, Long> posted = new HashMap<>();
            for (StoredTransfer t : ledger.transfers(ids)) {
                Transfer x = t.transfer();
                long amount = x.phase() == Transfer.Phase.VOID ? 0 : x.amount();
                posted.merge(x.reference(), amount, Long::sum);
            }
            for (UsageEvent e : events) {
                long expected = UsageCharge.of(e, prices.modelRates(e.model(), e.occurredAt()));
                long actual = posted.getOrDefault(e.id(), 0L);
                if (expected == actual) continue;
                out.add(
                        actual == 0
                                ? new Violation(
                                        "event_not_posted",
                                        "usage event " + e.id() + " costs " + Money.format(expected)
                                                + " but nothing is posted for it")
                                : new Violation(
                                        "event_amount_mismatch",
                                        "usage event " + e.id() + " costs " + Money.format(expected)
                                                + " at its price but " + Money.format(actual) + " is posted for it"));
            }
            if (page.get(page.size() - 1).seq() > end) break;
        }
        return out;
    }
}
