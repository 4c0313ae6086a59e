package dev.breakeven.billing;

import static dev.breakeven.billing.PriceKind.MODEL_INPUT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.store.Ids;
import dev.breakeven.testing.TestClock;
import dev.breakeven.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Several threads and several instances (as several nodes) on one price book. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class PriceBookConcurrencyTest {
    static final Instant NOW = Instant.parse("2026-06-15T12:00:00Z");

    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    TestDatabase.Opened opened;
    TestClock clock;
    ExecutorService pool;

    @BeforeEach
    void open() {
        opened = engine.open(dir);
        clock = new TestClock(NOW);
        pool = Executors.newFixedThreadPool(6);
    }

    @AfterEach
    void close() {
        pool.shutdownNow();
        if (opened != null) opened.close();
    }

    PriceBook newBook(Duration maxAge) {
        return new PriceBook(new JdbiPriceRepository(opened.db().jdbi()), new Ids(clock), clock, maxAge);
    }

    @Test
    void lookupsDuringSets_onlyEverSeeStoredPrices_andNeverGoBackInTime() throws Exception {
        PriceBook writer = newBook(Duration.ofSeconds(1));
        PriceBook readerNode = newBook(Duration.ZERO); // reloads as often as it can: the most interleaving
        writer.set(MODEL_INPUT, "assistant", 1, 0, null);
        int versions = 60;
        long at = clock.millis();
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch go = new CountDownLatch(1);

        List<Future<Long>> readers = new ArrayList<>();
        for (PriceBook book : List.of(writer, writer, readerNode, readerNode)) {
            readers.add(pool.submit(() -> {
                go.await();
                long last = 0;
                long lookups = 0;
                while (!done.get() || lookups == 0) {
                    long micros = book.modelRates("assistant", at).inputPerMillion();
                    assertThat(micros).isBetween(1L, (long) versions);
                    assertThat(micros).as("a newer price, once seen, stays").isGreaterThanOrEqualTo(last);
                    last = micros;
                    lookups++;
                }
                return lookups;
            }));
        }
        Future<?> sets = pool.submit((Callable<Void>) () -> {
            go.await();
            try {
                // each version is in force from a later instant, all in the past: the latest set wins
                for (int v = 2; v <= versions; v++) writer.set(MODEL_INPUT, "assistant", v, v, null);
            } finally {
                done.set(true);
            }
            return null;
        });
        go.countDown();

        sets.get(120, TimeUnit.SECONDS);
        for (Future<Long> r : readers) assertThat(r.get(120, TimeUnit.SECONDS)).isPositive();
        assertThat(writer.modelRates("assistant", at).inputPerMillion()).isEqualTo(versions);
        assertThat(readerNode.modelRates("assistant", at).inputPerMillion()).isEqualTo(versions);
        assertThat(writer.history(MODEL_INPUT, "assistant")).hasSize(versions);
    }

    @Test
    void twoNodesSettingTheSameInstant_withTheSameAmount_storeOneRow() throws Exception {
        List<Price> stored =
                race(List.of(newBook(Duration.ofSeconds(1)), newBook(Duration.ofSeconds(1))), 150_000, 150_000);

        assertThat(stored).hasSize(2);
        assertThat(stored.get(0)).isEqualTo(stored.get(1));
        assertThat(newBook(Duration.ZERO).history(null, null)).containsExactly(stored.get(0));
    }

    @Test
    void twoNodesSettingTheSameInstant_withOtherAmounts_oneWins_andTheOtherIsRefused() throws Exception {
        List<Price> stored =
                race(List.of(newBook(Duration.ofSeconds(1)), newBook(Duration.ofSeconds(1))), 150_000, 160_000);

        assertThat(stored).hasSize(1);
        assertThat(newBook(Duration.ZERO).history(null, null)).containsExactly(stored.get(0));
    }

    /** Both books set assistant's input price for the same instant at once; returns what was stored. */
    private List<Price> race(List<PriceBook> books, long first, long second) throws Exception {
        CountDownLatch ready = new CountDownLatch(2);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Price>> futures = new ArrayList<>();
        long[] amounts = {first, second};
        for (int i = 0; i < 2; i++) {
            PriceBook book = books.get(i);
            long micros = amounts[i];
            futures.add(pool.submit(() -> {
                ready.countDown();
                go.await();
                try {
                    return book.set(MODEL_INPUT, "assistant", micros, 1_000, null);
                } catch (PriceException e) {
                    assertThat(e.code()).isEqualTo("price_exists");
                    return null;
                }
            }));
        }
        assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
        go.countDown();
        List<Price> stored = new ArrayList<>();
        for (Future<Price> f : futures) {
            Price p = f.get(60, TimeUnit.SECONDS);
            if (p != null) stored.add(p);
        }
        return stored;
    }
}
