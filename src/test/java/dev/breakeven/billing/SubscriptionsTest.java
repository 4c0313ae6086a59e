package dev.breakeven.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What a change of plan costs for the rest of the month. */
class SubscriptionsTest {
    static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void upgrade_isChargedTheDifference_forWhatIsLeftOfTheMonth() {
        assertThat(Subscriptions.prorated(30_000_000, 0, at("2026-11-01T00:00:00Z")))
                .isEqualTo(30_000_000);
        assertThat(Subscriptions.prorated(30_000_000, 0, at("2026-11-16T00:00:00Z")))
                .isEqualTo(15_000_000);
        assertThat(Subscriptions.prorated(50_000_000, 20_000_000, at("2026-11-16T00:00:00Z")))
                .isEqualTo(15_000_000);
        assertThat(Subscriptions.prorated(31_000_000, 0, at("2026-12-31T00:00:00Z")))
                .isEqualTo(1_000_000);
    }

    @Test
    void downgrade_orTheSamePrice_costsNothing() {
        assertThat(Subscriptions.prorated(20_000_000, 50_000_000, at("2026-11-16T00:00:00Z")))
                .isZero();
        assertThat(Subscriptions.prorated(20_000_000, 20_000_000, at("2026-11-16T00:00:00Z")))
                .isZero();
    }

    @Test
    void hugeFees_areProratedExactly() {
        assertThat(Subscriptions.prorated(Long.MAX_VALUE / 2, 0, at("2026-11-16T00:00:00Z")))
                .isEqualTo(Long.MAX_VALUE / 4);
    }
}
