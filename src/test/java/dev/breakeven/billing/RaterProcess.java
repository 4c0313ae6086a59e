package dev.breakeven.billing;

import dev.breakeven.ledger.GroupCommitLedger;
import dev.breakeven.ledger.JdbiLedgerRepository;
import dev.breakeven.metering.JdbiJournalRepository;
import dev.breakeven.store.Database;
import dev.breakeven.store.DatabaseSettings;
import dev.breakeven.store.Ids;
import java.time.Clock;
import java.time.Duration;

/**
 * The rater in a JVM of its own, for {@link RaterCrashTest} to kill: the real parts the server
 * builds (group-commit ledger with its default settings, price book, wallets, cursor), rating the
 * database's journal in small batches until it is drained.
 *
 * <p>Arguments: the JDBC URL and the rater's batch size. Prints {@code rating} when it starts to
 * rate and {@code drained <rows>} when the journal is drained, then exits 0.
 */
public final class RaterProcess {
    private RaterProcess() {}

    public static void main(String[] args) {
        String url = args[0];
        int batchSize = Integer.parseInt(args[1]);
        Clock clock = Clock.systemUTC();
        try (Database db = Database.open(DatabaseSettings.of(url));
                GroupCommitLedger ledger = new GroupCommitLedger(new JdbiLedgerRepository(db), clock)) {
            PriceBook prices = new PriceBook(new JdbiPriceRepository(db.jdbi()), new Ids(clock), clock);
            Rater rater = new Rater(
                    new JdbiJournalRepository(db),
                    new JdbiRaterCursor(db),
                    prices,
                    ledger,
                    new Wallets(ledger),
                    clock,
                    new Rater.Settings(batchSize, Duration.ofMillis(10), Duration.ofSeconds(10)));
            System.out.println("rating");
            System.out.println("drained " + rater.drain());
        }
    }
}
