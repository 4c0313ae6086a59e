package dev.breakeven.plans;

import static dev.breakeven.plans.PlanStack.GRACE;
import static dev.breakeven.plans.PlanStack.PLUS_FEE;
import static dev.breakeven.plans.PlanStack.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.billing.BillingException;
import dev.breakeven.billing.PriceKind;
import dev.breakeven.billing.Subscriptions;
import dev.breakeven.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Monthly renewals on each engine: each month charged once, grace after a failed payment, then the default plan. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class RenewalsTest {
    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    PlanStack s;

    @BeforeEach
    void open() {
        s = new PlanStack(engine, dir, Instant.parse("2026-11-16T00:00:00Z"));
    }

    @AfterEach
    void close() {
        s.close();
    }

    @Test
    void upgrade_startsASubscription_paidThroughTheEndOfTheMonth() {
        String alice = s.account("alice", 100_000_000);

        PlanChanges.Change change = s.changes.change(alice, null, "plus");

        assertThat(change.chargedMicros()).isEqualTo(PLUS_FEE / 2);
        Subscription sub = change.subscription().orElseThrow();
        assertThat(sub.status()).isEqualTo(Subscription.Status.ACTIVE);
        assertThat(sub.paidThrough()).isEqualTo(at("2026-12-01T00:00:00Z"));
        assertThat(s.renewals.of(alice)).contains(sub);
        assertThat(s.renewals.renewDue()).as("nothing is due before December").isEmpty();
    }

    @Test
    void renewal_chargesTheFullFee_onceAMonth_howeverOftenAndWhereverItRuns() {
        String alice = s.account("alice", 100_000_000);
        s.changes.change(alice, null, "plus");
        s.clock.set(at("2026-12-01T00:00:00Z"));

        List<Renewals.Renewal> first = s.renewals.renewDue();
        List<Renewals.Renewal> again = s.renewals.renewDue();
        List<Renewals.Renewal> otherNode = s.renewals().renewDue();

        assertThat(first).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Renewals.Outcome.RENEWED);
            assertThat(r.chargedMicros()).isEqualTo(PLUS_FEE);
            assertThat(r.subscription().orElseThrow().paidThrough()).isEqualTo(at("2027-01-01T00:00:00Z"));
        });
        assertThat(again).isEmpty();
        assertThat(otherNode).isEmpty();
        assertThat(s.available(alice)).isEqualTo(100_000_000 - PLUS_FEE / 2 - PLUS_FEE);
        assertThat(s.ledger.transfer("sub:renew:" + alice + ":2026-12:g")).isPresent();
        assertThat(s.audit()).isEmpty();
    }

    @Test
    void renewal_usesThePriceBookFee_inForceAtTheStartOfThePeriod() {
        String alice = s.account("alice", 100_000_000);
        s.changes.change(alice, null, "plus");
        s.prices.set(PriceKind.PLAN_FEE, "plus", 25_000_000, at("2026-12-01T00:00:00Z"), "new price");
        s.clock.set(at("2026-12-02T00:00:00Z"));

        assertThat(s.renewals.renewDue()).singleElement().satisfies(r -> assertThat(r.chargedMicros())
                .isEqualTo(25_000_000));
    }

    @Test
    void missedMonths_areChargedOneByOne_eachOnce() {
        String alice = s.account("alice", 100_000_000);
        s.changes.change(alice, null, "plus");
        s.clock.set(at("2027-01-15T00:00:00Z"));

        assertThat(s.renewals.renewDue()).singleElement().satisfies(r -> {
            assertThat(r.chargedMicros()).isEqualTo(2 * PLUS_FEE);
            assertThat(r.subscription().orElseThrow().paidThrough()).isEqualTo(at("2027-02-01T00:00:00Z"));
        });
        assertThat(s.ledger.transfer("sub:renew:" + alice + ":2026-12:g")).isPresent();
        assertThat(s.ledger.transfer("sub:renew:" + alice + ":2027-01:g")).isPresent();
    }

    @Test
    void unpaidRenewal_keepsThePlanForTheGracePeriod_thenFallsToTheDefaultPlan() {
        String bob = s.account("bob", PLUS_FEE / 2); // pays November's half, nothing for December
        s.changes.change(bob, null, "plus");
        s.clock.set(at("2026-12-01T00:00:00Z"));

        Renewals.Renewal unpaid = s.renewals.renewDue().getFirst();
        assertThat(unpaid.outcome()).isEqualTo(Renewals.Outcome.PAST_DUE);
        Subscription pastDue = unpaid.subscription().orElseThrow();
        assertThat(pastDue.graceUntil()).isEqualTo(at("2026-12-01T00:00:00Z") + GRACE.toMillis());
        assertThat(s.planOf(bob)).isEqualTo("plus");

        s.clock.advance(GRACE.minusMillis(1));
        assertThat(s.renewals.renewDue()).singleElement().satisfies(r -> assertThat(r.outcome())
                .isEqualTo(Renewals.Outcome.PAST_DUE));
        assertThat(s.planOf(bob)).isEqualTo("plus");

        s.clock.advance(Duration.ofMillis(1));
        assertThat(s.renewals.renewDue()).singleElement().satisfies(r -> assertThat(r.outcome())
                .isEqualTo(Renewals.Outcome.DOWNGRADED));
        assertThat(s.planOf(bob)).isEqualTo("free");
        assertThat(s.renewals.of(bob)).isEmpty();
        assertThat(s.available(bob)).isZero();
        assertThat(s.audit()).isEmpty();
    }

    @Test
    void paymentDuringGrace_renewsAndEndsThePastDue() {
        String bob = s.account("bob", PLUS_FEE / 2);
        s.changes.change(bob, null, "plus");
        s.clock.set(at("2026-12-01T00:00:00Z"));
        s.renewals.renewDue();
        s.clock.advance(Duration.ofHours(10));

        s.wallets.topUp(bob, PLUS_FEE, "stripe", "evt_pay", s.clock.millis());
        Renewals.Renewal paid = s.renewals.renew(bob).orElseThrow();

        assertThat(paid.outcome()).isEqualTo(Renewals.Outcome.RENEWED);
        Subscription active = paid.subscription().orElseThrow();
        assertThat(active.status()).isEqualTo(Subscription.Status.ACTIVE);
        assertThat(active.graceUntil()).isNull();
        assertThat(active.paidThrough()).isEqualTo(at("2027-01-01T00:00:00Z"));
        s.clock.advance(GRACE);
        assertThat(s.renewals.renewDue()).isEmpty();
        assertThat(s.planOf(bob)).isEqualTo("plus");
    }

    @Test
    void failedPayment_startsTheGracePeriodOnce() {
        String carol = s.account("carol", 100_000_000);
        s.changes.change(carol, null, "pro");

        Subscription first = s.renewals.paymentFailed(carol, s.clock.millis()).orElseThrow();
        s.clock.advance(Duration.ofHours(5));
        Subscription second = s.renewals.paymentFailed(carol, s.clock.millis()).orElseThrow();

        assertThat(first.status()).isEqualTo(Subscription.Status.PAST_DUE);
        assertThat(first.graceUntil()).isEqualTo(at("2026-11-16T00:00:00Z") + GRACE.toMillis());
        assertThat(second.graceUntil())
                .as("a second failure does not extend the grace")
                .isEqualTo(first.graceUntil());
        assertThat(s.renewals.paymentFailed(s.account("dave", 0), s.clock.millis()))
                .as("no subscription")
                .isEmpty();
    }

    @Test
    void aFailureFromBeforeTheLastRenewal_isStale_andChangesNothing() {
        String carol = s.account("carol", 100_000_000);
        s.changes.change(carol, null, "plus");
        long failedAt = s.clock.millis();
        s.clock.set(at("2026-12-01T00:00:00Z"));
        s.renewals.renewDue();

        Subscription after = s.renewals.paymentFailed(carol, failedAt).orElseThrow();

        assertThat(after.status()).isEqualTo(Subscription.Status.ACTIVE);
        assertThat(s.renewals.of(carol)).contains(after);
    }

    @Test
    void changeWhilePastDue_creditsNothingOfTheUnpaidPlan() {
        String bob = s.account("bob", PLUS_FEE / 2);
        s.changes.change(bob, null, "plus");
        s.clock.set(at("2026-12-16T00:00:00Z"));
        s.renewals.renewDue(); // December unpaid
        s.wallets.topUp(bob, 100_000_000, "stripe", "evt_1", s.clock.millis());

        PlanChanges.Change toPro = s.changes.change(bob, "plus", "pro");

        long now = s.clock.millis();
        assertThat(toPro.chargedMicros())
                .as("the rest of Pro's December, nothing deducted for the unpaid Plus")
                .isEqualTo(Subscriptions.prorated(PlanStack.PRO_FEE, 0, now))
                .isGreaterThan(Subscriptions.prorated(PlanStack.PRO_FEE, PLUS_FEE, now));
        assertThat(toPro.subscription().orElseThrow().status()).isEqualTo(Subscription.Status.ACTIVE);
    }

    @Test
    void movingToTheDefaultPlan_endsTheSubscription_andRefundsNothing() {
        String alice = s.account("alice", 100_000_000);
        s.changes.change(alice, null, "pro");
        long after = s.available(alice);

        PlanChanges.Change toFree = s.changes.change(alice, "pro", "free");

        assertThat(toFree.chargedMicros()).isZero();
        assertThat(toFree.subscription()).isEmpty();
        assertThat(s.renewals.of(alice)).isEmpty();
        assertThat(s.available(alice)).isEqualTo(after);
        s.clock.set(at("2027-03-01T00:00:00Z"));
        assertThat(s.renewals.renewDue()).isEmpty();
    }

    @Test
    void archivedPlan_cannotBeChosen_butItsAccountsKeepAndRenewIt() {
        String alice = s.account("alice", 100_000_000);
        s.changes.change(alice, null, "pro");
        s.book.archive("pro");
        String bob = s.account("bob", 100_000_000);

        assertThatThrownBy(() -> s.changes.change(bob, null, "pro"))
                .isInstanceOfSatisfying(
                        PlanException.class, e -> assertThat(e.code()).isEqualTo("plan_not_found"));
        s.clock.set(at("2026-12-01T00:00:00Z"));
        assertThat(s.renewals.renewDue()).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Renewals.Outcome.RENEWED);
            assertThat(r.chargedMicros()).isEqualTo(PlanStack.PRO_FEE);
        });
        assertThat(s.planOf(alice)).isEqualTo("pro");
    }

    @Test
    void wallet_thatCannotPayAnUpgrade_leavesTheAccountWhereItWas() {
        String erin = s.account("erin", 1_000_000);

        assertThatThrownBy(() -> s.changes.change(erin, null, "plus"))
                .isInstanceOfSatisfying(
                        BillingException.class, e -> assertThat(e.code()).isEqualTo("insufficient_funds"));
        assertThat(s.planOf(erin)).isNull();
        assertThat(s.renewals.of(erin)).isEmpty();
        assertThat(s.available(erin)).isEqualTo(1_000_000);
    }

    @Test
    void renewalsRacingOnTwoNodes_chargeEachMonthOnce() throws Exception {
        List<String> accounts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String a = s.account("user" + i, 100_000_000);
            s.changes.change(a, null, i % 2 == 0 ? "plus" : "pro");
            accounts.add(a);
        }
        long before = accounts.stream().mapToLong(s::available).sum();
        s.clock.set(at("2026-12-01T00:00:00Z"));
        Renewals nodeA = s.renewals;
        Renewals nodeB = s.renewals();
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<Renewals.Renewal>>> runs = new ArrayList<>();
            for (Renewals node : List.of(nodeA, nodeB)) {
                Callable<List<Renewals.Renewal>> run = () -> {
                    start.await();
                    return node.renewDue();
                };
                runs.add(pool.submit(run));
            }
            for (Future<List<Renewals.Renewal>> f : runs) f.get();
        } finally {
            pool.shutdownNow();
        }

        long after = accounts.stream().mapToLong(s::available).sum();
        assertThat(before - after).isEqualTo(10 * PLUS_FEE + 10 * PlanStack.PRO_FEE);
        for (String a : accounts) {
            assertThat(s.renewals.of(a).orElseThrow().paidThrough()).isEqualTo(at("2027-01-01T00:00:00Z"));
        }
        assertThat(s.audit()).isEmpty();
    }
}
