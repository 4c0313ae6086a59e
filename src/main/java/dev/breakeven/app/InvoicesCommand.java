package dev.breakeven.app;

import dev.breakeven.access.Account;
import dev.breakeven.billing.BillingException;
import dev.breakeven.billing.Invoice;
import dev.breakeven.billing.InvoiceFormat;
import dev.breakeven.billing.IssuedInvoice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code breakeven invoices run|draft}: a month's invoices from the ledger, as HTML, JSON and CSV files. */
@Command(
        name = "invoices",
        mixinStandardHelpOptions = true,
        description = "Issue a month's invoices, or preview one.",
        subcommands = {InvoicesCommand.Run.class, InvoicesCommand.Draft.class})
final class InvoicesCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: run or draft");
    }

    static YearMonth period(CommandLine commandLine, String text) {
        try {
            return YearMonth.parse(text);
        } catch (DateTimeParseException e) {
            throw new CommandLine.ParameterException(
                    commandLine, "--period must be YYYY-MM, e.g. 2026-10, got '" + text + "'");
        }
    }

    static Set<InvoiceFormat> formats(CommandLine commandLine, String text) {
        Set<InvoiceFormat> out = EnumSet.noneOf(InvoiceFormat.class);
        for (String f : text.split(",")) {
            try {
                out.add(InvoiceFormat.valueOf(f.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(
                        commandLine, "--format takes html, json and csv, got '" + f.strip() + "'");
            }
        }
        return out;
    }

    static Path write(Path dir, String fileName, byte[] bytes) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(fileName);
            Files.write(file, bytes);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(fileName) + ": " + e.getMessage(), e);
        }
    }

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = "Issue the invoices of a month that has ended, for every account with something to bill."
                    + " Running it again issues nothing new and writes the same files.")
    static final class Run implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(names = "--period", required = true, paramLabel = "YYYY-MM", description = "The month (UTC).")
        String period;

        @Option(
                names = "--out",
                paramLabel = "DIR",
                description = "Where to write the files (default: <data_dir>/invoices/YYYY-MM).")
        Path out;

        @Option(
                names = "--format",
                paramLabel = "LIST",
                defaultValue = "html,json,csv",
                description = "Any of html, json, csv (default: all).")
        String format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            YearMonth month = period(spec.commandLine(), period);
            Set<InvoiceFormat> wanted = formats(spec.commandLine(), format);
            Path dir = out != null
                    ? out
                    : Path.of(options.load(Map.of()).dataDir())
                            .resolve("invoices")
                            .resolve(month.toString());
            Map<String, String> names = new HashMap<>();
            List<IssuedInvoice> issued;
            try {
                issued = MoneyCommands.withBooks(options, (books, keys) -> {
                    books.ledger.expirePending(books.clock.millis());
                    books.rater.drain(); // everything journaled is charged before the month is closed
                    UnaryOperator<String> name = id -> names.computeIfAbsent(
                            id, k -> keys.account(k).map(Account::name).orElse(k));
                    return books.invoicing().run(month, name, books.clock.millis());
                });
            } catch (BillingException e) {
                if (!e.code().equals("period_not_over")) throw e;
                throw new CommandLine.ParameterException(
                        spec.commandLine(), e.getMessage() + " with: invoices draft --account NAME --period " + month);
            }
            Table table = new Table("NUMBER", "ACCOUNT", "SUBTOTAL", "CREDITS", "DUE");
            for (IssuedInvoice i : issued) {
                for (InvoiceFormat f : wanted)
                    write(dir, i.number() + "." + f.extension(), i.documents().get(f));
                table.row(
                        i.number(),
                        names.getOrDefault(i.accountId(), i.accountId()),
                        MoneyCommands.dollars(i.subtotal()),
                        MoneyCommands.dollars(i.credits()),
                        MoneyCommands.dollars(i.totalDue()));
            }
            if (issued.isEmpty()) {
                System.out.println("No account has anything to bill for " + month + ".");
                return;
            }
            table.print(System.out);
            System.out.println(issued.size() + " invoice(s) for " + month + " in " + dir);
        }
    }

    @Command(
            name = "draft",
            mixinStandardHelpOptions = true,
            description =
                    "Preview an account's invoice for a month, also one not yet over; nothing is stored or numbered.")
    static final class Draft implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(names = "--account", required = true, paramLabel = "NAME", description = "Account name or id.")
        String account;

        @Option(names = "--period", required = true, paramLabel = "YYYY-MM", description = "The month (UTC).")
        String period;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                defaultValue = "json",
                description = "html, json (default) or csv, printed.")
        String format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            YearMonth month = period(spec.commandLine(), period);
            Set<InvoiceFormat> f = formats(spec.commandLine(), format);
            if (f.size() != 1)
                throw new CommandLine.ParameterException(spec.commandLine(), "--format takes one of html, json, csv");
            Optional<Invoice> draft = MoneyCommands.withBooks(options, (books, keys) -> {
                Account a = MoneyCommands.account(keys, account);
                books.rater.drain();
                return books.invoicing().draft(a.id(), a.name(), month, books.clock.millis());
            });
            if (draft.isEmpty()) {
                System.out.println("Nothing to bill for " + account + " in " + month + ".");
                return;
            }
            System.out.print(new String(f.iterator().next().render(draft.get()), StandardCharsets.UTF_8));
        }
    }
}
