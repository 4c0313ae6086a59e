package dev.breakeven.plans;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Free work can never hold all of a backend: with the suggested policy free holds at most half of
 * it, free and plus together 85%, so paid requests find a slot at once unless paid work fills the
 * rest, every slot released while paid work waits goes to it, and under saturation it is free
 * requests that are refused.
 */
class SchedulerHeadroomTest {
    static final String GPU = "gpu";

    final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
    /** Capacity 10: free may hold 5, free and plus together 8, everyone 10. */
    final ComputeScheduler s = new ComputeScheduler(SchedulerPolicy.defaults(), Map.of(GPU, 10), clock);

    SlotTicket offer(String account, String cls) {
        return s.offer(SlotRequest.of(GPU, account, cls));
    }

    List<SlotTicket> flood(String cls, int n) {
        List<SlotTicket> tickets = new ArrayList<>();
        for (int i = 0; i < n; i++) tickets.add(offer(cls + "-" + i % 7, cls));
        return tickets;
    }

    static long count(List<SlotTicket> tickets, SlotTicket.State state) {
        return tickets.stream().filter(t -> t.state() == state).count();
    }

    @Test
    void theSuggestedSharesGiveEachClassItsSlots() {
        SchedulerSnapshot snapshot = s.snapshot(GPU);

        assertThat(snapshot.classes())
                .extracting(SchedulerSnapshot.ClassLoad::name, SchedulerSnapshot.ClassLoad::slots)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("free", 5),
                        org.assertj.core.groups.Tuple.tuple("plus", 8),
                        org.assertj.core.groups.Tuple.tuple("pro", 10));
    }

    @Test
    void freeWorkStopsAtItsShare_leavingSlotsIdleForPaidWork() {
        List<SlotTicket> free = flood("free", 100);

        assertThat(count(free, SlotTicket.State.GRANTED)).isEqualTo(5);
        assertThat(count(free, SlotTicket.State.REFUSED)).isPositive();
        assertThat(s.snapshot(GPU).running()).isEqualTo(5);
    }

    @Test
    void aPaidRequestArrivingWhileFreeWorkHoldsAllItMay_getsASlotAtOnce() {
        flood("free", 100);

        SlotTicket plus = offer("p", "plus");
        SlotTicket pro = offer("q", "pro");

        assertThat(plus.state()).isEqualTo(SlotTicket.State.GRANTED);
        assertThat(plus.slot().queuedMillis()).isZero();
        assertThat(pro.state()).isEqualTo(SlotTicket.State.GRANTED);
    }

    @Test
    void plusStopsAtItsShareToo_keepingTheLastSlotsForPro() {
        flood("free", 100);
        List<SlotTicket> plus = flood("plus", 5);

        assertThat(count(plus, SlotTicket.State.GRANTED)).isEqualTo(3); // 5 free + 3 plus = 85% of 10
        assertThat(count(plus, SlotTicket.State.WAITING)).isEqualTo(2);
        assertThat(offer("q", "pro").state()).isEqualTo(SlotTicket.State.GRANTED);
        assertThat(offer("r", "pro").state()).isEqualTo(SlotTicket.State.GRANTED);
    }

    @Test
    void whenPaidWorkWaits_everyReleasedSlot_evenAFreeOne_goesToPaidWork_proFirst() {
        List<Slot> free = flood("free", 5).stream().map(SlotTicket::slot).toList();
        flood("pro", 5);
        List<SlotTicket> freeWaiting = flood("free", 3);
        SlotTicket plus = offer("p", "plus");
        SlotTicket pro = offer("q", "pro");
        assertThat(plus.state()).isEqualTo(SlotTicket.State.WAITING);
        assertThat(pro.state()).isEqualTo(SlotTicket.State.WAITING);

        free.get(0).release();
        assertThat(pro.state()).isEqualTo(SlotTicket.State.GRANTED);
        assertThat(plus.state()).isEqualTo(SlotTicket.State.WAITING);
        free.get(1).release();
        assertThat(plus.state()).isEqualTo(SlotTicket.State.GRANTED);

        assertThat(count(freeWaiting, SlotTicket.State.GRANTED)).isZero();
    }

    @Test
    void aLowerClassNeverTakesTheLastSlotsEvenWhenNobodyElseWaits() {
        flood("free", 5);
        flood("plus", 3);

        assertThat(offer("late", "free").state()).isNotEqualTo(SlotTicket.State.GRANTED);
        assertThat(offer("late", "plus").state()).isNotEqualTo(SlotTicket.State.GRANTED);
        assertThat(s.snapshot(GPU).running()).isEqualTo(8);
    }

    /**
     * Ten times more free work than the backend can serve, from 50 accounts at random, and paid work
     * of a fifth of it (4 of the 10 slots kept for paid work): for ten simulated minutes no paid
     * request waits or is refused, free ones are refused by the thousand, and free never holds more
     * than its 10 slots.
     */
    @Test
    void underTenfoldFreeOverload_paidRequestsAreNeverRefusedAndNeverWait() {
        ComputeScheduler big = new ComputeScheduler(SchedulerPolicy.defaults(), Map.of(GPU, 20), clock);
        Random random = new Random(7);
        // every generation holds its slot 2 s; the simulation moves in steps of 100 ms
        Deque<Slot> running = new ArrayDeque<>();
        List<SlotTicket> waiting = new ArrayList<>();
        long paidOffered = 0;
        int freeMostHeld = 0;
        for (int step = 0; step < 6_000; step++) {
            clock.advance(Duration.ofMillis(100));
            while (!running.isEmpty() && running.peek().grantedAtMillis() <= clock.millis() - 2_000)
                running.poll().release();
            // capacity 20 / 2 s = 10 generations a second; free asks 100 a second, paid 2
            for (int i = 0; i < 10; i++)
                waiting.add(big.offer(SlotRequest.of(GPU, "free-" + random.nextInt(50), "free")));
            if (step % 5 == 0) {
                String cls = step % 10 == 0 ? "plus" : "pro";
                SlotTicket paid = big.offer(SlotRequest.of(GPU, "paid-" + random.nextInt(10), cls));
                paidOffered++;
                assertThat(paid.state()).as("paid request %d", paidOffered).isEqualTo(SlotTicket.State.GRANTED);
                running.add(paid.slot());
            }
            for (var it = waiting.iterator(); it.hasNext(); ) {
                SlotTicket t = it.next();
                if (t.state() == SlotTicket.State.WAITING) continue;
                it.remove();
                if (t.state() == SlotTicket.State.GRANTED) running.add(t.slot());
            }
            freeMostHeld = Math.max(freeMostHeld, big.snapshot(GPU).of("free").running());
        }

        SchedulerSnapshot end = big.snapshot(GPU);
        assertThat(paidOffered).isGreaterThan(1_000);
        assertThat(end.of("plus").refusedTotal() + end.of("pro").refusedTotal()).isZero();
        assertThat(end.of("plus").maxQueuedMillis()).isZero();
        assertThat(end.of("pro").maxQueuedMillis()).isZero();
        assertThat(end.of("free").refusedTotal()).isGreaterThan(50_000);
        assertThat(freeMostHeld).isEqualTo(10);
    }
}
