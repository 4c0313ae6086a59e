package dev.breakeven.app;

import dev.breakeven.assistant.Admission;
import dev.breakeven.plans.PriorityClass;
import dev.breakeven.plans.SchedulerException;
import dev.breakeven.plans.SchedulerPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code scheduler:} configuration: checked at load, turned into the compute scheduler's policy
 * at start. Without {@code classes}, the suggested free, plus and pro ({@link
 * SchedulerPolicy#defaults()}). The class {@code default}, where turns no plan places wait, is added
 * above the configured classes unless they name it themselves.
 */
final class SchedulerSettings {
    static final String REFUSE = "refuse";
    static final String DOWNGRADE = "downgrade:";
    /** How long a turn of the built-in {@code default} class may wait. */
    static final Duration DEFAULT_CLASS_WAIT = Duration.ofSeconds(60);

    private SchedulerSettings() {}

    /**
     * Checks the section; fills in the suggested classes when it lists none, and {@code refuse}
     * where a class sets no {@code on_saturation}.
     *
     * @param models the configured models' ids, which {@code downgrade:<model>} must name
     * @throws ConfigException naming {@code scheduler.<key>} or {@code scheduler.classes[i].<field>}
     */
    static BreakevenConfig.Scheduler validate(BreakevenConfig.Scheduler s, Set<String> models) {
        require(s != null, "scheduler must be a mapping of keys (docs/configuration.md#scheduler)");
        require(s.initialHoldEstimateMs() >= 1, "scheduler.initial_hold_estimate_ms must be at least 1");
        require(s.minRetryAfterMs() >= 0, "scheduler.min_retry_after_ms must be 0 or more");
        require(s.maxWaiting() >= 0, "scheduler.max_waiting must be 0 or more");
        require(
                s.adaptiveHeadroomTimeConstantMs() >= 0,
                "scheduler.adaptive_headroom_time_constant_ms must be 0 (off) or more");
        require(
                s.adaptiveHeadroomZ() >= 0 && s.adaptiveHeadroomZ() <= 100,
                "scheduler.adaptive_headroom_z must be from 0 to 100, got " + s.adaptiveHeadroomZ());
        List<BreakevenConfig.SchedulerClass> given = s.classes() == null ? suggested() : s.classes();
        require(
                !given.isEmpty(),
                "scheduler.classes must list at least one class (leave it out for the suggested free, plus and pro)");
        List<BreakevenConfig.SchedulerClass> classes = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        Map<Integer, Integer> ranks = new HashMap<>();
        for (int i = 0; i < given.size(); i++) {
            String key = "scheduler.classes[" + i + "]";
            BreakevenConfig.SchedulerClass c = checked(given.get(i), key, models);
            Integer sameName = names.putIfAbsent(c.name(), i);
            require(sameName == null, key + ".name '" + c.name() + "' is used twice");
            Integer sameRank = ranks.putIfAbsent(c.rank(), i);
            if (sameRank != null) {
                throw new ConfigException(key + ".rank " + c.rank() + " is also the rank of class '"
                        + classes.get(sameRank).name() + "'");
            }
            classes.add(c);
        }
        checkShares(classes);
        BreakevenConfig.Scheduler checked = new BreakevenConfig.Scheduler(
                s.initialHoldEstimateMs(),
                s.minRetryAfterMs(),
                s.maxWaiting(),
                s.adaptiveHeadroomTimeConstantMs(),
                s.adaptiveHeadroomZ(),
                classes);
        try {
            policy(checked);
        } catch (SchedulerException e) { // the checks above should leave nothing for the policy to refuse
            throw new ConfigException("scheduler: " + e.getMessage());
        }
        return checked;
    }

    /**
     * The scheduler's policy: the configured classes, and {@code default} above them unless one of
     * them is named so.
     *
     * @param s a section {@link #validate} returned
     */
    static SchedulerPolicy policy(BreakevenConfig.Scheduler s) {
        List<PriorityClass> classes = new ArrayList<>();
        for (BreakevenConfig.SchedulerClass c : s.classes()) {
            classes.add(new PriorityClass(c.name(), c.rank(), Duration.ofMillis(c.maxWaitMs()), c.maxShare()));
        }
        if (classes.stream().noneMatch(c -> c.name().equals(Admission.Admitted.DEFAULT_CLASS))) {
            int top = classes.stream().mapToInt(PriorityClass::rank).max().orElseThrow();
            classes.add(new PriorityClass(Admission.Admitted.DEFAULT_CLASS, top + 1, DEFAULT_CLASS_WAIT, 1.0));
        }
        return new SchedulerPolicy(
                classes,
                Duration.ofMillis(s.initialHoldEstimateMs()),
                Duration.ofMillis(s.minRetryAfterMs()),
                s.maxWaiting(),
                new SchedulerPolicy.AdaptiveHeadroom(
                        s.adaptiveHeadroomZ(), Duration.ofMillis(s.adaptiveHeadroomTimeConstantMs())));
    }

    /** The classes whose requests are served by another model under saturation: class name to model id. */
    static Map<String, String> downgrades(BreakevenConfig.Scheduler s) {
        Map<String, String> out = new LinkedHashMap<>();
        for (BreakevenConfig.SchedulerClass c : s.classes()) {
            if (c.onSaturation().startsWith(DOWNGRADE))
                out.put(c.name(), c.onSaturation().substring(DOWNGRADE.length()));
        }
        return out;
    }

    /** The suggested classes of {@link SchedulerPolicy#defaults()}, all refusing under saturation. */
    private static List<BreakevenConfig.SchedulerClass> suggested() {
        return SchedulerPolicy.defaults().classes().stream()
                .map(c -> new BreakevenConfig.SchedulerClass(
                        c.name(), c.rank(), c.maxWait().toMillis(), c.maxShare(), REFUSE))
                .toList();
    }

    private static BreakevenConfig.SchedulerClass checked(
            BreakevenConfig.SchedulerClass c, String key, Set<String> models) {
        require(c != null, key + " must be {name, rank, max_wait_ms, max_share, on_saturation}");
        require(
                c.name() != null && c.name().matches("[A-Za-z0-9._-]{1,64}"),
                key + ".name is required (1 to 64 letters, digits, . _ -)");
        require(c.rank() != null, key + ".rank is required (higher is served first)");
        require(c.maxWaitMs() != null && c.maxWaitMs() >= 0, key + ".max_wait_ms is required, 0 or more");
        require(
                c.maxShare() != null && c.maxShare() > 0 && c.maxShare() <= 1,
                key + ".max_share is required, more than 0 and at most 1, got " + c.maxShare());
        return new BreakevenConfig.SchedulerClass(
                c.name(), c.rank(), c.maxWaitMs(), c.maxShare(), onSaturation(c.onSaturation(), key, models));
    }

    /** {@code refuse} (also when left out) or {@code downgrade:<model>} naming a configured model. */
    private static String onSaturation(String text, String key, Set<String> models) {
        String t = text == null ? REFUSE : text.strip();
        if (t.equals(REFUSE)) return t;
        require(
                t.startsWith(DOWNGRADE) && t.length() > DOWNGRADE.length(),
                key + ".on_saturation must be refuse or downgrade:<model>, got '" + text + "'");
        String model = t.substring(DOWNGRADE.length()).strip();
        require(models.contains(model), key + ".on_saturation downgrades to no configured model: '" + model + "'");
        return DOWNGRADE + model;
    }

    /**
     * A class's share counts the classes below it, so it cannot be smaller than theirs, and the
     * highest class's must be 1 or some slots could never be used.
     */
    private static void checkShares(List<BreakevenConfig.SchedulerClass> classes) {
        List<Integer> byRank = new ArrayList<>();
        for (int i = 0; i < classes.size(); i++) byRank.add(i);
        byRank.sort(Comparator.comparingInt(i -> classes.get(i).rank()));
        for (int j = 1; j < byRank.size(); j++) {
            BreakevenConfig.SchedulerClass below = classes.get(byRank.get(j - 1));
            BreakevenConfig.SchedulerClass c = classes.get(byRank.get(j));
            require(
                    c.maxShare() >= below.maxShare(),
                    "scheduler.classes[" + byRank.get(j) + "].max_share " + c.maxShare()
                            + " is smaller than that of the lower-ranked class '" + below.name() + "' ("
                            + below.maxShare() + "): a class's share includes the classes below it");
        }
        int top = byRank.getLast();
        require(
                classes.get(top).maxShare() == 1.0,
                "scheduler.classes[" + top + "].max_share must be 1 for the highest-ranked class '"
                        + classes.get(top).name() + "', or some slots could never be used");
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new ConfigException(message);
    }
}
