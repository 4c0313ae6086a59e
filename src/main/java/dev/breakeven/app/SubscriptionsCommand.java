package dev.breakeven.app;

import dev.breakeven.access.Account;
import dev.breakeven.api.SubscriptionView;
import dev.breakeven.plans.Renewals;
import dev.breakeven.plans.Subscription;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code breakeven subscriptions list|renew}: what accounts on a paid plan have paid for, and
 * renewing what is due now, on the database directly (where no server renews, say).
 */
@Command(
        name = "subscriptions",
        mixinStandardHelpOptions = true,
        description = "List subscriptions; renew the ones that are due now.",
        subcommands = {SubscriptionsCommand.ListSubscriptions.class, SubscriptionsCommand.Renew.class})
final class SubscriptionsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: list or renew");
    }

    /** {@code paid_through} is the first instant not paid for: the first day of a month, UTC. */
    static LocalDate date(long epochMillis) {
        return LocalDate.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    static Instant instant(Long epochMillis) {
        return epochMillis == null ? null : Instant.ofEpochMilli(epochMillis);
    }

    /** Accounts by id. */
    static Map<String, Account> accounts(List<Account> all) {
        return all.stream().collect(Collectors.toMap(Account::id, Function.identity()));
    }

    /** The account's name, or its id if it is unknown. */
    static String name(Map<String, Account> accounts, String accountId) {
        Account a = accounts.get(accountId);
        return a == null ? accountId : a.name();
    }

    /** A command that prints a table or JSON. */
    abstract static class Printing implements Runnable {
        @Mixin
        ConfigOptions options;

        @Mixin
        OutputFormat.Choice format;
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "Every subscription (accounts on a plan other than the default one), by account name.")
    static final class ListSubscriptions extends Printing {
        @Override
        public void run() {
            record Listed(List<Subscription> subscriptions, Map<String, Account> accounts) {}
            Listed listed = MoneyCommands.withPlans(
                    options, (plans, keys) -> new Listed(plans.records.all(), accounts(keys.accounts())));
            List<Subscription> subscriptions = listed.subscriptions().stream()
                    .sorted(Comparator.comparing((Subscription s) -> name(listed.accounts(), s.accountId())))
                    .toList();
            if (format.json()) {
                OutputFormat.printJsonArray(subscriptions, (json, s) -> {
                    Account a = listed.accounts().get(s.accountId());
                    return SubscriptionView.of(json, a, Optional.of(s)).put("account", a.name());
                });
                return;
            }
            Table table = new Table("ACCOUNT", "PLAN", "STATUS", "PAID THROUGH", "GRACE UNTIL");
            for (Subscription s : subscriptions) {
                table.row(
                        name(listed.accounts(), s.accountId()),
                        s.planId(),
                        s.status().wire(),
                        date(s.paidThrough()),
                        instant(s.graceUntil()));
            }
            table.print(System.out);
        }
    }

    @Command(
            name = "renew",
            mixinStandardHelpOptions = true,
            description = {
                "Renew every subscription that is due now, paying each month from the wallet; a month is never"
                        + " charged twice.",
                "Each renewal is renewed, past_due (the wallet could not pay: the plan stays for the grace period)"
                        + " or downgraded (the grace period ended: the default plan)."
            })
    static final class Renew extends Printing {
        @Override
        public void run() {
            record Renewed(List<Renewals.Renewal> renewals, Map<String, Account> accounts) {}
            Renewed done = MoneyCommands.withPlans(options, (plans, keys) -> {
                List<Renewals.Renewal> renewals = plans.renewals.renewDue();
                return new Renewed(renewals, accounts(keys.accounts()));
            });
            if (format.json()) {
                OutputFormat.printJsonArray(done.renewals(), SubscriptionView::renewal);
                return;
            }
            if (done.renewals().isEmpty()) {
                System.out.println("No subscription was due.");
                return;
            }
            Table table = new Table("ACCOUNT", "PLAN", "OUTCOME", "CHARGED", "PAID THROUGH", "GRACE UNTIL");
            long charged = 0;
            for (Renewals.Renewal r : done.renewals()) {
                charged += r.chargedMicros();
                table.row(
                        name(done.accounts(), r.accountId()),
                        r.planId(),
                        r.outcome().name().toLowerCase(Locale.ROOT),
                        MoneyCommands.dollars(r.chargedMicros()),
                        r.subscription().map(s -> date(s.paidThrough())).orElse(null),
                        r.subscription().map(s -> instant(s.graceUntil())).orElse(null));
            }
            table.print(System.out);
            System.out.println(done.renewals().size() + " due, " + MoneyCommands.dollars(charged) + " charged");
        }
    }
}
