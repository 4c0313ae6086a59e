package dev.breakeven.plans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.testing.TestClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The adaptive headroom: measured demand of the classes above a class raises the headroom kept for
 * them to {@code ceil(m + 3.5 √m)}, never below the static share, never leaving a class no slot,
 * and falling back to the static share once the demand has stopped for about the time constant.
 */
class SchedulerAdaptiveHeadroomTest {
    static final String GPU = "gpu";

    final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
    /** Capacity 10: statically free may hold 5, free and plus 8; the suggested adaptive headroom. */
    final ComputeScheduler s = scheduler(SchedulerPolicy.AdaptiveHeadroom.SUGGESTED);

    ComputeScheduler scheduler(SchedulerPolicy.AdaptiveHeadroom adaptive) {
        return new ComputeScheduler(SchedulerPolicy.defaults().withAdaptiveHeadroom(adaptive), Map.of(GPU, 10), clock);
    }

    static List<Slot> hold(ComputeScheduler s, String cls, int n) {
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < n; i++)
            slots.add(s.offer(SlotRequest.of(GPU, cls + "-" + i, cls)).slot());
        return slots;
    }

    /** Offers many free requests; how many got a slot at once. */
    static long flood(ComputeScheduler s) {
        long granted = 0;
        for (int i = 0; i < 50; i++) {
            if (s.offer(SlotRequest.of(GPU, "free-" + i % 7, "free")).state() == SlotTicket.State.GRANTED) granted++;
        }
        return granted;
    }

    void pass(Duration d) {
        clock.advance(d);
        s.expire();
    }

    @Test
    void sustainedPaidDemand_raisesTheHeadroom_soFreeWorkTakesFewerSlots() {
        ComputeScheduler fixed = scheduler(SchedulerPolicy.AdaptiveHeadroom.OFF);
        hold(s, "pro", 2);
        hold(fixed, "pro", 2);

        clock.advance(Duration.ofSeconds(60));

        // m = 2 above free and above plus: ceil(2 + 3.5 × √2) = 7 slots kept, so free may hold 3
        assertThat(flood(s)).isEqualTo(3);
        assertThat(flood(fixed)).as("static shares: free holds 5").isEqualTo(5);
        SchedulerSnapshot.ClassLoad free = s.snapshot(GPU).of("free");
        assertThat(free.slots()).as("the static share is still reported").isEqualTo(5);
        assertThat(free.headroom()).isEqualTo(7);
        assertThat(free.demandAbove()).isCloseTo(2.0, Offset.offset(0.01));
        assertThat(fixed.snapshot(GPU).of("free").headroom()).isEqualTo(5);
        assertThat(fixed.snapshot(GPU).of("free").demandAbove()).isZero();
    }

    @Test
    void aNewBackendLearnsItsDemandInSeconds_notOverTheWholeTimeConstant() {
        hold(s, "pro", 2);

        clock.advance(Duration.ofSeconds(5));

        assertThat(s.snapshot(GPU).of("free").demandAbove()).isCloseTo(2.0, Offset.offset(0.01));
        assertThat(flood(s)).isEqualTo(3);
    }

    @Test
    void theHeadroomNeverFallsBelowTheStaticShare() {
        pass(Duration.ofMinutes(10)); // nothing but quiet
        assertThat(s.snapshot(GPU).of("free").headroom()).isEqualTo(5);
        assertThat(flood(s)).isEqualTo(5);

        // a paid burst after the quiet period finds the static headroom: five pro slots at once
        assertThat(hold(s, "pro", 5)).allSatisfy(slot -> assertThat(slot).isNotNull());
    }

    @Test
    void lowerClassesAlwaysKeepOneSlot() {
        hold(s, "pro", 8);

        clock.advance(Duration.ofMinutes(5));

        // m = 8 asks for 18 slots of a backend of 10: free and plus still keep one
        assertThat(flood(s)).isEqualTo(1);
        assertThat(s.snapshot(GPU).of("free").headroom()).isEqualTo(9);
        assertThat(s.snapshot(GPU).of("plus").headroom()).isEqualTo(9);
        assertThat(s.snapshot(GPU).of("pro").headroom()).isZero();
    }

    @Test
    void aRaiseForTheClassesAbove_leavesAPaidClassBelowThemRoomForItsOwnDemand() {
        hold(s, "plus", 2);
        hold(s, "pro", 2);

        clock.advance(Duration.ofSeconds(60));

        // above free m = 4: 11 slots asked, free keeps 1; above plus (pro) m = 2 asks 7 slots, but
        // plus's own m = 2 asks 7 on top of free's 1: free and plus may hold 8, the static share
        assertThat(flood(s)).isEqualTo(1);
        assertThat(s.snapshot(GPU).of("plus").headroom()).isEqualTo(2);
        assertThat(s.offer(SlotRequest.of(GPU, "p3", "plus")).state()).isEqualTo(SlotTicket.State.GRANTED);
        assertThat(s.offer(SlotRequest.of(GPU, "p4", "plus")).state()).isEqualTo(SlotTicket.State.GRANTED);
    }

    @Test
    void aRaisedHeadroomPreemptsNothing_itOnlyStopsLowerClassesTakingSlotsAsTheyFree() {
        List<Slot> free = new ArrayList<>();
        for (int i = 0; i < 5; i++)
            free.add(s.offer(SlotRequest.of(GPU, "f" + i, "free")).slot());
        hold(s, "pro", 2);

        clock.advance(Duration.ofSeconds(60));

        assertThat(s.snapshot(GPU).of("free").running())
                .as("nothing was stopped")
                .isEqualTo(5);
        free.getFirst().release();
        assertThat(s.offer(SlotRequest.of(GPU, "late", "free")).state())
                .as("free holds 4 of its 3 raised slots: a released slot does not go back to free")
                .isNotEqualTo(SlotTicket.State.GRANTED);
        assertThat(s.offer(SlotRequest.of(GPU, "p", "pro")).state()).isEqualTo(SlotTicket.State.GRANTED);
    }

    @Test
    void demandThatStops_lowersTheHeadroomBackToStatic_overTheTimeConstant() {
        List<Slot> pro = hold(s, "pro", 2);
        pass(Duration.ofMinutes(10));
        assertThat(s.snapshot(GPU).of("free").headroom()).isEqualTo(7);

        pro.forEach(Slot::release);
        pass(Duration.ofSeconds(10));
        // m = 2 e^(−1/6) ≈ 1.69: still 7
        assertThat(s.snapshot(GPU).of("free").headroom()).isEqualTo(7);
        assertThat(flood(s)).isEqualTo(3);

        pass(Duration.ofSeconds(50));
        // one time constant: m = 2 e^(−1) ≈ 0.74 asks for 4, below the static 5
        assertThat(s.snapshot(GPU).of("free").demandAbove()).isCloseTo(2 * Math.exp(-1), Offset.offset(0.1));
        assertThat(s.snapshot(GPU).of("free").headroom()).isEqualTo(5);
    }

    @Test
    void aBackendWithOneClass_orAPolicyWithItOff_keepsTheStaticShares() {
        ComputeScheduler one = new ComputeScheduler(
                SchedulerPolicy.defaults().withClasses(List.of(new PriorityClass("all", 0, Duration.ofSeconds(5), 1))),
                Map.of(GPU, 10),
                clock);
        assertThat(hold(one, "all", 10)).allSatisfy(slot -> assertThat(slot).isNotNull());
        clock.advance(Duration.ofMinutes(5));
        assertThat(one.snapshot(GPU).of("all").headroom()).isZero();
        assertThat(SchedulerPolicy.AdaptiveHeadroom.OFF.on()).isFalse();
        assertThat(SchedulerPolicy.defaults().adaptiveHeadroom()).isEqualTo(SchedulerPolicy.AdaptiveHeadroom.SUGGESTED);
    }

    @Test
    void anInvalidSetting_isRefused() {
        assertThatThrownBy(() -> new SchedulerPolicy.AdaptiveHeadroom(-1, Duration.ofSeconds(1)))
                .isInstanceOf(SchedulerException.class)
                .hasMessageContaining("adaptiveHeadroom.z");
        assertThatThrownBy(() -> new SchedulerPolicy.AdaptiveHeadroom(Double.NaN, Duration.ofSeconds(1)))
                .hasMessageContaining("adaptiveHeadroom.z");
        assertThatThrownBy(() -> new SchedulerPolicy.AdaptiveHeadroom(3.5, Duration.ofSeconds(-1)))
                .hasMessageContaining("adaptiveHeadroom.timeConstant");
        assertThatThrownBy(() -> SchedulerPolicy.defaults().withAdaptiveHeadroom(null))
                .hasMessageContaining("adaptiveHeadroom is required");
    }

    @Test
    void theHeadroomIsAGaugeOnMetrics() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SchedulerMetrics metrics = new SchedulerMetrics(registry);
        ComputeScheduler m = new ComputeScheduler(SchedulerPolicy.defaults(), Map.of(GPU, 10), clock, metrics);
        metrics.bindGauges(m);
        hold(m, "pro", 2);
        clock.advance(Duration.ofSeconds(30));

        assertThat(registry.get("breakeven.scheduler.headroom")
                        .tag("backend", GPU)
                        .tag("class", "free")
                        .gauge()
                        .value())
                .isEqualTo(7);
    }
}
