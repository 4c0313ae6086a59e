package dev.breakeven.app;

import dev.breakeven.billing.BillingAudit;
import dev.breakeven.billing.Invoicing;
import dev.breakeven.billing.JdbiInvoiceRepository;
import dev.breakeven.billing.JdbiPriceRepository;
import dev.breakeven.billing.JdbiRaterCursor;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.Rater;
import dev.breakeven.billing.Wallets;
import dev.breakeven.ledger.GroupCommitLedger;
import dev.breakeven.ledger.JdbiLedgerRepository;
import dev.breakeven.ledger.LedgerAudit;
import dev.breakeven.ledger.Violation;
import dev.breakeven.metering.JdbiJournalRepository;
import dev.breakeven.store.Database;
import dev.breakeven.store.Ids;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The money parts over one open database — ledger, price book, wallets, rater — built the same way
 * by the server and by the commands that work on the data directly.
 */
final class Books implements AutoCloseable {
    final JdbiJournalRepository journal;
    final JdbiLedgerRepository ledgerRepository;
    final GroupCommitLedger ledger;
    final PriceBook prices;
    final Wallets wallets;
    final JdbiRaterCursor cursor;
    final Rater rater;
    final JdbiInvoiceRepository invoices;
    final Clock clock;

    Books(Database db, Clock clock, PriceBook prices, Rater.Settings raterSettings) {
        this.clock = clock;
        this.journal = new JdbiJournalRepository(db);
        this.ledgerRepository = new JdbiLedgerRepository(db);
        this.ledger = new GroupCommitLedger(ledgerRepository, clock);
        this.prices = prices;
        this.wallets = new Wallets(ledger);
        this.cursor = new JdbiRaterCursor(db);
        this.rater = new Rater(journal, cursor, prices, ledger, wallets, clock, raterSettings);
        this.invoices = new JdbiInvoiceRepository(db);
    }

    Invoicing invoicing() {
        return new Invoicing(ledger, journal, prices, invoices);
    }

    /** For commands: prices read fresh, the rater's default settings. */
    static Books forCommand(Database db) {
        Clock clock = Clock.systemUTC();
        PriceBook prices = new PriceBook(new JdbiPriceRepository(db.jdbi()), new Ids(clock), clock, Duration.ZERO);
        return new Books(db, clock, prices, Rater.Settings.defaults());
    }

    /** Every broken invariant of the ledger and of its agreement with the journal, ledger's first. */
    List<Violation> audit() {
        List<Violation> out = new ArrayList<>(new LedgerAudit(ledgerRepository).check());
        out.addAll(new BillingAudit(journal, cursor, prices, ledger).check());
        return out;
    }

    @Override
    public void close() {
        rater.close();
        ledger.close();
    }
}
