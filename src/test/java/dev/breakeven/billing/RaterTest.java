package dev.breakeven.billing;

import static dev.breakeven.billing.BillingStack.T0;
import static dev.breakeven.billing.BillingStack.usage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.ledger.AccountKind;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageEvent.Outcome;
import dev.breakeven.testing.TestDatabase;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The rater on each engine: prices at the event's time, wallets first, exactly once. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class RaterTest {
    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    BillingStack s;

    @BeforeEach
    void open() {
        s = new BillingStack(engine, dir);
        s.price("assistant", 1_000_000, 2_000_000, 0); // $1 in, $2 out per million tokens
    }

    @AfterEach
    void close() {
        s.close();
    }

    long revenue() {
        return s.ledger
                .balance(AccountKind.REVENUE_COMPUTE.account().id())
                .orElseThrow()
                .creditBalance();
    }

    @Test
    void event_isRatedAtThePriceInForceAtItsOwnTime_evenWhenItArrivesLate() {
        s.price("assistant", 3_000_000, 4_000_000, T0 + 1_000);
        s.append(usage("e-late", "acc_a", "assistant", 1_000_000, 0, T0 + 500, Outcome.COMPLETED));
        s.append(usage("e-new", "acc_a", "assistant", 1_000_000, 0, T0 + 2_000, Outcome.COMPLETED));

        s.rater.drain();

        assertThat(s.ledger.transfer("usage:e-late:r").orElseThrow().transfer().amount())
                .isEqualTo(1_000_000);
        assertThat(s.ledger.transfer("usage:e-new:r").orElseThrow().transfer().amount())
                .isEqualTo(3_000_000);
        assertThat(s.wallets.balance("acc_a").owed()).isEqualTo(4_000_000);
        assertThat(s.audit()).isEmpty();
    }

    @Test
    void charge_comesFromGrantedCredits_thenPaidCredits_thenIsOwed() {
        s.wallets.grant("acc_a", 300, "g1", "welcome", T0);
        s.wallets.topUp("acc_a", 500, "stripe", "evt_1", T0);
        s.append(usage("e1", "acc_a", "assistant", 500, 250, T0, Outcome.COMPLETED)); // 500 + 500 = 1000 micros

        s.rater.drain();

        WalletBalance w = s.wallets.balance("acc_a");
        assertThat(w.granted()).isZero();
        assertThat(w.paid()).isZero();
        assertThat(w.owed()).isEqualTo(200);
        assertThat(revenue()).isEqualTo(1_000);
        assertThat(s.audit()).isEmpty();
    }

    @Test
    void reservation_isPostedWithTheActualCost_andTheRestIsReleased() {
        s.wallets.topUp("acc_a", 10_000, "stripe", "evt_1", T0);
        s.wallets.reserve("e1", "acc_a", 8_000, T0, T0 + 60_000);
        assertThat(s.wallets.balance("acc_a").available()).isEqualTo(2_000);
        s.append(usage("e1", "acc_a", "assistant", 1_000, 500, T0, Outcome.COMPLETED)); // 2000 micros

        s.rater.drain();

        WalletBalance w = s.wallets.balance("acc_a");
        assertThat(w.reserved()).isZero();
        assertThat(w.paid()).isEqualTo(8_000);
        assertThat(w.available()).isEqualTo(8_000);
        assertThat(s.audit()).isEmpty();
    }

    @Test
    void failedGeneration_costsNothing_andItsReservationIsVoided() {
        s.wallets.topUp("acc_a", 10_000, "stripe", "evt_1", T0);
        s.wallets.reserve("e1", "acc_a", 8_000, T0, T0 + 60_000);
        s.append(usage("e1", "acc_a", "assistant", 1_000, 500, T0, Outcome.FAILED));

        s.rater.drain();

        assertThat(s.wallets.balance("acc_a").available()).isEqualTo(10_000);
        assertThat(s.ledger
                        .transfer("usage:e1:p")
                        .orElseThrow()
                        .transfer()
                        .phase()
                        .wire())
                .isEqualTo("void");
        assertThat(s.audit()).isEmpty();
    }

    @Test
    void costBeyondTheReservation_isTakenFromWhatIsLeft_thenOwed() {
        s.wallets.topUp("acc_a", 3_000, "stripe", "evt_1", T0);
        s.wallets.reserve("e1", "acc_a", 2_000, T0, T0 + 60_000);
        s.append(usage("e1", "acc_a", "assistant", 2_000, 1_000, T0, Outcome.COMPLETED)); // 4000 micros

        s.rater.drain();

        WalletBalance w = s.wallets.balance("acc_a");
        assertThat(w.paid()).isZero();
        assertThat(w.owed()).isEqualTo(1_000);
        assertThat(revenue()).isEqualTo(4_000);
        assertThat(s.audit()).isEmpty();
    }

    @Test
    void creditsAReservationReleases_payTheNextEventOfTheSameBatch() {
        s.wallets.topUp("acc_a", 10_000, "stripe", "evt_1", T0);
        s.wallets.reserve("e1", "acc_a", 8_000, T0, T0 + 60_000); // 2,000 left available
        s.append(
                usage("e1", "acc_a", "assistant", 1_000, 500, T0, Outcome.COMPLETED), // 2,000: releases 6,000
                usage("e2", "acc_a", "assistant", 5_000, 0, T0 + 1, Outcome.COMPLETED)); // 5,000, not reserved

        s.rater.drain(); // one pass: both events are in one batch

        WalletBalance w = s.wallets.balance("acc_a");
        assertThat(w.owed()).as("the wallet could cover it: nothing is owed").isZero();
        assertThat(w.paid()).isEqualTo(3_000);
        assertThat(s.audit()).isEmpty();
    }

    @Test
    void whoPays_doesNotDependOnHowTheJournalIsBatched() {
        s.wallets.grant("acc_a", 1_500, "g1", null, T0);
        s.wallets.topUp("acc_a", 4_000, "stripe", "evt_1", T0);
        s.wallets.reserve("e1", "acc_a", 3_000, T0, T0 + 60_000); // granted 1,500 + paid 1,500
        s.wallets.reserve("e3", "acc_a", 1_000, T0, T0 + 60_000); // paid
        s.append(
                usage("e1", "acc_a", "assistant", 500, 0, T0, Outcome.COMPLETED), // 500 of 3,000 reserved
                usage("e2", "acc_a", "assistant", 2_500, 0, T0 + 1, Outcome.COMPLETED), // not reserved
                usage("e3", "acc_a", "assistant", 999, 999, T0 + 2, Outcome.FAILED), // voided
                usage("e4", "acc_a", "assistant", 2_000, 0, T0 + 3, Outcome.COMPLETED)); // not reserved
        s.rater.drain();
        WalletBalance oneBatch = s.wallets.balance("acc_a");

        try (BillingStack t = new BillingStack(engine, dir.resolve("one-by-one"))) {
            t.price("assistant", 1_000_000, 2_000_000, 0);
            t.wallets.grant("acc_a", 1_500, "g1", null, T0);
            t.wallets.topUp("acc_a", 4_000, "stripe", "evt_1", T0);
            t.wallets.reserve("e1", "acc_a", 3_000, T0, T0 + 60_000);
            t.wallets.reserve("e3", "acc_a", 1_000, T0, T0 + 60_000);
            for (UsageEvent e : List.of(
                    usage("e1", "acc_a", "assistant", 500, 0, T0, Outcome.COMPLETED),
                    usage("e2", "acc_a", "assistant", 2_500, 0, T0 + 1, Outcome.COMPLETED),
                    usage("e3", "acc_a", "assistant", 999, 999, T0 + 2, Outcome.FAILED),
                    usage("e4", "acc_a", "assistant", 2_000, 0, T0 + 3, Outcome.COMPLETED))) {
                t.append(e);
                t.rater.drain(); // one event per pass
            }
            assertThat(oneBatch).isEqualTo(t.wallets.balance("acc_a"));
        }
        assertThat(oneBatch.owed()).isZero(); // 5,000 charged, 5,500 in the wallet
        assertThat(oneBatch.available()).isEqualTo(500);
    }

    @Test
    void expiredReservation_isReleased_andTheEventIsChargedFromTheWallet() {
        s.wallets.topUp("acc_a", 3_000, "stripe", "evt_1", T0);
        s.wallets.reserve("e1", "acc_a", 2_000, T0, T0 + 1_000);
        s.clock.set(T0 + 5_000);
        s.append(usage("e1", "acc_a", "assistant", 1_000, 0, T0, Outcome.COMPLETED)); // 1000 micros

        s.rater.drain();

        WalletBalance w = s.wallets.balance("acc_a");
        assertThat(w.reserved()).isZero();
        assertThat(w.paid()).isEqualTo(2_000);
        assertThat(w.owed()).isZero();
        assertThat(s.audit()).isEmpty();
    }

    @Test
    void ratingAgainFromAnyPoint_postsNothingTwice() {
        s.wallets.topUp("acc_a", 5_000, "stripe", "evt_1", T0);
        for (int i = 0; i < 50; i++) {
            if (i % 7 == 0) s.wallets.reserve("e" + i, "acc_a", 100, T0, T0 + 60_000);
            s.append(usage(
                    "e" + i, i % 2 == 0 ? "acc_a" : "acc_b", "assistant", 100 + i, 50, T0 + i, Outcome.COMPLETED));
        }
        s.rater.drain();
        long transfers = s.transferCount();
        long earned = revenue();

        for (long from : new long[] {0, 13, 37}) {
            s.cursor.save(from, T0); // never lowers the cursor...
            s.opened
                    .db()
                    .jdbi()
                    .useHandle(h -> h.execute(
                            "UPDATE billing_cursor SET seq = ?",
                            from)); // ...so force it, as a crash before the save would
            s.rater.drain();
            assertThat(s.transferCount()).isEqualTo(transfers);
            assertThat(revenue()).isEqualTo(earned);
        }
        assertThat(s.rater.lagEvents()).isZero();
        assertThat(s.audit()).isEmpty();
    }

    @Test
    void audit_findsAnEventTheRaterPassedOver() {
        s.append(usage("e1", "acc_a", "assistant", 1_000, 0, T0, Outcome.COMPLETED));
        s.cursor.save(1, T0); // as if rated, without its transfers

        assertThat(s.audit()).extracting(v -> v.code()).containsExactly("event_not_posted");
    }
}
