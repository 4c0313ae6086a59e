package dev.breakeven.cluster;

import java.time.Duration;

/**
 * The implementations every behavioural test of {@link Counters} runs on: a test class annotated
 * {@code @ParameterizedClass @EnumSource(CountersUnderTest.class)} runs once per implementation.
 * A shared-store implementation joins here and must pass the same specification.
 */
enum CountersUnderTest {
    IN_PROCESS;

    /** Fresh, empty counters; sweeps run in the calling thread, so nothing happens behind a test's back. */
    Counters open() {
        return switch (this) {
            case IN_PROCESS -> new InProcessCounters(Duration.ofSeconds(10), Runnable::run);
        };
    }

    static Lease granted(Reservation reservation) {
        if (reservation instanceof Lease lease) return lease;
        throw new AssertionError("expected a lease, got " + reservation);
    }

    static Denial denied(Reservation reservation) {
        if (reservation instanceof Denial denial) return denial;
        throw new AssertionError("expected a denial, got " + reservation);
    }

    static Leases granted(GroupReservation reservation) {
        if (reservation instanceof Leases leases) return leases;
        throw new AssertionError("expected leases, got " + reservation);
    }

    static Denial denied(GroupReservation reservation) {
        if (reservation instanceof Denial denial) return denial;
        throw new AssertionError("expected a denial, got " + reservation);
    }
}
