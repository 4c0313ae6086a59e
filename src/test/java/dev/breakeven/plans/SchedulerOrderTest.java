package dev.breakeven.plans;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who gets a released slot: the highest class first, and inside a class the account furthest
 * behind its weighted share. Driven step by step with a clock that only tests move; no threads.
 */
class SchedulerOrderTest {
    static final String GPU = "gpu";

    final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));

    /** Three classes that may all use the whole backend and wait an hour: only order matters here. */
    ComputeScheduler scheduler(int capacity) {
        Duration hour = Duration.ofHours(1);
        SchedulerPolicy policy = SchedulerPolicy.defaults()
                .withClasses(List.of(
                        new PriorityClass("free", 0, hour, 1.0),
                        new PriorityClass("plus", 1, hour, 1.0),
                        new PriorityClass("pro", 2, hour, 1.0)));
        return new ComputeScheduler(policy, Map.of(GPU, capacity), clock);
    }

    static SlotTicket offer(ComputeScheduler s, String account, String cls) {
        return s.offer(SlotRequest.of(GPU, account, cls));
    }

    /** Releases {@code held} and returns who got the slot it freed. */
    static Slot handOver(List<SlotTicket> waiting, Slot held) {
        held.release();
        List<SlotTicket> granted = waiting.stream()
                .filter(t -> t.state() == SlotTicket.State.GRANTED)
                .toList();
        assertThat(granted).as("one release grants one waiter").hasSize(1);
        waiting.remove(granted.getFirst());
        return granted.getFirst().slot();
    }

    @Test
    void aFreeSlotIsGrantedAtOnce_withNoQueueTime() {
        ComputeScheduler s = scheduler(2);

        SlotTicket t = offer(s, "alice", "free");

        assertThat(t.state()).isEqualTo(SlotTicket.State.GRANTED);
        assertThat(t.slot().queuedMillis()).isZero();
        assertThat(t.estimatedWaitMillis()).isZero();
        assertThat(s.snapshot(GPU).running()).isEqualTo(1);
    }

    @Test
    void aReleasedSlotGoesToTheHighestClass_whateverTheArrivalOrder() {
        ComputeScheduler s = scheduler(1);
        Slot held = offer(s, "x", "free").slot();
        List<SlotTicket> waiting = new ArrayList<>(
                List.of(offer(s, "a", "free"), offer(s, "b", "plus"), offer(s, "c", "pro"), offer(s, "d", "plus")));
        assertThat(waiting).allMatch(t -> t.state() == SlotTicket.State.WAITING);

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held = handOver(waiting, held);
            order.add(held.account() + "/" + held.priorityClass());
        }

        assertThat(order).containsExactly("c/pro", "b/plus", "d/plus", "a/free");
    }

    @Test
    void anAccountsOwnRequestsAreServedInArrivalOrder() {
        ComputeScheduler s = scheduler(1);
        Slot held = offer(s, "alice", "free").slot();
        List<SlotTicket> waiting = new ArrayList<>();
        for (int i = 0; i < 5; i++) waiting.add(offer(s, "alice", "free"));
        List<SlotTicket> inOrder = List.copyOf(waiting);

        for (SlotTicket expected : inOrder) {
            held = handOver(waiting, held);
            assertThat(held).isSameAs(expected.slot());
        }
    }

    @Test
    void oneAccountsHundredQueuedRequests_delayAnotherAccountsSingleRequestByAtMostOne() {
        ComputeScheduler s = scheduler(1);
        Slot held = offer(s, "x", "free").slot();
        List<SlotTicket> waiting = new ArrayList<>();
        for (int i = 0; i < 100; i++) waiting.add(offer(s, "heavy", "free"));
        SlotTicket light = offer(s, "light", "free");
        waiting.add(light);

        held = handOver(waiting, held);
        assertThat(held.account()).isEqualTo("heavy");
        held = handOver(waiting, held);

        assertThat(held.account()).isEqualTo("light");
        assertThat(light.state()).isEqualTo(SlotTicket.State.GRANTED);
    }

    @Test
    void backloggedAccountsOfAClassTakeTurns() {
        ComputeScheduler s = scheduler(1);
        Slot held = offer(s, "x", "plus").slot();
        List<SlotTicket> waiting = new ArrayList<>();
        for (String account : List.of("a", "b", "c")) // each queues 4, one account after the other
        for (int i = 0; i < 4; i++) waiting.add(offer(s, account, "plus"));

        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            held = handOver(waiting, held);
            order.append(held.account());
        }

        assertThat(order).hasToString("abcabcabcabc");
    }

    @Test
    void anAccountOfWeightTwoGetsTwiceTheSlotsOfOneOfWeightOne() {
        ComputeScheduler s = scheduler(1);
        Slot held = offer(s, "x", "pro").slot();
        List<SlotTicket> waiting = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            waiting.add(s.offer(new SlotRequest(GPU, "team", "pro", 2, 1)));
            waiting.add(s.offer(new SlotRequest(GPU, "solo", "pro", 1, 1)));
        }

        Map<String, Integer> grants = new LinkedHashMap<>();
        for (int i = 0; i < 30; i++) {
            held = handOver(waiting, held);
            grants.merge(held.account(), 1, Integer::sum);
        }

        assertThat(grants).containsEntry("team", 20).containsEntry("solo", 10);
    }

    @Test
    void aCostlierRequestCountsForMoreOfItsAccountsShare() {
        ComputeScheduler s = scheduler(1);
        Slot held = offer(s, "x", "free").slot();
        List<SlotTicket> waiting = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            waiting.add(s.offer(new SlotRequest(GPU, "long-answers", "free", 1, 4_000)));
            waiting.add(s.offer(new SlotRequest(GPU, "short-answers", "free", 1, 1_000)));
        }

        Map<String, Integer> grants = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            held = handOver(waiting, held);
            grants.merge(held.account(), 1, Integer::sum);
        }

        assertThat(grants).containsEntry("long-answers", 4).containsEntry("short-answers", 16);
    }

    /**
     * Ten free accounts keep a backend of 4 slots overloaded, account i sending i + 1 requests a
     * second (55 a second for 4 slots a second): each still gets the same share of the slots.
     */
    @Test
    void underContention_accountsOfVeryDifferentDemandGetEqualShares_jainsIndexAbovePoint99() {
        ComputeScheduler s = scheduler(4);
        Deque<Slot> running = new ArrayDeque<>();
        long[] grants = new long[10];
        List<SlotTicket> open = new ArrayList<>();
        for (int second = 0; second < 120; second++) {
            for (int account = 0; account < 10; account++)
                for (int r = 0; r <= account; r++) open.add(offer(s, "acct-" + account, "free"));
            // every generation takes one second: the slots of the last second come free
            clock.advance(Duration.ofSeconds(1));
            while (!running.isEmpty()) running.poll().release();
            for (var it = open.iterator(); it.hasNext(); ) {
                SlotTicket t = it.next();
                if (t.state() != SlotTicket.State.GRANTED) continue;
                it.remove();
                running.add(t.slot());
                if (second >= 20) grants[Integer.parseInt(t.request().account().substring(5))]++;
            }
        }

        assertThat(s.snapshot(GPU).running()).isEqualTo(4);
        assertThat(jain(grants)).isGreaterThan(0.99);
        assertThat(java.util.Arrays.stream(grants).boxed().toList()) // 400 grants / 10 accounts
                .allSatisfy(g -> assertThat(g).isBetween(38L, 42L));
    }

    @Test
    void requestsThatExpiredWithoutASlotCostTheirAccountNothing() {
        SchedulerPolicy policy = SchedulerPolicy.defaults()
                .withClasses(List.of(new PriorityClass("free", 0, Duration.ofSeconds(2), 1.0)));
        ComputeScheduler s = new ComputeScheduler(
                new SchedulerPolicy(policy.classes(), Duration.ofSeconds(1), Duration.ofSeconds(1), 100),
                Map.of(GPU, 1),
                clock);
        Slot held = offer(s, "x", "free").slot();
        offer(s, "unlucky", "free");
        offer(s, "unlucky", "free");
        clock.advance(Duration.ofSeconds(2));
        assertThat(s.expire()).isEqualTo(2);

        SlotTicket again = offer(s, "unlucky", "free");
        SlotTicket other = offer(s, "other", "free");
        held.release();

        assertThat(again.state())
                .as("first in line again, as if it had never waited")
                .isEqualTo(SlotTicket.State.GRANTED);
        assertThat(other.state()).isEqualTo(SlotTicket.State.WAITING);
    }

    /**
     * Free work 25 times what a backend of 4 slots serves, half of it from one account, the rest
     * from nine others; requests wait at most 5 s, so most are refused on arrival and some expire.
     * Each account still gets a tenth of the slots: the heavy one's refusals and expiries neither
     * help it nor count against it.
     */
    @Test
    void underOverloadWithRefusalsAndExpiries_anAccountSendingHalfTheLoadGetsATenth() {
        SchedulerPolicy policy = SchedulerPolicy.defaults()
                .withClasses(List.of(new PriorityClass("free", 0, Duration.ofSeconds(5), 1.0)));
        ComputeScheduler s = new ComputeScheduler(policy, Map.of(GPU, 4), clock);
        java.util.Random random = new java.util.Random(11);
        Deque<Slot> running = new ArrayDeque<>();
        List<SlotTicket> open = new ArrayList<>();
        long[] grants = new long[10];
        for (int step = 0; step < 3_000; step++) { // 100 ms each: 5 minutes
            clock.advance(Duration.ofMillis(100));
            while (!running.isEmpty() && running.peek().grantedAtMillis() <= clock.millis() - 1_000)
                running.poll().release();
            for (int i = 0; i < 10; i++) {
                int account = random.nextBoolean() ? 0 : 1 + random.nextInt(9);
                open.add(offer(s, "acct-" + account, "free"));
            }
            for (var it = open.iterator(); it.hasNext(); ) {
                SlotTicket t = it.next();
                if (t.state() == SlotTicket.State.WAITING) continue;
                it.remove();
                if (t.state() != SlotTicket.State.GRANTED) continue;
                running.add(t.slot());
                if (step >= 300) grants[Integer.parseInt(t.request().account().substring(5))]++;
            }
        }

        SchedulerSnapshot.ClassLoad free = s.snapshot(GPU).of("free");
        assertThat(free.refused()).containsKeys(SlotRefusal.OVERLOADED, SlotRefusal.WAIT_EXPIRED);
        assertThat(jain(grants)).isGreaterThan(0.99);
        long all = java.util.Arrays.stream(grants).sum();
        assertThat((double) grants[0] / all).isBetween(0.08, 0.12);
    }

    /** Jain's fairness index: 1 when all shares are equal, 1/n when one account has everything. */
    static double jain(long[] shares) {
        double sum = 0;
        double squares = 0;
        for (long x : shares) {
            sum += x;
            squares += (double) x * x;
        }
        return sum * sum / (shares.length * squares);
    }
}
