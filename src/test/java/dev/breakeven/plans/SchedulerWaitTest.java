package dev.breakeven.plans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How long a request may wait: each class's maximum wait, refusals on arrival when the estimated
 * wait is longer, refusals of those still waiting when it runs out, and the Retry-After they carry.
 */
class SchedulerWaitTest {
    static final String GPU = "gpu";
    static final Duration HOLD = Duration.ofSeconds(1);

    final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));

    /**
     * Free waits at most 2 s, pro 60 s; all may use the whole backend; generations are assumed to
     * hold a slot 1 s; no minimum Retry-After, so the tests see the estimate itself.
     */
    ComputeScheduler scheduler(int capacity, int maxWaiting) {
        SchedulerPolicy policy = new SchedulerPolicy(
                List.of(
                        new PriorityClass("free", 0, Duration.ofSeconds(2), 1.0),
                        new PriorityClass("pro", 1, Duration.ofSeconds(60), 1.0)),
                HOLD,
                Duration.ZERO,
                maxWaiting);
        return new ComputeScheduler(policy, Map.of(GPU, capacity), clock);
    }

    static SlotTicket offer(ComputeScheduler s, String account, String cls) {
        return s.offer(SlotRequest.of(GPU, account, cls));
    }

    @Test
    void theEstimatedWaitIsThePlaceInLineTimesTheHoldTimeOverTheSlots() {
        ComputeScheduler s = scheduler(2, 100);
        offer(s, "a", "free");
        offer(s, "b", "free");

        SlotTicket first = offer(s, "c", "free");
        SlotTicket second = offer(s, "d", "free");

        assertThat(first.estimatedWaitMillis()).isEqualTo(500); // 1 × 1 s / 2 slots
        assertThat(second.estimatedWaitMillis()).isEqualTo(1_000); // 2 × 1 s / 2 slots
    }

    @Test
    void aRequestWhoseEstimatedWaitExceedsItsClassesMaxWait_isRefusedAtOnce_withRetryAfter() {
        ComputeScheduler s = scheduler(1, 100);
        offer(s, "running", "free");
        SlotTicket one = offer(s, "a", "free"); // ~1 s
        SlotTicket two = offer(s, "b", "free"); // ~2 s: the most free may wait

        SlotTicket three = offer(s, "c", "free"); // ~3 s

        assertThat(one.state()).isEqualTo(SlotTicket.State.WAITING);
        assertThat(two.state()).isEqualTo(SlotTicket.State.WAITING);
        assertThat(three.state()).isEqualTo(SlotTicket.State.REFUSED);
        SlotRefusal why = three.refusal();
        assertThat(why.code()).isEqualTo(SlotRefusal.OVERLOADED);
        assertThat(why.message())
                .isEqualTo(
                        "gpu is busy: a free request would wait about 3 s, more than the 2 s its" + " class may wait");
        assertThat(why.retryAfterMillis()).isEqualTo(1_000); // when its wait would fit in 2 s
        assertThat(why.queuedMillis()).isZero();
        assertThat(s.snapshot(GPU).of("free").refused()).containsEntry(SlotRefusal.OVERLOADED, 1L);
        assertThat(s.snapshot(GPU).waiting()).isEqualTo(2);
    }

    @Test
    void higherClassesWaitingAheadLengthenTheWaitOfALowerOne() {
        ComputeScheduler s = scheduler(2, 100);
        offer(s, "a", "pro");
        offer(s, "b", "pro");
        for (int i = 0; i < 10; i++) offer(s, "pro-" + i, "pro");

        SlotTicket free = offer(s, "f", "free");

        assertThat(free.refusal().code()).isEqualTo(SlotRefusal.OVERLOADED);
        assertThat(free.estimatedWaitMillis()).isEqualTo(5_500); // 11 releases of 2 slots of 1 s
        assertThat(free.refusal().retryAfterMillis()).isEqualTo(3_500);
    }

    @Test
    void aClassWithMaxWaitZeroNeverQueues() {
        SchedulerPolicy policy = new SchedulerPolicy(
                List.of(
                        new PriorityClass("free", 0, Duration.ZERO, 1.0),
                        new PriorityClass("pro", 1, Duration.ofSeconds(60), 1.0)),
                HOLD,
                Duration.ofSeconds(1),
                100);
        ComputeScheduler s = new ComputeScheduler(policy, Map.of(GPU, 1), clock);
        assertThat(offer(s, "a", "free").state()).isEqualTo(SlotTicket.State.GRANTED);

        SlotTicket second = offer(s, "b", "free");

        assertThat(second.refusal().code()).isEqualTo(SlotRefusal.OVERLOADED);
        assertThat(second.refusal().retryAfterMillis()).isEqualTo(1_000);
    }

    @Test
    void aRequestStillWaitingAtItsClassesMaxWait_isRefused_andSaysHowLongItWaited() {
        ComputeScheduler s = scheduler(1, 100);
        Slot running = offer(s, "running", "free").slot();
        SlotTicket waiting = offer(s, "a", "free");

        clock.advance(Duration.ofMillis(1_999));
        assertThat(s.expire()).isZero();
        assertThat(waiting.state()).isEqualTo(SlotTicket.State.WAITING);
        clock.advance(Duration.ofMillis(1));
        assertThat(s.expire()).isEqualTo(1);

        assertThat(waiting.state()).isEqualTo(SlotTicket.State.REFUSED);
        assertThat(waiting.refusal().code()).isEqualTo(SlotRefusal.WAIT_EXPIRED);
        assertThat(waiting.refusal().queuedMillis()).isEqualTo(2_000);
        assertThat(waiting.refusal().message())
                .isEqualTo("no slot of gpu came free in 2 s, the most a free request may wait");
        // the slot released later goes to nobody: the expired request is gone
        running.release();
        assertThat(s.snapshot(GPU).running()).isZero();
    }

    @Test
    void anyCallAfterTheDeadlineRefusesTheExpired_beforeItHandsOutASlot() {
        ComputeScheduler s = scheduler(1, 100);
        Slot running = offer(s, "running", "free").slot();
        SlotTicket late = offer(s, "late", "free");
        clock.advance(Duration.ofSeconds(3));

        running.release();

        assertThat(late.refusal().code()).isEqualTo(SlotRefusal.WAIT_EXPIRED);
        assertThat(s.snapshot(GPU).running()).isZero();
    }

    @Test
    void aGrantedRequestCarriesTheTimeItWaited() {
        ComputeScheduler s = scheduler(1, 100);
        Slot running = offer(s, "running", "pro").slot();
        SlotTicket waiting = offer(s, "a", "pro");

        clock.advance(Duration.ofMillis(1_250));
        running.release();

        assertThat(waiting.slot().queuedMillis()).isEqualTo(1_250);
        SchedulerSnapshot.ClassLoad pro = s.snapshot(GPU).of("pro");
        assertThat(pro.granted()).isEqualTo(2);
        assertThat(pro.queuedMillisTotal()).isEqualTo(1_250);
        assertThat(pro.maxQueuedMillis()).isEqualTo(1_250);
    }

    @Test
    void theCallersDeadline_refusesAtOnceWhenTheWaitWouldEndAfterIt_andExpiresTheWaiterAtIt() {
        ComputeScheduler s = scheduler(1, 100);
        offer(s, "running", "pro");
        Instant now = clock.instant();

        SlotTicket hurried = s.offer(SlotRequest.of(GPU, "a", "pro"), now.plusMillis(500));
        SlotTicket patient = s.offer(SlotRequest.of(GPU, "b", "pro"), now.plusMillis(10_000));
        clock.advance(Duration.ofSeconds(10));
        s.expire();

        assertThat(hurried.refusal().code()).isEqualTo(SlotRefusal.DEADLINE); // estimated 1 s
        assertThat(patient.refusal().code()).isEqualTo(SlotRefusal.DEADLINE);
        assertThat(patient.refusal().queuedMillis()).isEqualTo(10_000);
    }

    @Test
    void theMeasuredHoldTimeReplacesTheInitialGuess_thenMovesAsAMean() {
        ComputeScheduler s = scheduler(1, 100);
        assertThat(s.snapshot(GPU).holdEstimateMillis()).isEqualTo(1_000);

        Slot a = offer(s, "a", "pro").slot();
        clock.advance(Duration.ofSeconds(4));
        a.release();
        assertThat(s.snapshot(GPU).holdEstimateMillis()).isEqualTo(4_000);

        Slot b = offer(s, "b", "pro").slot();
        clock.advance(Duration.ofSeconds(14));
        b.release();
        assertThat(s.snapshot(GPU).holdEstimateMillis()).isEqualTo(5_000); // 4 s + 0.1 × (14 s − 4 s)
    }

    @Test
    void beyondMaxWaitingRequests_theBackendRefusesWhateverTheEstimate() {
        ComputeScheduler s = scheduler(1, 3);
        offer(s, "running", "pro");
        for (int i = 0; i < 3; i++) assertThat(offer(s, "p" + i, "pro").state()).isEqualTo(SlotTicket.State.WAITING);

        SlotTicket fourth = offer(s, "p3", "pro");

        assertThat(fourth.refusal().code()).isEqualTo(SlotRefusal.QUEUE_FULL);
        assertThat(fourth.refusal().message()).isEqualTo("gpu has 3 requests waiting, its most");
    }

    @Test
    void aCancelledRequestLeavesTheQueue_andTheNextInLineMovesUp() {
        ComputeScheduler s = scheduler(1, 100);
        Slot running = offer(s, "running", "pro").slot();
        SlotTicket first = offer(s, "a", "pro");
        SlotTicket second = offer(s, "b", "pro");

        assertThat(s.cancel(first)).isTrue();
        assertThat(s.cancel(first)).isFalse();
        running.release();

        assertThat(first.state()).isEqualTo(SlotTicket.State.CANCELLED);
        assertThat(second.state()).isEqualTo(SlotTicket.State.GRANTED);
        assertThat(s.cancel(second))
                .as("a granted ticket is the caller's to release")
                .isFalse();
        assertThat(s.snapshot(GPU).of("pro").cancelled()).isEqualTo(1);
        assertThat(s.snapshot(GPU).waiting()).isZero();
    }

    @Test
    void closingRefusesEveryWaiter_andEveryLaterOffer_butHeldSlotsStayValid() {
        ComputeScheduler s = scheduler(1, 100);
        Slot running = offer(s, "running", "pro").slot();
        SlotTicket waiting = offer(s, "a", "pro");

        s.close();

        assertThat(waiting.refusal().code()).isEqualTo(SlotRefusal.CLOSED);
        assertThat(offer(s, "b", "pro").refusal().code()).isEqualTo(SlotRefusal.CLOSED);
        assertThat(running.release()).isTrue();
    }

    @Test
    void unknownBackendsAndClassesAreErrors_notRefusals() {
        ComputeScheduler s = scheduler(1, 100);

        assertThatThrownBy(() -> s.offer(SlotRequest.of("tpu", "a", "pro")))
                .isInstanceOfSatisfying(
                        SchedulerException.class, e -> assertThat(e.code()).isEqualTo("unknown_backend"))
                .hasMessage("the scheduler has no backend 'tpu'");
        assertThatThrownBy(() -> s.offer(SlotRequest.of(GPU, "a", "enterprise")))
                .isInstanceOfSatisfying(
                        SchedulerException.class, e -> assertThat(e.code()).isEqualTo("unknown_class"))
                .hasMessage("the scheduler has no priority class 'enterprise'");
        assertThatThrownBy(() -> new SlotRequest(GPU, "a", "pro", 0, 1))
                .isInstanceOfSatisfying(
                        SchedulerException.class, e -> assertThat(e.code()).isEqualTo("invalid_request"));
    }

    @Test
    void anAccountsBacklogGetsItsOwnRequestsRefused_notAnotherAccounts() {
        ComputeScheduler s = scheduler(2, 100);
        List<SlotTicket> heavy = new ArrayList<>();
        for (int i = 0; i < 30; i++) heavy.add(offer(s, "heavy", "free"));

        SlotTicket light = offer(s, "light", "free");

        assertThat(heavy.stream().filter(t -> t.state() == SlotTicket.State.GRANTED))
                .hasSize(2);
        assertThat(heavy.stream().filter(t -> t.state() == SlotTicket.State.WAITING))
                .hasSize(4); // up to 2 s
        assertThat(heavy.stream().filter(t -> t.state() == SlotTicket.State.REFUSED))
                .hasSize(24);
        assertThat(light.state()).isEqualTo(SlotTicket.State.WAITING);
        assertThat(light.estimatedWaitMillis()).isEqualTo(500); // first in line
    }
}
