package dev.breakeven.app;

import dev.breakeven.plans.Overage;
import dev.breakeven.plans.Plan;
import dev.breakeven.plans.PriorityClass;
import dev.breakeven.plans.SchedulerPolicy;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The {@code plans:} configuration: checked at load, seeded into the plan book at start. */
final class PlanSettings {
    private PlanSettings() {}

    /**
     * @throws ConfigException naming {@code plans[i]} and the problem
     */
    static void validate(
            List<BreakevenConfig.PlanEntry> plans, String defaultPlan, Set<String> models, SchedulerPolicy scheduler) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < plans.size(); i++) {
            String key = "plans[" + i + "]";
            Plan plan;
            try {
                plan = plan(plans.get(i));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key + ": " + e.getMessage());
            }
            if (!ids.add(plan.id())) throw new ConfigException(key + ".id '" + plan.id() + "' is used twice");
            if (scheduler.find(plan.priorityClass()) == null) {
                throw new ConfigException(key + ".priority must name a class of the scheduler ("
                        + String.join(
                                ", ",
                                scheduler.classes().stream()
                                        .map(PriorityClass::name)
                                        .toList())
                        + "), got '" + plan.priorityClass() + "'");
            }
            for (String m : plan.models()) {
                if (!models.contains(m))
                    throw new ConfigException(key + ".models names no configured model: '" + m + "'");
            }
            if (plan.overage().policy() == Overage.Policy.DOWNGRADE
                    && !models.contains(plan.overage().downgradeModel())) {
                throw new ConfigException(key + ".overage downgrades to no configured model: '"
                        + plan.overage().downgradeModel() + "'");
            }
        }
        if (!plans.isEmpty() && (defaultPlan == null || !ids.contains(defaultPlan))) {
            throw new ConfigException("default_plan must name one of the plans, got '" + defaultPlan + "'");
        }
        if (plans.isEmpty() && defaultPlan != null)
            throw new ConfigException("default_plan is set but there are no plans");
    }

    /** @throws IllegalArgumentException for a missing or malformed field */
    static Plan plan(BreakevenConfig.PlanEntry e) {
        return new Plan(
                e.id(),
                e.name() == null ? e.id() : e.name(),
                zero(e.monthlyMicros()),
                e.models(),
                zero(e.maxContextTokens()),
                zero(e.maxOutputTokens()),
                zero(e.tokensPerDay()),
                zero(e.tokensPerMonth()),
                zero(e.requestsPerMinute()),
                zero(e.tokensPerMinute()),
                e.priority() == null ? e.id() : e.priority(),
                Boolean.TRUE.equals(e.ads()),
                e.overage() == null ? Overage.REFUSE : Overage.parse(e.overage()));
    }

    private static long zero(Long value) {
        return value == null ? 0 : value;
    }
}
