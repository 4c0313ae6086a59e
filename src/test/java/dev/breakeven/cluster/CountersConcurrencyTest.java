package dev.breakeven.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Limits hold exactly when many threads race: reservations that fund M of N get exactly M, and at
 * no moment does a counter hold more than its limit. Threads start together on a latch; nothing
 * waits on time.
 */
@ParameterizedClass
@EnumSource(CountersUnderTest.class)
class CountersConcurrencyTest {
    static final int THREADS = 16;

    @Parameter
    CountersUnderTest implementation;

    Counters counters;
    TestClock clock = new TestClock(Instant.parse("2027-03-10T12:00:00Z"));
    ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);

    @BeforeEach
    void open() {
        counters = implementation.open();
    }

    @AfterEach
    void close() {
        pool.shutdownNow();
        CountersUnderTest.discard(counters);
    }

    static List<Window> windows() {
        return List.of(Window.MINUTE, Window.UTC_DAY, Window.UTC_MONTH);
    }

    /** Runs {@code task} on every thread at once and returns what each returned. */
    <T> List<T> race(int threads, Callable<T> task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++)
            futures.add(pool.submit(() -> {
                start.await();
                return task.call();
            }));
        start.countDown();
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) results.add(f.get());
        return results;
    }

    @ParameterizedTest
    @MethodSource("windows")
    void nParallelReservations_againstALimitThatFundsM_grantExactlyM(Window window) throws Exception {
        // 16 threads × 25 reservations of 7 tokens = 400 × 7; a limit of 1,000 funds 142 of them
        List<Integer> granted = race(THREADS, () -> {
            int leases = 0;
            for (int i = 0; i < 25; i++)
                if (counters.reserve("a:tokens", window, 7, 1_000, clock.millis()) instanceof Lease) leases++;
            return leases;
        });

        assertThat(granted.stream().mapToInt(Integer::intValue).sum()).isEqualTo(142);
        assertThat(counters.usage("a:tokens", window, 1_000, clock.millis()).used())
                .isEqualTo(994);
    }

    @ParameterizedTest
    @MethodSource("windows")
    void whileThreadsReserveSettleAndRelease_theCounterNeverHoldsMoreThanItsLimit(Window window) throws Exception {
        long limit = 500;
        AtomicBoolean working = new AtomicBoolean(true);
        AtomicLong highest = new AtomicLong();
        AtomicLong kept = new AtomicLong();
        Future<Long> watcher = pool.submit(() -> {
            long reads = 0;
            while (working.get()) {
                highest.accumulateAndGet(
                        counters.usage("a:tokens", window, limit, clock.millis())
                                .used(),
                        Math::max);
                reads++;
            }
            return reads;
        });

        List<Integer> grants = race(THREADS - 1, () -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int leases = 0;
            for (int i = 0; i < 2_000; i++) {
                long amount = 1 + random.nextInt(60);
                if (counters.reserve("a:tokens", window, amount, limit, clock.millis()) instanceof Lease lease) {
                    leases++;
                    highest.accumulateAndGet(lease.usage().used(), Math::max);
                    if (random.nextInt(4) == 0) {
                        lease.release(clock.millis());
                    } else {
                        long actual = random.nextLong(amount + 1);
                        lease.settle(actual, clock.millis());
                        kept.addAndGet(actual);
                        if (kept.get() > limit / 2) break; // keep room for the others to race on
                    }
                }
            }
            return leases;
        });
        working.set(false);

        assertThat(watcher.get()).isPositive();
        assertThat(grants.stream().mapToInt(Integer::intValue).sum()).isGreaterThan(THREADS);
        assertThat(highest.get()).isLessThanOrEqualTo(limit);
        // the clock stood still: everything given back came back, everything kept still counts
        assertThat(counters.usage("a:tokens", window, limit, clock.millis()).used())
                .isEqualTo(kept.get());
    }

    @Test
    void groupsAndSingleReservationsRacing_neverLeaveAPartOfADeniedGroupHeld() throws Exception {
        // Counters A and B (of one account) fund 100 each. Groups take one of each; singles take one of either.
        // If a denied group ever left its other part held, A or B would hold more than was granted.
        List<long[]> results = race(THREADS, () -> {
            long[] granted = new long[3]; // groups, singles on A, singles on B
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 60; i++) {
                switch (random.nextInt(3)) {
                    case 0 -> {
                        List<Claim> group = List.of(
                                new Claim("a:A", Window.UTC_DAY, 1, 100), new Claim("a:B", Window.MINUTE, 1, 100));
                        if (counters.reserveAll(group, clock.millis()) instanceof Leases) granted[0]++;
                    }
                    case 1 -> {
                        if (counters.reserve("a:A", Window.UTC_DAY, 1, 100, clock.millis()) instanceof Lease)
                            granted[1]++;
                    }
                    default -> {
                        if (counters.reserve("a:B", Window.MINUTE, 1, 100, clock.millis()) instanceof Lease)
                            granted[2]++;
                    }
                }
            }
            return granted;
        });
        long groups = results.stream().mapToLong(r -> r[0]).sum();
        long singlesA = results.stream().mapToLong(r -> r[1]).sum();
        long singlesB = results.stream().mapToLong(r -> r[2]).sum();

        assertThat(counters.usage("a:A", Window.UTC_DAY, 100, clock.millis()).used())
                .isEqualTo(groups + singlesA)
                .isEqualTo(100);
        assertThat(counters.usage("a:B", Window.MINUTE, 100, clock.millis()).used())
                .isEqualTo(groups + singlesB)
                .isEqualTo(100);
    }

    @Test
    void withTheClockMovingUnderTheRace_aBucketGrantsExactlyItsLimitPlusWhatRefilled() throws Exception {
        // 6,000 a minute = 100 a second. Every thread that is denied moves the clock 1 ms, until
        // one second has passed; then the bucket is drained. Exactly 6,000 + 100 are granted.
        long limit = 6_000;
        long end = clock.millis() + 1_000;
        List<Integer> grants = race(THREADS, () -> {
            int leases = 0;
            while (clock.millis() < end) {
                if (counters.reserve("a:requests", Window.MINUTE, 1, limit, clock.millis()) instanceof Lease) {
                    leases++;
                } else {
                    synchronized (clock) {
                        if (clock.millis() < end) clock.advance(Duration.ofMillis(1));
                    }
                }
            }
            return leases;
        });
        int drained = 0;
        while (counters.reserve("a:requests", Window.MINUTE, 1, limit, clock.millis()) instanceof Lease) drained++;

        assertThat(grants.stream().mapToInt(Integer::intValue).sum() + drained).isEqualTo(6_100);
    }
}
