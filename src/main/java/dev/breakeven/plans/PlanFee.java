package dev.breakeven.plans;

import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.PriceKind;

/** A plan's monthly fee at a time: the price book's {@code plan_fee} when it has one, else the plan's price. */
final class PlanFee {
    private PlanFee() {}

    static long at(PriceBook prices, Plan plan, long time) {
        return prices.at(PriceKind.PLAN_FEE, plan.id(), time)
                .map(p -> p.micros())
                .orElse(plan.monthlyPriceMicros());
    }
}
