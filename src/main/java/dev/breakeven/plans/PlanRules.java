package dev.breakeven.plans;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a plan may name on this deployment: its models and its overage model must be configured
 * models, its priority a class of the compute scheduler.
 *
 * @param models the configured model ids
 * @param priorityClasses the scheduler's class names
 */
public record PlanRules(Set<String> models, Set<String> priorityClasses) {

    public PlanRules {
        models = Set.copyOf(models);
        priorityClasses = Set.copyOf(priorityClasses);
    }

    /**
     * @throws PlanException {@code invalid_plan}, its {@code param} naming the field at fault
     */
    public void check(Plan plan) {
        if (!priorityClasses.contains(plan.priorityClass())) {
            throw invalid(
                    "priority",
                    "priority must be one of " + new TreeSet<>(priorityClasses) + ", got '" + plan.priorityClass()
                            + "'");
        }
        for (String m : plan.models()) {
            if (!models.contains(m)) throw invalid("models", "models names no configured model: '" + m + "'");
        }
        if (plan.overage().policy() == Overage.Policy.DOWNGRADE
                && !models.contains(plan.overage().downgradeModel())) {
            throw invalid(
                    "overage",
                    "overage downgrades to no configured model: '"
                            + plan.overage().downgradeModel() + "'");
        }
    }

    static PlanException invalid(String param, String message) {
        return new PlanException("invalid_plan", message, param, null, Map.of());
    }
}
