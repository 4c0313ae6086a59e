package dev.breakeven.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.breakeven.billing.Price;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.PriceJson;
import dev.breakeven.billing.PriceKind;
import dev.breakeven.ledger.Money;
import dev.breakeven.store.Database;
import dev.breakeven.store.Ids;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code breakeven prices set|list|history}: the price book, on the data directly, server running or not. */
@Command(
        name = "prices",
        mixinStandardHelpOptions = true,
        description = "Set and show prices: model tokens (per million) and plan fees (per month).",
        subcommands = {PricesCommand.Set.class, PricesCommand.ListPrices.class, PricesCommand.History.class})
final class PricesCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: set, list or history");
    }

    static <T> T withPriceBook(ConfigOptions options, Clock clock, Function<PriceBook, T> work) {
        return withPriceBook(options.load(Map.of()), clock, work);
    }

    static <T> T withPriceBook(BreakevenConfig config, Clock clock, Function<PriceBook, T> work) {
        try (Database db = Database.open(Breakeven.databaseSettings(config, System.getenv()))) {
            return work.apply(Breakeven.priceBook(db, new Ids(clock), clock, config));
        }
    }

    @Command(
            name = "set",
            mixinStandardHelpOptions = true,
            description = {
                "Set a model's token prices (USD per million tokens) or a plan's monthly fee (USD), from now or --from"
                        + " TIME on.",
                "Prices are never changed in place: each set adds a version (see docs/billing.md)."
            })
    static final class Set implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(names = "--model", paramLabel = "ID", description = "The model (its id in /v1/models).")
        String model;

        @Option(names = "--input", paramLabel = "USD", description = "Price per million prompt tokens, e.g. 0.15.")
        String input;

        @Option(names = "--output", paramLabel = "USD", description = "Price per million completion tokens, e.g. 0.60.")
        String output;

        @Option(names = "--plan", paramLabel = "ID", description = "The plan.")
        String plan;

        @Option(names = "--monthly", paramLabel = "USD", description = "The plan's fee per month, e.g. 20.")
        String monthly;

        @Option(
                names = "--from",
                paramLabel = "TIME",
                description = "In force from TIME (default: now): 2026-12-01, 2026-12-01T00:00:00Z, epoch millis,"
                        + " or an age like 7d (that long ago).")
        String from;

        @Option(names = "--note", paramLabel = "TEXT", description = "Why the price is set.")
        String note;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            Clock clock = Clock.systemUTC();
            long effectiveFrom = from == null ? clock.millis() : time(spec, "--from", from, clock);
            List<PriceBook.Change> changes = new ArrayList<>();
            if (model != null && plan != null) throw usage("give --model or --plan, not both");
            if (model != null) {
                if (monthly != null) throw usage("--monthly is for a plan; a model has --input and --output");
                if (input == null && output == null) throw usage("--model needs --input and/or --output");
                if (input != null) {
                    changes.add(change(PriceKind.MODEL_INPUT, model, "--input", input, effectiveFrom));
                }
                if (output != null) {
                    changes.add(change(PriceKind.MODEL_OUTPUT, model, "--output", output, effectiveFrom));
                }
            } else if (plan != null) {
                if (input != null || output != null) {
                    throw usage("--input and --output are for a model; a plan has --monthly");
                }
                if (monthly == null) throw usage("--plan needs --monthly");
                changes.add(change(PriceKind.PLAN_FEE, plan, "--monthly", monthly, effectiveFrom));
            } else {
                throw usage("give --model ID (with --input and/or --output) or --plan ID (with --monthly)");
            }
            BreakevenConfig config = options.load(Map.of());
            if (model != null && config.models().stream().noneMatch(m -> m.id().equals(model))) {
                System.err.println("Note: '" + model + "' is not a model of this configuration ("
                        + String.join(
                                ", ",
                                config.models().stream()
                                        .map(BreakevenConfig.Model::id)
                                        .toList())
                        + "); its price is stored all the same.");
            }
            List<Price> stored = withPriceBook(config, clock, book -> book.setAll(changes));
            for (Price p : stored) {
                System.out.println(p.kind().wireName() + " of " + p.kind().subjectName() + " '" + p.subject() + "': "
                        + describe(p) + " (" + p.id() + ")");
            }
        }

        private PriceBook.Change change(PriceKind kind, String subject, String option, String amount, long from) {
            long micros;
            try {
                micros = Money.parse(amount);
            } catch (IllegalArgumentException e) {
                throw usage(option + ": " + e.getMessage());
            }
            if (micros < 0) throw usage(option + ": a price cannot be negative, got " + amount);
            return new PriceBook.Change(kind, subject, micros, from, note);
        }

        private CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Prices in force now, or at --at TIME.")
    static final class ListPrices implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(
                names = "--at",
                paramLabel = "TIME",
                description = "Show the prices in force at TIME (default: now): 2026-12-01, 2026-12-01T00:00:00Z,"
                        + " epoch millis, or an age like 30d.")
        String at;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                defaultValue = "table",
                description = "table (default), csv or json.")
        Format format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            Clock clock = Clock.systemUTC();
            long time = at == null ? clock.millis() : time(spec, "--at", at, clock);
            print(System.out, withPriceBook(options, clock, book -> book.current(time)), format);
        }
    }

    @Command(
            name = "history",
            mixinStandardHelpOptions = true,
            description = "Every version of the prices, newest first: all, or of one model or plan.")
    static final class History implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(names = "--model", paramLabel = "ID", description = "Only this model's token prices.")
        String model;

        @Option(names = "--plan", paramLabel = "ID", description = "Only this plan's fee.")
        String plan;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                defaultValue = "table",
                description = "table (default), csv or json.")
        Format format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            if (model != null && plan != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give --model or --plan, not both");
            }
            List<Price> history = withPriceBook(options, Clock.systemUTC(), book -> {
                if (plan != null) return book.history(PriceKind.PLAN_FEE, plan);
                if (model == null) return book.history(null, null);
                return book.history(null, model).stream()
                        .filter(p -> p.kind().subjectName().equals("model"))
                        .toList();
            });
            print(System.out, history, format);
        }
    }

    enum Format {
        table,
        csv,
        json
    }

    static long time(CommandLine.Model.CommandSpec spec, String option, String text, Clock clock) {
        try {
            return TimeArgument.parse(text, clock);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    /** {@code 0.15 per million tokens from 2026-12-01T00:00:00Z}; "since always" for effective time 0. */
    static String describe(Price p) {
        String unit =
                switch (p.kind().unit()) {
                    case PER_MILLION_TOKENS -> "per million tokens";
                    case PER_MONTH -> "per month";
                };
        return Money.format(p.micros()) + " " + unit + " " + from(p);
    }

    private static String from(Price p) {
        return p.effectiveFrom() == 0 ? "since always" : "from " + Instant.ofEpochMilli(p.effectiveFrom());
    }

    static void print(PrintStream out, List<Price> prices, Format format) {
        switch (format) {
            case json -> {
                ObjectMapper json = new ObjectMapper();
                ArrayNode array = json.createArrayNode();
                for (Price p : prices) array.add(PriceJson.of(json, p));
                out.println(array.toPrettyString());
            }
            case csv -> {
                out.println("id,kind,subject,micros,amount,unit,effective_from,created_at,note");
                for (Price p : prices) {
                    out.println(String.join(
                            ",",
                            p.id(),
                            p.kind().wireName(),
                            csv(p.subject()),
                            Long.toString(p.micros()),
                            Money.format(p.micros()),
                            p.kind().unit().wireName(),
                            Long.toString(p.effectiveFrom()),
                            Long.toString(p.createdAt()),
                            csv(p.note())));
                }
            }
            case table -> {
                Table table = new Table("KIND", "SUBJECT", "PRICE", "UNIT", "FROM", "NOTE", "ID");
                for (Price p : prices) {
                    table.row(
                            p.kind().wireName(),
                            p.subject(),
                            Money.format(p.micros()),
                            p.kind().unit().wireName(),
                            p.effectiveFrom() == 0 ? "always" : Instant.ofEpochMilli(p.effectiveFrom()),
                            p.note(),
                            p.id());
                }
                table.print(out);
            }
        }
    }

    private static String csv(String value) {
        if (value == null) return "";
        if (value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r"))
            return "\"" + value.replace("\"", "\"\"") + "\"";
        return value;
    }
}
