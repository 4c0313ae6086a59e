package dev.breakeven.plans;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The plans on offer, and the one an account without a plan is on.
 */
public final class PlanCatalog {
    private final Map<String, Plan> plans = new LinkedHashMap<>();
    private final String defaultPlan;

    /**
     * @throws IllegalArgumentException when two plans share an id, or the default plan is not one of them
     */
    public PlanCatalog(List<Plan> plans, String defaultPlan) {
        for (Plan p : plans) {
            if (this.plans.put(p.id(), p) != null)
                throw new IllegalArgumentException("plan '" + p.id() + "' is defined twice");
        }
        if (defaultPlan != null && !this.plans.containsKey(defaultPlan)) {
            throw new IllegalArgumentException("the default plan '" + defaultPlan + "' is not one of the plans");
        }
        this.defaultPlan = defaultPlan;
    }

    /** A catalog with no plans: every account may use every model without limits. */
    public static PlanCatalog none() {
        return new PlanCatalog(List.of(), null);
    }

    public boolean isEmpty() {
        return plans.isEmpty();
    }

    public List<Plan> plans() {
        return List.copyOf(plans.values());
    }

    public Optional<Plan> plan(String id) {
        return Optional.ofNullable(id == null ? null : plans.get(id));
    }

    /** The plan of an account whose plan id is {@code planId} (its own, else the default), or empty without plans. */
    public Optional<Plan> planOf(String planId) {
        Plan own = planId == null ? null : plans.get(planId);
        return Optional.ofNullable(own != null ? own : defaultPlan == null ? null : plans.get(defaultPlan));
    }

    /** The cheapest plan (by monthly price, then order) that includes {@code model}. */
    public Optional<Plan> cheapestWith(String model) {
        return plans.values().stream()
                .filter(p -> p.includes(model))
                .min(Comparator.comparingLong(Plan::monthlyPriceMicros));
    }

    public String defaultPlan() {
        return defaultPlan;
    }
}
