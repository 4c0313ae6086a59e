package dev.breakeven.billing;

import dev.breakeven.billing.RaterCrashTest.Moment;
import dev.breakeven.ledger.GroupCommitLedger;
import dev.breakeven.ledger.JdbiLedgerRepository;
import dev.breakeven.metering.JdbiJournalRepository;
import dev.breakeven.store.Database;
import dev.breakeven.store.DatabaseSettings;
import dev.breakeven.store.Ids;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.transaction.DelegatingTransactionHandler;
import org.jdbi.v3.core.transaction.TransactionHandler;

/**
 * The rater in a JVM of its own, for {@link RaterCrashTest} to kill: the real parts the server
 * builds (group-commit ledger with its default settings, price book, wallets, cursor), rating the
 * database's journal in small batches until it is drained.
 *
 * <p>Arguments: the JDBC URL and the rater's batch size. Prints {@code rating} when it starts to
 * rate and {@code drained <rows>} when the journal is drained, then exits 0.
 *
 * <p>The test can ask it to stop at a moment: a line {@code hold <moment>} on its standard input
 * arms it, and the next time the rater reaches that moment the thread there prints {@code held
 * <moment> <n>} and blocks until the process is killed (or its standard input ends: the test is
 * gone, and it halts with status 3 without going on). Nothing of the rater runs meanwhile, since
 * the rater's thread waits for the held one, so the process stays exactly at that moment:
 *
 * <ul>
 *   <li>{@link Moment#LEDGER_TRANSACTION_OPEN}: the ledger writer's transaction has written its
 *       batch and is about to commit; {@code n} is the number of ledger transfers that
 *       transaction sees, its own uncommitted ones included.
 *   <li>{@link Moment#LEDGER_COMMITTED_CURSOR_NOT}: the rater has its pass's transfers back from
 *       the ledger (so they are committed) and is about to save the cursor; {@code n} is the seq it
 *       is about to save.
 * </ul>
 */
public final class RaterProcess {
    /** The thread of {@link GroupCommitLedger} that runs every ledger transaction. */
    private static final String LEDGER_WRITER = "ledger-writer";

    /** The moment the test asked for and not yet reached, or null. */
    private static volatile Moment armed;

    /** Released when standard input ends: the test that would kill this process is gone. */
    private static final CountDownLatch orphaned = new CountDownLatch(1);

    private RaterProcess() {}

    public static void main(String[] args) {
        String url = args[0];
        int batchSize = Integer.parseInt(args[1]);
        Clock clock = Clock.systemUTC();
        Thread.ofPlatform().daemon().name("commands").start(RaterProcess::readCommands);
        try (Database db = Database.open(DatabaseSettings.of(url));
                GroupCommitLedger ledger = new GroupCommitLedger(new JdbiLedgerRepository(db), clock)) {
            db.jdbi().setTransactionHandler(new HoldBeforeLedgerCommit(db.jdbi().getTransactionHandler()));
            PriceBook prices = new PriceBook(new JdbiPriceRepository(db.jdbi()), new Ids(clock), clock);
            Rater rater = new Rater(
                    new JdbiJournalRepository(db),
                    new HoldBeforeSave(new JdbiRaterCursor(db)),
                    prices,
                    ledger,
                    new Wallets(ledger),
                    clock,
                    new Rater.Settings(batchSize, Duration.ofMillis(10), Duration.ofSeconds(10)));
            System.out.println("rating");
            System.out.println("drained " + rater.drain());
        }
    }

    /** Reads {@code hold <moment>} lines until standard input ends. */
    private static void readCommands() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("hold ")) armed = Moment.valueOf(line.substring("hold ".length()));
            }
        } catch (IOException e) {
            // treated as the end of input
        }
        orphaned.countDown();
    }

    /**
     * If {@code moment} is armed: disarms it, prints {@code held <moment> <n>} and blocks this
     * thread for good. The test kills the process while it blocks; if the test is gone instead,
     * the process halts here, so the moment is never passed.
     */
    private static void holdIf(Moment moment, LongSupplier n) {
        if (armed != moment) return;
        armed = null;
        System.out.println("held " + moment + " " + n.getAsLong());
        System.out.flush();
        while (true) {
            try {
                orphaned.await();
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException e) {
                // only the end of input or a kill ends the hold
            }
        }
    }

    /** JDBI's transactions, held at {@link Moment#LEDGER_TRANSACTION_OPEN} before the ledger writer commits. */
    private static final class HoldBeforeLedgerCommit extends DelegatingTransactionHandler {
        HoldBeforeLedgerCommit(TransactionHandler delegate) {
            super(delegate);
        }

        @Override
        public TransactionHandler specialize(Handle handle) throws SQLException {
            return new HoldBeforeLedgerCommit(getDelegate().specialize(handle));
        }

        @Override
        public void commit(Handle handle) {
            if (Thread.currentThread().getName().equals(LEDGER_WRITER)) {
                holdIf(Moment.LEDGER_TRANSACTION_OPEN, () -> handle.createQuery("SELECT COUNT(*) FROM ledger_transfers")
                        .mapTo(Long.class)
                        .one());
            }
            super.commit(handle);
        }
    }

    /** The rater's cursor, held at {@link Moment#LEDGER_COMMITTED_CURSOR_NOT} before it is saved. */
    private record HoldBeforeSave(RaterCursor cursor) implements RaterCursor {
        @Override
        public long load() {
            return cursor.load();
        }

        @Override
        public void save(long seq, long now) {
            holdIf(Moment.LEDGER_COMMITTED_CURSOR_NOT, () -> seq);
            cursor.save(seq, now);
        }
    }
}
