package dev.breakeven.plans;

import dev.breakeven.billing.BillingException;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.Subscriptions;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Each month's fee of every subscription, paid from the wallet. A month is charged once, by a
 * charge whose id names the account and the month, so renewals that run on several nodes, or again
 * after a crash, never charge a month twice. A renewal the wallet cannot pay makes the
 * subscription past due: the account keeps its plan for the grace period, and each later pass (or
 * a payment) tries again; when the grace period is over, the account falls to the default plan.
 */
public final class Renewals {

    /** What a renewal did. */
    public enum Outcome {
        /** Nothing was due. */
        CURRENT,
        /** One or more months were paid. */
        RENEWED,
        /** A month could not be paid; the plan stays until the grace period ends. */
        PAST_DUE,
        /** The grace period ended unpaid (or the plan no longer exists): the account is on the default plan. */
        DOWNGRADED
    }

    /**
     * @param chargedMicros what this renewal took from the wallet
     * @param subscription the subscription after it; empty once downgraded
     */
    public record Renewal(
            String accountId,
            String planId,
            Outcome outcome,
            long chargedMicros,
            Optional<Subscription> subscription) {}

    private final Supplier<PlanCatalog> catalog;
    private final Subscriptions billing;
    private final SubscriptionRepository records;
    private final PriceBook prices;
    private final PlanChanges.Assignments assignments;
    private final Duration grace;
    private final Clock clock;

    public Renewals(
            Supplier<PlanCatalog> catalog,
            Subscriptions billing,
            SubscriptionRepository records,
            PriceBook prices,
            PlanChanges.Assignments assignments,
            Duration grace,
            Clock clock) {
        this.catalog = catalog;
        this.billing = billing;
        this.records = records;
        this.prices = prices;
        this.assignments = assignments;
        this.grace = grace;
        this.clock = clock;
    }

    /**
     * Renews every subscription that is due now.
     *
     * @return what happened to each one that was due
     * @throws dev.breakeven.store.StoreException when the database fails (what was renewed stays renewed)
     */
    public List<Renewal> renewDue() {
        long now = clock.millis();
        List<Renewal> done = new ArrayList<>();
        for (Subscription s : records.due(now)) done.add(renew(s, now));
        return done;
    }

    /** Renews the account's subscription if it is due (after a payment, say); empty when it has none. */
    public Optional<Renewal> renew(String accountId) {
        return records.find(accountId).map(s -> renew(s, clock.millis()));
    }

    /**
     * A payment for the account's plan failed at {@code failedAt} (the payment provider said so): an
     * active subscription becomes past due and its grace period starts now. A past-due one keeps
     * its grace period, and a failure from before the subscription last changed (renewed, or moved
     * to another plan) is stale: a redelivered event changes nothing.
     */
    public Optional<Subscription> paymentFailed(String accountId, long failedAt) {
        long now = clock.millis();
        return records.find(accountId).map(s -> {
            // payment events carry whole seconds: only a failure a full second before the change is stale
            boolean stale = failedAt + 1000 <= s.updatedAt();
            if (s.status() == Subscription.Status.PAST_DUE || stale) return s;
            Subscription pastDue = pastDue(s, now);
            return records.replace(s, pastDue)
                    ? pastDue
                    : records.find(accountId).orElse(s);
        });
    }

    /** The account's subscription, if it has one. */
    public Optional<Subscription> of(String accountId) {
        return records.find(accountId);
    }

    private Renewal renew(Subscription s, long now) {
        Optional<Plan> plan = catalog.get().plan(s.planId());
        if (plan.isEmpty()) return downgrade(s, now);
        long charged = 0;
        Subscription current = s;
        while (current.paidThrough() <= now) {
            long periodStart = current.paidThrough();
            YearMonth month = Subscription.month(periodStart);
            long fee = PlanFee.at(prices, plan.get(), periodStart);
            try {
                charged += billing.charge(s.accountId(), s.planId(), fee, chargeId(s.accountId(), month), now);
            } catch (BillingException e) {
                if (!e.code().equals("insufficient_funds")) throw e;
                return unpaid(current, charged, now);
            }
            current = new Subscription(
                    s.accountId(),
                    s.planId(),
                    Subscription.Status.ACTIVE,
                    Subscription.nextMonthStart(periodStart),
                    null,
                    now);
        }
        if (current == s) return new Renewal(s.accountId(), s.planId(), Outcome.CURRENT, 0, Optional.of(s));
        return stored(s, current, Outcome.RENEWED, charged);
    }

    private Renewal unpaid(Subscription s, long charged, long now) {
        Subscription pastDue = s.status() == Subscription.Status.PAST_DUE ? s : pastDue(s, now);
        if (pastDue.graceUntil() <= now) return downgrade(s, now);
        return stored(s, pastDue, Outcome.PAST_DUE, charged);
    }

    /**
     * Stores what this renewal made of {@code read}, unless another node changed the subscription
     * since it was read: then that node's result stands (the months it charged are the same charges).
     */
    private Renewal stored(Subscription read, Subscription next, Outcome outcome, long charged) {
        if (next.equals(read) || records.replace(read, next)) {
            return new Renewal(read.accountId(), read.planId(), outcome, charged, Optional.of(next));
        }
        Optional<Subscription> now = records.find(read.accountId());
        return new Renewal(read.accountId(), read.planId(), Outcome.CURRENT, 0, now);
    }

    private Renewal downgrade(Subscription s, long now) {
        String fallback = catalog.get().defaultPlan();
        if (fallback == null) {
            // no default plan to fall to: the account keeps its plan, past due, until one is configured
            Subscription pastDue = s.status() == Subscription.Status.PAST_DUE ? s : pastDue(s, now);
            return stored(s, pastDue, Outcome.PAST_DUE, 0);
        }
        assignments.assign(s.accountId(), fallback);
        records.delete(s.accountId());
        return new Renewal(s.accountId(), s.planId(), Outcome.DOWNGRADED, 0, Optional.empty());
    }

    private Subscription pastDue(Subscription s, long now) {
        return new Subscription(
                s.accountId(), s.planId(), Subscription.Status.PAST_DUE, s.paidThrough(), now + grace.toMillis(), now);
    }

    /** One charge per account and month: the same month is never charged twice. */
    static String chargeId(String accountId, YearMonth month) {
        return "renew:" + accountId + ":" + month;
    }
}
