package dev.breakeven.plans;

import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.PriceKind;
import dev.breakeven.billing.Subscriptions;
import dev.breakeven.store.Ids;
import java.time.Clock;

/**
 * Moving an account to another plan: the plan must exist; what it costs for the rest of the month
 * is paid from the wallet first ({@link Subscriptions}); only then is the account moved. A fee in
 * the price book ({@code plan_fee}) wins over the plan's configured price.
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
     * @param chargedMicros what the wallet paid now
     */
    public record Change(Plan from, Plan to, long chargedMicros) {}

    private final PlanCatalog catalog;
    private final Subscriptions subscriptions;
    private final PriceBook prices;
    private final Assignments assignments;
    private final Ids ids;
    private final Clock clock;

    public PlanChanges(
            PlanCatalog catalog,
            Subscriptions subscriptions,
            PriceBook prices,
            Assignments assignments,
            Ids ids,
            Clock clock) {
        this.catalog = catalog;
        this.subscriptions = subscriptions;
        this.prices = prices;
        this.assignments = assignments;
        this.ids = ids;
        this.clock = clock;
    }

    /**
     * @throws PlanException {@code plan_not_found} for an unknown plan (or when no plans are configured)
     * @throws dev.breakeven.billing.BillingException {@code insufficient_funds}: the account stays where it is
     */
    public Change change(String accountId, String currentPlanId, String newPlanId) {
        Plan to = catalog.plan(newPlanId)
                .orElseThrow(() -> new PlanException("plan_not_found", "There is no plan '" + newPlanId + "'."));
        Plan from = catalog.planOf(currentPlanId).orElse(null);
        long now = clock.millis();
        long charged = from != null && from.id().equals(to.id())
                ? 0
                : subscriptions.change(
                        accountId, to.id(), fee(to, now), from == null ? 0 : fee(from, now), ids.next("chg_"), now);
        assignments.assign(accountId, to.id());
        return new Change(from, to, charged);
    }

    private long fee(Plan plan, long now) {
        return prices.at(PriceKind.PLAN_FEE, plan.id(), now)
                .map(p -> p.micros())
                .orElse(plan.monthlyPriceMicros());
    }
}
