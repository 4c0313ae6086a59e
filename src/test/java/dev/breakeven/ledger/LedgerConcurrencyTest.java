package dev.breakeven.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.store.Database;
import dev.breakeven.store.DatabaseSettings;
import dev.breakeven.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Randomised transfers from many threads through two ledgers on two connection pools — two
 * writers on one database, as two processes would be — then the audit: no lost update, no wallet
 * below zero, debits equal credits.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class LedgerConcurrencyTest {
    static final int THREADS = 8;
    static final int CHAINS_PER_THREAD = 250;

    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    TestDatabase.Opened opened;
    Database second;
    GroupCommitLedger first;
    GroupCommitLedger other;

    @BeforeEach
    void open() {
        opened = engine.open(dir);
        String url = opened.schema() == null
                ? "jdbc:sqlite:" + dir.resolve("test.db")
                : opened.baseUrl() + (opened.baseUrl().contains("?") ? "&" : "?") + "currentSchema=" + opened.schema();
        second = Database.open(DatabaseSettings.of(url));
        first = new GroupCommitLedger(new JdbiLedgerRepository(opened.db()), Clock.systemUTC());
        other = new GroupCommitLedger(new JdbiLedgerRepository(second), Clock.systemUTC());
    }

    @AfterEach
    void close() {
        if (first != null) first.close();
        if (other != null) other.close();
        if (second != null) second.close();
        if (opened != null) opened.close();
    }

    @Test
    void wallets_neverGoNegative_andEveryInvariantHolds_underConcurrentRandomTransfers() throws Exception {
        RandomChains.openAccounts(first);
        AtomicLong toppedUp = new AtomicLong();
        AtomicLong refusedForFunds = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            Ledger ledger = t % 2 == 0 ? first : other;
            done.add(pool.submit(() -> {
                Random random = new Random(42L + thread);
                for (int n = 0; n < CHAINS_PER_THREAD; n++) {
                    List<Transfer> chain = RandomChains.next(random, "t" + thread + "-" + n);
                    List<TransferResult> results = ledger.submit(chain);
                    if (results.stream().allMatch(TransferResult::ok)) {
                        toppedUp.addAndGet(RandomChains.toppedUp(chain));
                    } else if (results.stream().anyMatch(r -> "exceeds_credits".equals(r.code()))) {
                        refusedForFunds.incrementAndGet();
                    } else {
                        throw new AssertionError("unexpected refusal: " + results);
                    }
                    // a chain stored once is stored once: the same chain again changes nothing
                    if (n % 25 == 0 && results.stream().allMatch(TransferResult::ok)) {
                        assertThat(ledger.submit(chain))
                                .extracting(TransferResult::status)
                                .containsOnly(TransferResult.Status.EXISTS);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) f.get();
        pool.shutdown();
        first.expirePending(Long.MAX_VALUE);

        assertThat(new LedgerAudit(new JdbiLedgerRepository(opened.db())).check())
                .isEmpty();
        long wallets = 0;
        for (int i = 0; i < RandomChains.WALLETS; i++) {
            Balance b = first.balance(RandomChains.wallet(i)).orElseThrow();
            assertThat(b.creditBalance()).isNotNegative();
            assertThat(b.debitsPending()).isZero();
            wallets += b.creditBalance();
        }
        long earned = first.balance(RandomChains.REVENUE).orElseThrow().creditBalance();
        assertThat(wallets + earned).isEqualTo(toppedUp.get());
        assertThat(first.balance(RandomChains.CLEARING).orElseThrow().debitBalance())
                .isEqualTo(toppedUp.get());
        assertThat(refusedForFunds.get())
                .as("the workload must press on the limits")
                .isPositive();
    }
}
