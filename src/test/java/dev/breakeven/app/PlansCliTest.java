package dev.breakeven.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.access.KeyRing;
import dev.breakeven.plans.Subscription;
import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.TestClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * {@code breakeven plans} and {@code subscriptions}, run in-process on a real data directory
 * (SQLite) whose configuration seeds three plans: outputs, exit codes, and what they do to the
 * stored plans, subscriptions and wallets.
 */
@Isolated("swaps System.out and System.err")
class PlansCliTest {
    static final String PLANS = """
            plans:
              - {id: free, name: Free, models: [assistant], max_output_tokens: 512, tokens_per_day: 50000, ads: true}
              - {id: plus, name: Plus, monthly_micros: 20000000, models: [assistant], overage: wallet}
              - {id: pro, name: Pro, monthly_micros: 50000000, models: [assistant]}
            default_plan: free
            """;

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        /** The error as the user sees it: one line, no stack trace. */
        String errorLine() {
            assertThat(err).as("stderr").doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(err.lines()).as("stderr").hasSize(1);
            return err.strip();
        }
    }

    @BeforeEach
    void configuration() throws IOException {
        Files.writeString(config(), """
                data_dir: "%s"
                models:
                  - {id: assistant, backends: []}
                %s""".formatted(dir.resolve("data"), PLANS));
    }

    Path config() {
        return dir.resolve("breakeven.yaml");
    }

    static Run cli(String... args) {
        CliRun run = CliRun.of(args);
        return new Run(run.code(), run.out(), run.err());
    }

    /** Runs a command on this test's configuration. */
    Run on(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(config().toString());
        return cli(all.toArray(String[]::new));
    }

    /** Runs a command on this test's configuration and expects it to succeed. */
    Run ok(String... args) {
        Run run = on(args);
        assertThat(run.code()).as("%s: %s", String.join(" ", args), run.err()).isZero();
        return run;
    }

    /** Works on the data with the parts the commands use, built the way the server builds them. */
    <T> T withPlans(BiFunction<PlanBilling, KeyRing, T> work) {
        ConfigOptions options = new ConfigOptions();
        options.config = config();
        return MoneyCommands.withPlans(options, work);
    }

    // ---------------------------------------------------------------- plans

    @Test
    void plansList_showsTheConfiguredPlans_andArchivedOnesOnlyWithAll() {
        assertThat(ok("plans", "list").out()).isEqualTo("""
                        ID    NAME  MONTHLY  MODELS     PRIORITY  OVERAGE  STATUS
                        free  Free  $0.00    assistant  free      refuse   default
                        plus  Plus  $20.00   assistant  plus      wallet   offered
                        pro   Pro   $50.00   assistant  pro       refuse   offered
                        """);

        Run archived = ok("plans", "archive", "pro");

        assertThat(archived.out())
                .isEqualTo("Archived plan 'pro' (Pro): no longer offered; the accounts on it keep it.\n");
        assertThat(ok("plans", "list").out()).doesNotContain("pro");
        assertThat(ok("plans", "list", "--all").out().lines())
                .containsExactly(
                        "ID    NAME  MONTHLY  MODELS     PRIORITY  OVERAGE  STATUS",
                        "free  Free  $0.00    assistant  free      refuse   default",
                        "plus  Plus  $20.00   assistant  plus      wallet   offered",
                        "pro   Pro   $50.00   assistant  pro       refuse   archived");
        JsonNode all = json(ok("plans", "list", "--all", "--format", "json"));
        assertThat(all).hasSize(3);
        assertThat(all.get(0).get("object").asText()).isEqualTo("plan");
        assertThat(all.get(0).get("default").asBoolean()).isTrue();
        assertThat(all.get(2).get("id").asText()).isEqualTo("pro");
        assertThat(all.get(2).get("archived").asBoolean()).isTrue();
        assertThat(all.get(2).get("default").asBoolean()).isFalse();
        assertThat(json(ok("plans", "list", "--format", "json"))).hasSize(2);

        assertThat(ok("plans", "restore", "pro").out()).isEqualTo("Restored plan 'pro' (Pro): offered again.\n");
        assertThat(ok("plans", "list").out()).contains("pro   Pro   $50.00   assistant  pro       refuse   offered");
    }

    @Test
    void plansShow_printsOnePlan_archivedOrNot_inTheAdminApiShapeAsJson() {
        ok("plans", "archive", "plus");

        assertThat(ok("plans", "show", "free").out().lines())
                .contains(
                        "status               default",
                        "monthly              $0.00",
                        "max_context_tokens   none",
                        "max_output_tokens    512",
                        "tokens_per_day       50000",
                        "ads                  yes",
                        "overage              refuse");
        JsonNode plus = json(ok("plans", "show", "plus", "--format", "json"));
        assertThat(plus.get("object").asText()).isEqualTo("plan");
        assertThat(plus.get("id").asText()).isEqualTo("plus");
        assertThat(plus.get("name").asText()).isEqualTo("Plus");
        assertThat(plus.get("monthly_price_micros").asLong()).isEqualTo(20_000_000);
        assertThat(plus.get("overage").asText()).isEqualTo("wallet");
        assertThat(plus.get("archived").asBoolean()).isTrue();
        assertThat(plus.get("default").asBoolean()).isFalse();
        assertThat(plus.get("updated_at").asLong())
                .isGreaterThanOrEqualTo(plus.get("created_at").asLong());
    }

    @Test
    void plansArchive_refusesTheDefaultPlan_andUnknownPlans_withOneLine() {
        Run refused = on("plans", "archive", "free");

        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.errorLine())
                .isEqualTo("breakeven: 'free' is the default plan (default_plan in the configuration) and cannot be"
                        + " archived.");
        assertThat(ok("plans", "list").out()).contains("free  Free");

        for (String command : List.of("show", "archive", "restore")) {
            Run unknown = on("plans", command, "gold");
            assertThat(unknown.code()).as(command).isEqualTo(1);
            assertThat(unknown.errorLine()).isEqualTo("breakeven: no plan with id 'gold'");
            assertThat(unknown.out()).isEmpty();
        }
    }

    @Test
    void plansArchiveAndRestore_twice_changeNothingTheSecondTime() {
        ok("plans", "archive", "pro");
        long updated = json(ok("plans", "show", "pro", "--format", "json"))
                .get("updated_at")
                .asLong();

        assertThat(ok("plans", "archive", "pro").out()).isEqualTo("Plan 'pro' is already archived; nothing changed.\n");
        assertThat(json(ok("plans", "show", "pro", "--format", "json"))
                        .get("updated_at")
                        .asLong())
                .isEqualTo(updated);
        ok("plans", "restore", "pro");
        assertThat(ok("plans", "restore", "pro").out()).isEqualTo("Plan 'pro' is already offered; nothing changed.\n");
    }

    @Test
    void aPlanArchivedByTheCli_isNoLongerOfferedByARunningServer_onceItsCopyIsOlderThanPriceCacheMs() {
        TestClock clock = new TestClock(Instant.parse("2026-06-15T12:00:00Z"));
        Path serverDir = dir.resolve("server");
        try (Gateway gw = Gateway.in(serverDir).clock(clock).yaml(PLANS).start()) {
            assertThat(offered(gw)).containsExactly("free", "plus", "pro");

            Run archived = cli(
                    "plans",
                    "archive",
                    "pro",
                    "--config",
                    serverDir.resolve("breakeven.yaml").toString());
            assertThat(archived.code()).as(archived.err()).isZero();

            assertThat(offered(gw))
                    .as("the server's copy is younger than price_cache_ms")
                    .contains("pro");
            clock.advance(Duration.ofMillis(1000));
            assertThat(offered(gw)).containsExactly("free", "plus");
        }
    }

    private static List<String> offered(Gateway gw) {
        List<String> ids = new ArrayList<>();
        Gateway.json(gw.get("/v1/plans", gw.userKey))
                .get("data")
                .forEach(p -> ids.add(p.get("id").asText()));
        return ids;
    }

    // ---------------------------------------------------------------- subscriptions

    /** The first instant of this month, UTC: a subscription paid through it owes this month. */
    static long thisMonth() {
        return YearMonth.now(ZoneOffset.UTC)
                .atDay(1)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant()
                .toEpochMilli();
    }

    static String nextMonth() {
        return YearMonth.now(ZoneOffset.UTC).plusMonths(1).atDay(1).toString();
    }

    long available(String account) {
        return json(ok("credits", "show", "--account", account, "--format", "json"))
                .get("available_micros")
                .asLong();
    }

    @Test
    void subscriptionsRenew_chargesTheMonthOnce() {
        ok("keys", "create", "--account", "alice");
        ok("credits", "grant", "--account", "alice", "--amount", "100");
        withPlans((plans, keys) -> {
            String alice = keys.account("alice").orElseThrow().id();
            plans.changes.change(alice, "free", "plus");
            // as if this month were not paid yet: the renewal that is due now
            plans.records.save(new Subscription(
                    alice, "plus", Subscription.Status.ACTIVE, thisMonth(), null, System.currentTimeMillis()));
            return null;
        });
        assertThat(ok("subscriptions", "list").out().lines())
                .containsExactly(
                        "ACCOUNT  PLAN  STATUS  PAID THROUGH  GRACE UNTIL",
                        "alice    plus  active  "
                                + LocalDate.ofInstant(Instant.ofEpochMilli(thisMonth()), ZoneOffset.UTC) + "    -");
        long before = available("alice");

        Run renewed = ok("subscriptions", "renew");

        assertThat(renewed.out().lines())
                .containsExactly(
                        "ACCOUNT  PLAN  OUTCOME  CHARGED  PAID THROUGH  GRACE UNTIL",
                        "alice    plus  renewed  $20.00   " + nextMonth() + "    -",
                        "1 due, $20.00 charged");
        assertThat(available("alice")).isEqualTo(before - 20_000_000);

        assertThat(ok("subscriptions", "renew").out()).isEqualTo("No subscription was due.\n");
        assertThat(json(ok("subscriptions", "renew", "--format", "json"))).isEmpty();
        assertThat(available("alice")).as("the month is charged once").isEqualTo(before - 20_000_000);
        JsonNode listed = json(ok("subscriptions", "list", "--format", "json"));
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("object").asText()).isEqualTo("subscription");
        assertThat(listed.get(0).get("account").asText()).isEqualTo("alice");
        assertThat(listed.get(0).get("plan").asText()).isEqualTo("plus");
        assertThat(listed.get(0).get("status").asText()).isEqualTo("active");
        assertThat(listed.get(0).get("paid_through").asLong())
                .isEqualTo(LocalDate.parse(nextMonth())
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant()
                        .toEpochMilli());
        assertThat(listed.get(0).get("grace_until").isNull()).isTrue();
        ok("ledger", "check");
    }

    @Test
    void subscriptionsRenew_makesAnUnpaidOnePastDue_andDowngradesItOnceTheGraceIsOver() {
        ok("keys", "create", "--account", "bob", "--plan", "plus");
        long now = System.currentTimeMillis();
        withPlans((plans, keys) -> {
            String bob = keys.account("bob").orElseThrow().id();
            plans.records.save(new Subscription(bob, "plus", Subscription.Status.ACTIVE, thisMonth(), null, now));
            return null;
        });

        Run pastDue = ok("subscriptions", "renew");

        assertThat(pastDue.out()).contains("bob      plus  past_due  $0.00    ").endsWith("1 due, $0.00 charged\n");
        JsonNode listed = json(ok("subscriptions", "list", "--format", "json")).get(0);
        assertThat(listed.get("status").asText()).isEqualTo("past_due");
        long graceUntil = listed.get("grace_until").asLong();
        assertThat(graceUntil)
                .isBetween(
                        now + Duration.ofHours(72).toMillis(),
                        now + Duration.ofHours(73).toMillis());
        assertThat(ok("subscriptions", "list").out())
                .contains("past_due", Instant.ofEpochMilli(graceUntil).toString());

        withPlans((plans, keys) -> {
            String bob = keys.account("bob").orElseThrow().id();
            plans.records.save(new Subscription(bob, "plus", Subscription.Status.PAST_DUE, thisMonth(), now - 1, now));
            return null;
        });
        JsonNode downgraded =
                json(ok("subscriptions", "renew", "--format", "json")).get(0);

        assertThat(downgraded.get("object").asText()).isEqualTo("subscription.renewal");
        assertThat(downgraded.get("outcome").asText()).isEqualTo("downgraded");
        assertThat(downgraded.get("charged_micros").asLong()).isZero();
        assertThat(downgraded.get("subscription").get("status").asText()).isEqualTo("none");
        assertThat(ok("subscriptions", "list").out().lines()).hasSize(1);
        String plan =
                withPlans((plans, keys) -> keys.account("bob").orElseThrow().planId());
        assertThat(plan).as("bob's plan").isEqualTo("free");
    }

    // ---------------------------------------------------------------- usage

    @Test
    void badUsage_exits2_andHelp_exits0() {
        for (String group : List.of("plans", "subscriptions")) {
            Run run = cli(group);
            assertThat(run.code()).as(group).isEqualTo(2);
            assertThat(run.err()).as(group).startsWith("Missing subcommand: ");
        }
        for (String[] args : List.of(
                new String[] {"plans", "show"},
                new String[] {"plans", "archive"},
                new String[] {"plans", "list", "--format", "csv"},
                new String[] {"plans", "list", "extra"},
                new String[] {"subscriptions", "renew", "--format", "xml"})) {
            Run run = on(args);
            assertThat(run.code()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(run.err()).as(String.join(" ", args)).contains("Usage: breakeven ");
            assertThat(run.out()).isEmpty();
        }
        for (String[] args : List.of(
                new String[] {"plans", "--help"},
                new String[] {"plans", "list", "--help"},
                new String[] {"plans", "restore", "--help"},
                new String[] {"subscriptions", "renew", "--help"},
                new String[] {"help", "subscriptions"})) {
            Run run = cli(args);
            assertThat(run.code()).as(String.join(" ", args)).isZero();
            assertThat(run.out()).startsWith("Usage: breakeven ");
        }
    }

    static JsonNode json(Run run) {
        try {
            return Gateway.JSON.readTree(run.out());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + run.out(), e);
        }
    }
}
