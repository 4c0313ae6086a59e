package dev.breakeven.plans;

import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.Subscriptions;
import dev.breakeven.store.Ids;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Moving an account to another plan: the plan must be on offer; what it costs for the rest of the
 * month is paid from the wallet first ({@link Subscriptions}); only then is the account moved and
 * its {@link Subscription} started (paid through the end of the month) or, on the default plan,
 * ended. A fee in the price book ({@code plan_fee}) wins over the plan's configured price.
 */
public final class PlanChanges {

    /** Where an account's plan is kept. */
    @FunctionalInterface
    public interface Assignments {
        /** Puts the account on the plan. @throws RuntimeException when it cannot */
        void assign(String accountId, String planId);
    }

    /**
     * A change made.
     *
     * @param from the plan before
     * @param to the plan now
     * @param chargedMicros what the wallet paid for it
     * @param subscription the account's subscription now; empty on the default plan
     */
    public record Change(Plan from, Plan to, long chargedMicros, Optional<Subscription> subscription) {}

    private final Supplier<PlanCatalog> catalog;
    private final Subscriptions subscriptions;
    private final SubscriptionRepository records;
    private final PriceBook prices;
    private final Assignments assignments;
    private final Ids ids;
    private final Clock clock;

    public PlanChanges(
            Supplier<PlanCatalog> catalog,
            Subscriptions subscriptions,
            SubscriptionRepository records,
            PriceBook prices,
            Assignments assignments,
            Ids ids,
            Clock clock) {
        this.catalog = catalog;
        this.subscriptions = subscriptions;
        this.records = records;
        this.prices = prices;
        this.assignments = assignments;
        this.ids = ids;
        this.clock = clock;
    }

    /**
     * Moves the account, charging a fresh change id.
     *
     * @throws PlanException {@code plan_not_found} for an unknown or archived plan (or when no plans
     *     are configured)
     * @throws dev.breakeven.billing.BillingException {@code insufficient_funds}: the account stays where it is
     */
    public Change change(String accountId, String currentPlanId, String newPlanId) {
        return change(accountId, currentPlanId, newPlanId, ids.next("chg_"));
    }

    /**
     * Moves the account; the same {@code changeId} again charges nothing more (a payment webhook
     * delivered twice).
     *
     * @throws PlanException as {@link #change(String, String, String)}
     */
    public Change change(String accountId, String currentPlanId, String newPlanId, String changeId) {
        PlanCatalog plans = catalog.get();
        Plan from = plans.planOf(currentPlanId).orElse(null);
        boolean staying = from != null && from.id().equals(newPlanId);
        Plan to = (staying ? plans.plan(newPlanId) : plans.offered(newPlanId))
                .orElseThrow(() -> PlanBook.notFound(newPlanId));
        Optional<Subscription> current = records.find(accountId);
        if (staying) return new Change(from, to, 0, current);
        long now = clock.millis();
        // a past-due subscription has not paid this month: nothing of the old fee is credited
        boolean paid = current.isEmpty() || current.get().status() == Subscription.Status.ACTIVE;
        long oldFee = from == null || !paid ? 0 : PlanFee.at(prices, from, now);
        long charged = subscriptions.change(accountId, to.id(), PlanFee.at(prices, to, now), oldFee, changeId, now);
        Optional<Subscription> next = to.id().equals(plans.defaultPlan())
                ? Optional.empty()
                : Optional.of(Subscription.paidForMonthOf(accountId, to.id(), now));
        if (next.isPresent()) records.save(next.get());
        else records.delete(accountId);
        assignments.assign(accountId, to.id());
        return new Change(from, to, charged, next);
    }
}
