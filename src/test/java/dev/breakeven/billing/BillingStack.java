package dev.breakeven.billing;

import dev.breakeven.ledger.GroupCommitLedger;
import dev.breakeven.ledger.JdbiLedgerRepository;
import dev.breakeven.ledger.LedgerAudit;
import dev.breakeven.ledger.Violation;
import dev.breakeven.metering.JdbiJournalRepository;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.store.Ids;
import dev.breakeven.testing.TestClock;
import dev.breakeven.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The real billing parts over one test database, with a clock the test moves. */
final class BillingStack implements AutoCloseable {
    static final long T0 = 1_790_000_000_000L;

    final TestDatabase.Opened opened;
    final TestClock clock = new TestClock(Instant.ofEpochMilli(T0));
    final JdbiJournalRepository journal;
    final JdbiLedgerRepository ledgerRepository;
    final GroupCommitLedger ledger;
    final PriceBook prices;
    final Wallets wallets;
    final JdbiRaterCursor cursor;
    final Rater rater;

    BillingStack(TestDatabase engine, Path dir) {
        opened = engine.open(dir);
        journal = new JdbiJournalRepository(opened.db());
        ledgerRepository = new JdbiLedgerRepository(opened.db());
        ledger = new GroupCommitLedger(
                ledgerRepository, clock, new GroupCommitLedger.Settings(2048, 100_000, 3, Duration.ZERO));
        prices = new PriceBook(new JdbiPriceRepository(opened.db().jdbi()), new Ids(clock), clock, Duration.ZERO);
        wallets = new Wallets(ledger);
        cursor = new JdbiRaterCursor(opened.db());
        rater = new Rater(
                journal,
                cursor,
                prices,
                ledger,
                wallets,
                clock,
                new Rater.Settings(500, Duration.ofMillis(50), Duration.ofSeconds(10)));
    }

    /** Sets a model's prices in micros per million tokens, in force from {@code from}. */
    void price(String model, long input, long output, long from) {
        prices.set(PriceKind.MODEL_INPUT, model, input, from, null);
        prices.set(PriceKind.MODEL_OUTPUT, model, output, from, null);
    }

    static UsageEvent usage(
            String id, String account, String model, long in, long out, long at, UsageEvent.Outcome outcome) {
        return new UsageEvent(
                id, at, account, "key_1", model, "b", "m", in, out, false, 5, 10, outcome, false, null, -1, false);
    }

    void append(UsageEvent... events) {
        journal.insertBatch(List.of(events), clock.millis());
    }

    /** Every violation of the ledger's and billing's invariants. */
    List<Violation> audit() {
        List<Violation> out = new ArrayList<>(new LedgerAudit(ledgerRepository).check());
        out.addAll(new BillingAudit(journal, cursor, prices, ledger).check());
        return out;
    }

    long transferCount() {
        return opened.db().jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM ledger_transfers")
                .mapTo(Long.class)
                .one());
    }

    @Override
    public void close() {
        rater.close();
        ledger.close();
        opened.close();
    }
}
