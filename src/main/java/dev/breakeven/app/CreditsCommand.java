package dev.breakeven.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.access.Account;
import dev.breakeven.billing.WalletBalance;
import dev.breakeven.store.Ids;
import java.time.Clock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code breakeven credits grant|show}: an account's wallet, from the ledger. */
@Command(
        name = "credits",
        mixinStandardHelpOptions = true,
        description = "Grant credits and show wallets.",
        subcommands = {CreditsCommand.Grant.class, CreditsCommand.Show.class})
final class CreditsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: grant or show");
    }

    static ObjectNode json(Account account, WalletBalance w) {
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("object", "wallet");
        out.put("account_id", account.id());
        out.put("account", account.name());
        out.put("paid_micros", w.paid());
        out.put("granted_micros", w.granted());
        out.put("reserved_micros", w.reserved());
        out.put("available_micros", w.available());
        out.put("owed_micros", w.owed());
        return out;
    }

    static String summary(Account account, WalletBalance w) {
        return account.name() + ": " + MoneyCommands.dollars(w.available()) + " available ("
                + MoneyCommands.dollars(w.paid())
                + " paid, " + MoneyCommands.dollars(w.granted()) + " granted, " + MoneyCommands.dollars(w.reserved())
                + " reserved), " + MoneyCommands.dollars(w.owed()) + " owed";
    }

    @Command(
            name = "grant",
            mixinStandardHelpOptions = true,
            description = "Grant credits to an account (spent before paid credits).")
    static final class Grant implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(names = "--account", required = true, paramLabel = "NAME", description = "Account name or id.")
        String account;

        @Option(
                names = "--amount",
                required = true,
                paramLabel = "USD",
                description = "Amount in dollars, e.g. 5 or 2.50.")
        String amount;

        @Option(names = "--note", paramLabel = "TEXT", description = "Why (shown in the ledger).")
        String note;

        @Option(
                names = "--id",
                paramLabel = "ID",
                description = "An id for this grant: the same id again grants nothing more (default: a new id).")
        String id;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            long micros = MoneyCommands.positiveAmount(spec.commandLine(), "--amount", amount);
            if (id != null && (id.isBlank() || id.length() > 100 || id.indexOf('\0') >= 0)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--id must have 1 to 100 characters");
            }
            String grantId = id != null ? id : new Ids(Clock.systemUTC()).next("grant_");
            String line = MoneyCommands.withBooks(options, (books, keys) -> {
                Account a = MoneyCommands.account(keys, account);
                boolean granted = books.wallets.grant(a.id(), micros, grantId, note, books.clock.millis());
                String what = granted
                        ? "Granted " + MoneyCommands.dollars(micros) + " (grant " + grantId + "). "
                        : "Grant " + grantId + " was already made; nothing changed. ";
                return what + summary(a, books.wallets.balance(a.id()));
            });
            System.out.println(line);
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an account's wallet.")
    static final class Show implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(names = "--account", required = true, paramLabel = "NAME", description = "Account name or id.")
        String account;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                defaultValue = "table",
                description = "table (default) or json.")
        OutputFormat format;

        @Override
        public void run() {
            String out = MoneyCommands.withBooks(options, (books, keys) -> {
                Account a = MoneyCommands.account(keys, account);
                WalletBalance w = books.wallets.balance(a.id());
                return format == OutputFormat.json ? json(a, w).toPrettyString() : summary(a, w);
            });
            System.out.println(out);
        }
    }
}
