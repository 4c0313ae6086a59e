package dev.breakeven.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakeven.api.PlanView;
import dev.breakeven.plans.Plan;
import dev.breakeven.plans.PlanBook;
import dev.breakeven.plans.StoredPlan;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code breakeven plans list|show|archive|restore}: the plans in the database, server running or
 * not (a running server sees a change within {@code server.price_cache_ms}). Plan terms are edited
 * through the admin API.
 */
@Command(
        name = "plans",
        mixinStandardHelpOptions = true,
        description = "List and show plans; archive a plan or offer it again.",
        subcommands = {
            PlansCommand.ListPlans.class,
            PlansCommand.Show.class,
            PlansCommand.Archive.class,
            PlansCommand.Restore.class
        })
final class PlansCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "Missing subcommand: list, show, archive or restore");
    }

    /** Plans read from the database, and which one is the default. */
    record Read(List<StoredPlan> plans, String defaultPlan) {}

    /** @throws IllegalArgumentException naming the plan when there is none */
    static StoredPlan existing(PlanBook book, String id) {
        return book.find(id).orElseThrow(() -> new IllegalArgumentException("no plan with id '" + id + "'"));
    }

    /** {@code default}, {@code offered} or {@code archived}. */
    static String status(StoredPlan s, String defaultPlan) {
        if (s.plan().id().equals(defaultPlan)) return "default";
        return s.archived() ? "archived" : "offered";
    }

    /**
     * Archives the plan ({@code archive}) or offers it again; a plan already so is left as it is.
     *
     * @return what was done, for the operator
     */
    static String archive(ConfigOptions options, String id, boolean archive) {
        return MoneyCommands.withPlans(options, (plans, keys) -> {
            StoredPlan s = existing(plans.book, id);
            if (s.archived() == archive) {
                return "Plan '" + id + "' is already " + (archive ? "archived" : "offered") + "; nothing changed.";
            }
            if (archive) {
                plans.book.archive(id);
                return "Archived plan '" + id + "' (" + s.plan().name()
                        + "): no longer offered; the accounts on it keep it.";
            }
            plans.book.put(s.plan(), false);
            return "Restored plan '" + id + "' (" + s.plan().name() + "): offered again.";
        });
    }

    /** A limit, or {@code none} for 0. */
    private static String limit(long value) {
        return value == 0 ? "none" : Long.toString(value);
    }

    /** A command on one plan, named by its id. */
    abstract static class OnePlan implements Runnable {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "ID", description = "The plan's id, as shown by 'plans list'.")
        String id;
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "The plans on offer, in catalog order; --all adds the archived ones.")
    static final class ListPlans implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(names = "--all", description = "Archived plans too.")
        boolean all;

        @Mixin
        OutputFormat.Choice format;

        @Override
        public void run() {
            Read listed = MoneyCommands.withPlans(
                    options,
                    (plans, keys) -> new Read(
                            plans.book.stored().stream()
                                    .filter(s -> all || !s.archived())
                                    .toList(),
                            plans.book.defaultPlan()));
            if (format.json()) {
                OutputFormat.printJsonArray(
                        listed.plans(), (json, s) -> PlanView.stored(json, s, listed.defaultPlan()));
                return;
            }
            Table table = new Table("ID", "NAME", "MONTHLY", "MODELS", "PRIORITY", "OVERAGE", "STATUS");
            for (StoredPlan s : listed.plans()) {
                Plan p = s.plan();
                table.row(
                        p.id(),
                        p.name(),
                        MoneyCommands.dollars(p.monthlyPriceMicros()),
                        p.models().isEmpty() ? "none" : String.join(",", p.models()),
                        p.priorityClass(),
                        p.overage().wire(),
                        status(s, listed.defaultPlan()));
            }
            table.print(System.out);
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One plan's terms, archived or not.")
    static final class Show extends OnePlan {
        @Mixin
        OutputFormat.Choice format;

        @Override
        public void run() {
            Read read = MoneyCommands.withPlans(
                    options, (plans, keys) -> new Read(List.of(existing(plans.book, id)), plans.book.defaultPlan()));
            StoredPlan s = read.plans().get(0);
            if (format.json()) {
                System.out.println(PlanView.stored(new ObjectMapper(), s, read.defaultPlan())
                        .toPrettyString());
                return;
            }
            Plan p = s.plan();
            Table table = new Table("FIELD", "VALUE");
            table.row("id", p.id());
            table.row("name", p.name());
            table.row("status", status(s, read.defaultPlan()));
            table.row("monthly", MoneyCommands.dollars(p.monthlyPriceMicros()));
            table.row("models", p.models().isEmpty() ? "none" : String.join(", ", p.models()));
            table.row("max_context_tokens", limit(p.maxContextTokens()));
            table.row("max_output_tokens", limit(p.maxOutputTokens()));
            table.row("tokens_per_day", limit(p.tokensPerDay()));
            table.row("tokens_per_month", limit(p.tokensPerMonth()));
            table.row("requests_per_minute", limit(p.requestsPerMinute()));
            table.row("tokens_per_minute", limit(p.tokensPerMinute()));
            table.row("priority", p.priorityClass());
            table.row("ads", p.ads() ? "yes" : "no");
            table.row("overage", p.overage().wire());
            table.row("created_at", Instant.ofEpochMilli(s.createdAt()));
            table.row("updated_at", Instant.ofEpochMilli(s.updatedAt()));
            table.print(System.out);
        }
    }

    @Command(
            name = "archive",
            mixinStandardHelpOptions = true,
            description = {
                "Stop offering a plan: it is no longer listed or choosable; the accounts on it keep it and renew it.",
                "The default plan cannot be archived."
            })
    static final class Archive extends OnePlan {
        @Override
        public void run() {
            System.out.println(archive(options, id, true));
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true, description = "Offer an archived plan again.")
    static final class Restore extends OnePlan {
        @Override
        public void run() {
            System.out.println(archive(options, id, false));
        }
    }
}
