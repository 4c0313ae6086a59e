package dev.breakeven.plans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.testing.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The blocking way in, as the server's virtual threads use it: acquire waits for a slot, a slot is
 * released exactly once, an interrupted waiter leaves nothing behind, and the capacity is never
 * exceeded whatever many threads do at once.
 */
class SchedulerBlockingTest {
    static final String GPU = "gpu";
    static final Duration LONG = Duration.ofMinutes(5);

    final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
    final SchedulerEvents events = new SchedulerEvents();

    ComputeScheduler scheduler(int capacity, Clock clock) {
        return new ComputeScheduler(SchedulerPolicy.defaults(), Map.of(GPU, capacity), clock, events);
    }

    @Test
    void acquireReturnsAtOnceWhenASlotIsFree() throws InterruptedException {
        ComputeScheduler s = scheduler(1, clock);

        try (Slot slot = s.acquire(SlotRequest.of(GPU, "a", "pro"), LONG)) {
            assertThat(slot.queuedMillis()).isZero();
            assertThat(s.snapshot(GPU).running()).isEqualTo(1);
        }
        assertThat(s.snapshot(GPU).running()).isZero();
    }

    @Test
    void acquireWaitsUntilASlotIsReleased_andReturnsItWithTheTimeItWaited() throws Exception {
        ComputeScheduler s = scheduler(1, clock);
        Slot held = s.acquire(SlotRequest.of(GPU, "a", "pro"), LONG);
        CompletableFuture<Slot> waiter = acquireInThread(s, SlotRequest.of(GPU, "b", "pro"), LONG);
        events.awaitQueued(1);
        assertThat(waiter).isNotDone();

        clock.advance(Duration.ofMillis(1_500));
        held.close();

        Slot slot = waiter.get(10, TimeUnit.SECONDS);
        assertThat(slot.account()).isEqualTo("b");
        assertThat(slot.queuedMillis()).isEqualTo(1_500);
    }

    @Test
    void aSlotIsReleasedExactlyOnce_howeverOftenItIsClosed() {
        ComputeScheduler s = scheduler(1, clock);
        Slot held = s.offer(SlotRequest.of(GPU, "a", "pro")).slot();
        SlotTicket first = s.offer(SlotRequest.of(GPU, "b", "pro"));
        SlotTicket second = s.offer(SlotRequest.of(GPU, "c", "pro"));

        assertThat(held.release()).isTrue();
        assertThat(held.release()).isFalse();
        held.close();

        assertThat(first.state()).isEqualTo(SlotTicket.State.GRANTED);
        assertThat(second.state())
                .as("a second release must not free a second slot")
                .isEqualTo(SlotTicket.State.WAITING);
        assertThat(s.snapshot(GPU).running()).isEqualTo(1);
    }

    @Test
    void anInterruptedWaiterIsRemoved_andTheNextSlotGoesToTheOneBehindIt() throws Exception {
        ComputeScheduler s = scheduler(1, clock);
        Slot held = s.acquire(SlotRequest.of(GPU, "a", "pro"), LONG);
        Thread[] thread = new Thread[1];
        CompletableFuture<Slot> interrupted = new CompletableFuture<>();
        thread[0] = Thread.ofVirtual().start(() -> {
            try {
                interrupted.complete(s.acquire(SlotRequest.of(GPU, "b", "pro"), LONG));
            } catch (Throwable e) {
                interrupted.completeExceptionally(e);
            }
        });
        events.awaitQueued(1);
        CompletableFuture<Slot> behind = acquireInThread(s, SlotRequest.of(GPU, "c", "pro"), LONG);
        events.awaitQueued(2);

        thread[0].interrupt();

        assertThatThrownBy(() -> interrupted.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(InterruptedException.class);
        assertThat(s.snapshot(GPU).waiting()).isEqualTo(1);
        assertThat(s.snapshot(GPU).of("pro").cancelled()).isEqualTo(1);
        held.close();
        assertThat(behind.get(10, TimeUnit.SECONDS).account()).isEqualTo("c");
    }

    @Test
    void aWaiterWhoseWaitRunsOutGetsTheRefusal_withRetryAfterAndItsQueueTime() throws Exception {
        ComputeScheduler s = scheduler(1, clock);
        s.acquire(SlotRequest.of(GPU, "a", "free"), LONG);
        CompletableFuture<Slot> waiter = acquireInThread(s, SlotRequest.of(GPU, "b", "pro"), LONG);
        events.awaitQueued(1);

        clock.advance(Duration.ofSeconds(60)); // pro's maximum wait
        s.expire();

        assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOfSatisfying(SchedulerException.class, e -> {
                    assertThat(e.code()).isEqualTo(SlotRefusal.WAIT_EXPIRED);
                    assertThat(e.queued()).isEqualTo(Duration.ofSeconds(60));
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1));
                });
    }

    @Test
    void aRefusalOnArrivalIsThrownAtOnce() {
        ComputeScheduler s = scheduler(1, clock);
        s.offer(SlotRequest.of(GPU, "a", "free"));

        // the next slot is expected in 10 s, the initial hold estimate; free waits 5 s at most
        assertThatThrownBy(() -> s.acquire(SlotRequest.of(GPU, "b", "free"), LONG))
                .isInstanceOfSatisfying(SchedulerException.class, e -> {
                    assertThat(e.code()).isEqualTo(SlotRefusal.OVERLOADED);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(5)); // 10 s estimated − 5 s
                    assertThat(e.queued()).isZero();
                });
    }

    /**
     * 64 virtual threads, 100 acquisitions each, in all three classes, on 5 slots (free may hold
     * 3, free and plus 4); a tenth give up after a millisecond and a twentieth are interrupted while
     * they wait. The holders count themselves in and out: neither the capacity nor a class's share
     * is ever exceeded, and at the end every attempt is accounted for and nothing is held or queued.
     */
    @Test
    void underManyThreads_theCapacityAndTheSharesAreNeverExceeded() throws Exception {
        SchedulerPolicy patient = SchedulerPolicy.defaults()
                .withClasses(List.of(
                        new PriorityClass("free", 0, LONG, 0.6),
                        new PriorityClass("plus", 1, LONG, 0.85),
                        new PriorityClass("pro", 2, LONG, 1.0)));
        ComputeScheduler s = new ComputeScheduler(patient, Map.of(GPU, 5), Clock.systemUTC(), events);
        String[] classes = {"free", "plus", "pro"};
        AtomicInteger inUse = new AtomicInteger();
        AtomicInteger freeInUse = new AtomicInteger();
        AtomicInteger lowerInUse = new AtomicInteger(); // free and plus
        AtomicInteger mostInUse = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        AtomicLong granted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong interrupted = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 64; t++) {
            String cls = classes[t % 3];
            String account = "acct-" + t % 8;
            threads.add(Thread.ofVirtual().start(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 100; i++) {
                    Duration timeout = random.nextInt(10) == 0 ? Duration.ofMillis(1) : LONG;
                    if (random.nextInt(20) == 0) Thread.currentThread().interrupt();
                    try (Slot slot = s.acquire(SlotRequest.of(GPU, account, cls), timeout)) {
                        granted.incrementAndGet();
                        int now = inUse.incrementAndGet();
                        mostInUse.accumulateAndGet(now, Math::max);
                        boolean free = cls.equals("free");
                        boolean lower = !cls.equals("pro");
                        if (now > 5) violations.incrementAndGet();
                        if (free && freeInUse.incrementAndGet() > 3) violations.incrementAndGet();
                        if (lower && lowerInUse.incrementAndGet() > 4) violations.incrementAndGet();
                        Thread.yield();
                        if (free) freeInUse.decrementAndGet();
                        if (lower) lowerInUse.decrementAndGet();
                        inUse.decrementAndGet();
                        Thread.interrupted(); // an interrupt that came after the grant
                    } catch (SchedulerException e) {
                        refused.incrementAndGet();
                    } catch (InterruptedException e) {
                        interrupted.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread thread : threads)
            assertThat(thread.join(Duration.ofSeconds(60))).isTrue();

        assertThat(violations).hasValue(0);
        assertThat(mostInUse.get()).isBetween(1, 5);
        assertThat(granted.get() + refused.get() + interrupted.get()).isEqualTo(6_400);
        SchedulerSnapshot end = s.snapshot(GPU);
        assertThat(end.running()).isZero();
        assertThat(end.waiting()).isZero();
        assertThat(end.classes().stream()
                        .mapToLong(SchedulerSnapshot.ClassLoad::granted)
                        .sum())
                .isGreaterThanOrEqualTo(granted.get());
        assertThat(granted.get()).isGreaterThan(3_000);
        assertThat(events.queued()).as("requests that had to wait").isGreaterThan(1_000);
        assertThat(interrupted.get()).as("waiters interrupted").isPositive();
    }

    static CompletableFuture<Slot> acquireInThread(ComputeScheduler s, SlotRequest request, Duration timeout) {
        CompletableFuture<Slot> result = new CompletableFuture<>();
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        executor.submit(() -> {
            try {
                result.complete(s.acquire(request, timeout));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        executor.shutdown();
        return result;
    }
}
