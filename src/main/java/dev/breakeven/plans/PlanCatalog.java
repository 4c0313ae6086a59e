package dev.breakeven.plans;

import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The plans, the ones on offer among them, and the one an account without a plan is on. An
 * archived plan is no longer offered — not listed, not chosen, not suggested as an upgrade — but
 * the accounts on it keep it. Immutable.
 */
public final class PlanCatalog {
    private final Map<String, Plan> plans = new LinkedHashMap<>();
    private final Set<String> archived = new HashSet<>();
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

    /**
     * The catalog of stored plans, in their order.
     *
     * @throws IllegalArgumentException as {@link #PlanCatalog(List, String)}
     */
    public static PlanCatalog of(List<StoredPlan> stored, String defaultPlan) {
        PlanCatalog catalog =
                new PlanCatalog(stored.stream().map(StoredPlan::plan).toList(), defaultPlan);
        for (StoredPlan s : stored)
            if (s.archived()) catalog.archived.add(s.plan().id());
        return catalog;
    }

    /** A catalog with no plans: every account may use every model without limits. */
    public static PlanCatalog none() {
        return new PlanCatalog(List.of(), null);
    }

    /** The plans on offer, in catalog order. */
    public List<Plan> plans() {
        return plans.values().stream().filter(p -> !archived.contains(p.id())).toList();
    }

    /** The plan with this id, archived or not. */
    public Optional<Plan> plan(String id) {
        return Optional.ofNullable(id == null ? null : plans.get(id));
    }

    /** The plan with this id if it is on offer. */
    public Optional<Plan> offered(String id) {
        return plan(id).filter(p -> !archived.contains(p.id()));
    }

    /** The plan of an account whose plan id is {@code planId} (its own, else the default), or empty without plans. */
    public Optional<Plan> planOf(String planId) {
        Plan own = planId == null ? null : plans.get(planId);
        return Optional.ofNullable(own != null ? own : defaultPlan == null ? null : plans.get(defaultPlan));
    }

    /** The cheapest plan on offer (by monthly price, then order) that includes {@code model}. */
    public Optional<Plan> cheapestWith(String model) {
        return plans().stream().filter(p -> p.includes(model)).min(Comparator.comparingLong(Plan::monthlyPriceMicros));
    }

    public String defaultPlan() {
        return defaultPlan;
    }
}
