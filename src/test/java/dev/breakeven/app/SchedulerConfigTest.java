package dev.breakeven.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.plans.PriorityClass;
import dev.breakeven.plans.SchedulerPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code scheduler:} section: how it is read and checked, and the policy it gives the scheduler. */
class SchedulerConfigTest {
    static final String MODELS = ConfigFiles.MODELS;

    @TempDir
    Path dir;

    BreakevenConfig load(String yaml) {
        return ConfigFiles.load(dir, yaml);
    }

    @Test
    void withoutASchedulerSection_theSuggestedPolicyApplies_withDefaultAboveItsClasses() {
        BreakevenConfig c = new ConfigLoader(Map.of()).load(null, Map.of());

        SchedulerPolicy policy = SchedulerSettings.policy(c.scheduler());

        SchedulerPolicy suggested = SchedulerPolicy.defaults();
        assertThat(policy.classes().subList(0, 3)).isEqualTo(suggested.classes());
        assertThat(policy.classes().get(3)).isEqualTo(new PriorityClass("default", 3, Duration.ofSeconds(60), 1.0));
        assertThat(policy.initialHoldEstimate()).isEqualTo(suggested.initialHoldEstimate());
        assertThat(policy.minRetryAfter()).isEqualTo(suggested.minRetryAfter());
        assertThat(policy.maxWaiting()).isEqualTo(suggested.maxWaiting());
        assertThat(policy.adaptiveHeadroom()).isEqualTo(suggested.adaptiveHeadroom());
        assertThat(SchedulerSettings.downgrades(c.scheduler())).isEmpty();
    }

    @Test
    void theAdaptiveHeadroom_isOnByDefault_andCanBeTunedOrTurnedOff() throws Exception {
        SchedulerPolicy byDefault = SchedulerSettings.policy(load(MODELS).scheduler());
        SchedulerPolicy tuned = SchedulerSettings.policy(load(MODELS + """
                scheduler: {adaptive_headroom_time_constant_ms: 30000, adaptive_headroom_z: 2.5}
                """).scheduler());
        SchedulerPolicy off = SchedulerSettings.policy(load(MODELS + """
                scheduler: {adaptive_headroom_time_constant_ms: 0}
                """).scheduler());

        assertThat(byDefault.adaptiveHeadroom())
                .isEqualTo(new SchedulerPolicy.AdaptiveHeadroom(3.5, Duration.ofSeconds(60)))
                .isEqualTo(SchedulerPolicy.AdaptiveHeadroom.SUGGESTED);
        assertThat(tuned.adaptiveHeadroom())
                .isEqualTo(new SchedulerPolicy.AdaptiveHeadroom(2.5, Duration.ofSeconds(30)));
        assertThat(off.adaptiveHeadroom().on()).isFalse();
        assertThat(new ConfigLoader(Map.of("BREAKEVEN_SCHEDULER_ADAPTIVE_HEADROOM_TIME_CONSTANT_MS", "0"))
                        .load(null, Map.of())
                        .scheduler()
                        .adaptiveHeadroomTimeConstantMs())
                .isZero();
    }

    @Test
    void theScalarKeys_canBeSetFromTheEnvironment() {
        BreakevenConfig c = new ConfigLoader(Map.of("BREAKEVEN_SCHEDULER_MAX_WAITING", "50")).load(null, Map.of());

        assertThat(SchedulerSettings.policy(c.scheduler()).maxWaiting()).isEqualTo(50);
    }

    @Test
    void configuredClasses_becomeThePolicy_andDowngradeNamesTheModelThatServesASaturatedClass() throws Exception {
        BreakevenConfig c = load(MODELS + """
                scheduler:
                  initial_hold_estimate_ms: 2000
                  min_retry_after_ms: 500
                  max_waiting: 100
                  classes:
                    - {name: paid, rank: 5, max_wait_ms: 20000, max_share: 1}
                    - {name: free, rank: 1, max_wait_ms: 3000, max_share: 0.25, on_saturation: "downgrade:small"}
                """);

        SchedulerPolicy policy = SchedulerSettings.policy(c.scheduler());

        assertThat(policy.classes())
                .containsExactly(
                        new PriorityClass("free", 1, Duration.ofSeconds(3), 0.25),
                        new PriorityClass("paid", 5, Duration.ofSeconds(20), 1.0),
                        new PriorityClass("default", 6, Duration.ofSeconds(60), 1.0));
        assertThat(policy.initialHoldEstimate()).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.minRetryAfter()).isEqualTo(Duration.ofMillis(500));
        assertThat(policy.maxWaiting()).isEqualTo(100);
        assertThat(SchedulerSettings.downgrades(c.scheduler())).isEqualTo(Map.of("free", "small"));
        assertThat(c.scheduler().classes().getFirst().onSaturation())
                .as("left out means refuse")
                .isEqualTo("refuse");
    }

    @Test
    void aClassNamedDefault_replacesTheBuiltInOne() throws Exception {
        BreakevenConfig c = load("""
                scheduler:
                  classes: [{name: default, rank: 0, max_wait_ms: 2000, max_share: 1}]
                """);

        assertThat(SchedulerSettings.policy(c.scheduler()).classes())
                .containsExactly(new PriorityClass("default", 0, Duration.ofSeconds(2), 1.0));
    }

    @Test
    void aPlansPriority_mustNameAConfiguredClass_andTheErrorListsThem() throws Exception {
        String scheduler = """
                scheduler:
                  classes:
                    - {name: bronze, rank: 0, max_wait_ms: 1000, max_share: 0.5}
                    - {name: gold, rank: 1, max_wait_ms: 9000, max_share: 1}
                """;
        assertThat(load(MODELS + scheduler + """
                        plans: [{id: p, models: [assistant], priority: gold}]
                        default_plan: p
                        """).plans()).hasSize(1);

        assertThatThrownBy(() -> load(MODELS + scheduler + """
                        plans: [{id: p, models: [assistant], priority: pro}]
                        default_plan: p
                        """))
                .isInstanceOf(ConfigException.class)
                .hasMessage("plans[0].priority must name a class of the scheduler (bronze, gold, default), got 'pro'");
    }

    @Test
    void theDemosPlans_needTheSuggestedClasses() throws Exception {
        BreakevenConfig c = load("""
                scheduler:
                  classes: [{name: everyone, rank: 0, max_wait_ms: 1000, max_share: 1}]
                """);

        assertThatThrownBy(() -> DemoCommand.withDemoPlans(c))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("scheduler.classes has no 'free'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            typo in a key            | 'scheduler: {max_wating: 5}'                                                | unknown key 'scheduler.max_wating'
            typo in a class          | 'scheduler: {classes: [{name: a, rank: 0, max_wait_ms: 1, max_share: 1, shar: 1}]}' | unknown key 'scheduler.classes[0].shar'
            zero hold estimate       | 'scheduler: {initial_hold_estimate_ms: 0}'                                  | scheduler.initial_hold_estimate_ms must be at least 1
            negative retry           | 'scheduler: {min_retry_after_ms: -1}'                                       | scheduler.min_retry_after_ms must be 0 or more
            negative max waiting     | 'scheduler: {max_waiting: -1}'                                              | scheduler.max_waiting must be 0 or more
            negative time constant   | 'scheduler: {adaptive_headroom_time_constant_ms: -1}'                      | scheduler.adaptive_headroom_time_constant_ms must be 0 (off) or more
            negative z               | 'scheduler: {adaptive_headroom_z: -0.5}'                                   | scheduler.adaptive_headroom_z must be from 0 to 100, got -0.5
            z not a number           | 'scheduler: {adaptive_headroom_z: lots}'                                   | scheduler.adaptive_headroom_z
            no classes               | 'scheduler: {classes: []}'                                                  | scheduler.classes must list at least one class
            class without a name     | 'scheduler: {classes: [{rank: 0, max_wait_ms: 1, max_share: 1}]}'           | scheduler.classes[0].name is required
            class without a rank     | 'scheduler: {classes: [{name: a, max_wait_ms: 1, max_share: 1}]}'           | scheduler.classes[0].rank is required
            fractional rank          | 'scheduler: {classes: [{name: a, rank: 0.5, max_wait_ms: 1, max_share: 1}]}' | scheduler.classes[0].rank
            negative wait            | 'scheduler: {classes: [{name: a, rank: 0, max_wait_ms: -5, max_share: 1}]}' | scheduler.classes[0].max_wait_ms is required, 0 or more
            share above one          | 'scheduler: {classes: [{name: a, rank: 0, max_wait_ms: 1, max_share: 1.5}]}' | scheduler.classes[0].max_share is required, more than 0 and at most 1, got 1.5
            zero share               | 'scheduler: {classes: [{name: a, rank: 0, max_wait_ms: 1, max_share: 0}]}'  | scheduler.classes[0].max_share is required
            same name twice          | 'scheduler: {classes: [{name: a, rank: 0, max_wait_ms: 1, max_share: 1}, {name: a, rank: 1, max_wait_ms: 1, max_share: 1}]}' | scheduler.classes[1].name 'a' is used twice
            same rank twice          | 'scheduler: {classes: [{name: a, rank: 0, max_wait_ms: 1, max_share: 1}, {name: b, rank: 0, max_wait_ms: 1, max_share: 1}]}' | scheduler.classes[1].rank 0 is also the rank of class 'a'
            higher class smaller     | 'scheduler: {classes: [{name: a, rank: 0, max_wait_ms: 1, max_share: 0.6}, {name: b, rank: 1, max_wait_ms: 1, max_share: 0.5}, {name: c, rank: 2, max_wait_ms: 1, max_share: 1}]}' | scheduler.classes[1].max_share 0.5 is smaller than that of the lower-ranked class 'a' (0.6)
            top class below one      | 'scheduler: {classes: [{name: a, rank: 0, max_wait_ms: 1, max_share: 0.5}, {name: b, rank: 1, max_wait_ms: 1, max_share: 0.9}]}' | scheduler.classes[1].max_share must be 1 for the highest-ranked class 'b'
            unknown saturation       | 'scheduler: {classes: [{name: a, rank: 0, max_wait_ms: 1, max_share: 1, on_saturation: wait}]}' | scheduler.classes[0].on_saturation must be refuse or downgrade:<model>, got 'wait'
            downgrade to no model    | 'scheduler: {classes: [{name: a, rank: 0, max_wait_ms: 1, max_share: 1, on_saturation: "downgrade:tiny"}]}' | scheduler.classes[0].on_saturation downgrades to no configured model: 'tiny'
            """)
    void badSchedulerConfiguration_failsWithOneMessageNamingTheKey(String name, String yaml, String message)
            throws Exception {
        assertThatThrownBy(() -> load(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }
}
