package dev.breakeven.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.access.Account;
import dev.breakeven.ledger.Balance;
import dev.breakeven.ledger.Ledger;
import dev.breakeven.ledger.StoredTransfer;
import dev.breakeven.ledger.Transfer;
import dev.breakeven.ledger.TransferQuery;
import dev.breakeven.ledger.TransferResult;
import dev.breakeven.ledger.Violation;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code breakeven ledger check|accounts|transfers|reverse}: the ledger, from the database directly. */
@Command(
        name = "ledger",
        mixinStandardHelpOptions = true,
        description = "Check the ledger's invariants, list balances and transfers, reverse a transfer.",
        subcommands = {
            LedgerCommand.Check.class,
            LedgerCommand.Accounts.class,
            LedgerCommand.Transfers.class,
            LedgerCommand.Reverse.class
        })
final class LedgerCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "Missing subcommand: check, accounts, transfers or reverse");
    }

    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description = "Verify every invariant; exit 1 naming the first violation.")
    static final class Check implements java.util.concurrent.Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() {
            record Outcome(List<Violation> violations, long lag, int accounts) {}
            Outcome o = MoneyCommands.withBooks(
                    options,
                    (books, keys) -> new Outcome(
                            books.audit(),
                            books.rater.lagEvents(),
                            books.ledgerRepository.allBalances().size()));
            if (!o.violations().isEmpty()) {
                Violation first = o.violations().get(0);
                System.err.println("breakeven: ledger check failed: " + first.code() + ": " + first.message()
                        + (o.violations().size() > 1
                                ? " (and " + (o.violations().size() - 1) + " more)"
                                : ""));
                for (Violation v : o.violations()) System.out.println(v.code() + "\t" + v.message());
                return 1;
            }
            System.out.println(
                    "ledger check passed: " + o.accounts() + " accounts; debits equal credits; every balance equals"
                            + " its transfers; no wallet below zero; every rated event posted exactly once"
                            + (o.lag() > 0 ? " (" + o.lag() + " journal events not yet rated)" : ""));
            return 0;
        }
    }

    @Command(name = "accounts", mixinStandardHelpOptions = true, description = "List ledger accounts and balances.")
    static final class Accounts implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(names = "--account", paramLabel = "NAME", description = "Only this account's (name or id).")
        String account;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                defaultValue = "table",
                description = "table (default) or json.")
        OutputFormat format;

        @Override
        public void run() {
            List<Balance> balances = MoneyCommands.withBooks(options, (books, keys) -> {
                if (account == null) return books.ledgerRepository.allBalances();
                Account a = MoneyCommands.account(keys, account);
                return books.ledger.balancesOf(a.id());
            });
            if (format == OutputFormat.json) {
                ArrayNode out = new ObjectMapper().createArrayNode();
                for (Balance b : balances) {
                    out.addObject()
                            .put("id", b.account().id())
                            .put("kind", b.account().kind().wire())
                            .put("owner", b.account().owner())
                            .put("debits_pending", b.debitsPending())
                            .put("debits_posted", b.debitsPosted())
                            .put("credits_pending", b.creditsPending())
                            .put("credits_posted", b.creditsPosted())
                            .put("balance", b.normalBalance());
                }
                System.out.println(out.toPrettyString());
                return;
            }
            Table table = new Table("ACCOUNT", "KIND", "BALANCE", "DEBITS", "CREDITS", "PENDING");
            for (Balance b : balances) {
                table.row(
                        b.account().id(),
                        b.account().kind().wire(),
                        MoneyCommands.dollars(b.normalBalance()),
                        MoneyCommands.dollars(b.debitsPosted()),
                        MoneyCommands.dollars(b.creditsPosted()),
                        MoneyCommands.dollars(b.debitsPending() + b.creditsPending()));
            }
            table.print(System.out);
        }
    }

    @Command(
            name = "transfers",
            mixinStandardHelpOptions = true,
            description = "List transfers of an account or a reference.")
    static final class Transfers implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(
                names = "--ledger-account",
                paramLabel = "ID",
                description = "Transfers of this ledger account (e.g. revenue:compute).")
        String ledgerAccount;

        @Option(
                names = "--account",
                paramLabel = "NAME",
                description = "Transfers of any ledger account of this account.")
        String account;

        @Option(
                names = "--reference",
                paramLabel = "REF",
                description = "Transfers with this reference (an event or payment id).")
        String reference;

        @Option(
                names = "--limit",
                paramLabel = "N",
                defaultValue = "1000",
                description = "At most N transfers (default 1000).")
        int limit;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                defaultValue = "table",
                description = "table (default) or json.")
        OutputFormat format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            if (limit < 1 || limit > 100_000)
                throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be 1 to 100000");
            List<StoredTransfer> transfers = MoneyCommands.withBooks(options, (books, keys) -> {
                String owner = account == null
                        ? null
                        : MoneyCommands.account(keys, account).id();
                return books.ledger.transfers(
                        new TransferQuery(ledgerAccount, owner, reference, Long.MIN_VALUE, Long.MAX_VALUE, limit));
            });
            if (format == OutputFormat.json) {
                ArrayNode out = new ObjectMapper().createArrayNode();
                for (StoredTransfer st : transfers) out.add(json(st));
                System.out.println(out.toPrettyString());
                return;
            }
            Table table = new Table("ID", "PHASE", "DEBIT", "CREDIT", "AMOUNT", "CODE", "REFERENCE", "OCCURRED");
            for (StoredTransfer st : transfers) {
                Transfer t = st.transfer();
                table.row(
                        t.id(),
                        t.phase().wire(),
                        t.debitAccount(),
                        t.creditAccount(),
                        MoneyCommands.dollars(t.amount()),
                        t.code(),
                        t.reference() == null ? "" : t.reference(),
                        Instant.ofEpochMilli(t.occurredAt()).toString());
            }
            table.print(System.out);
        }

        static ObjectNode json(StoredTransfer st) {
            Transfer t = st.transfer();
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("id", t.id())
                    .put("phase", t.phase().wire())
                    .put("debit_account", t.debitAccount())
                    .put("credit_account", t.creditAccount())
                    .put("amount_micros", t.amount())
                    .put("code", t.code())
                    .put("reference", t.reference())
                    .put("occurred_at", t.occurredAt())
                    .put("recorded_at", st.recordedAt())
                    .put("pending_id", t.pendingId())
                    .put("chain_id", st.chainId());
            if (t.timeoutAt() > 0) o.put("timeout_at", t.timeoutAt());
            return o;
        }
    }

    @Command(
            name = "reverse",
            mixinStandardHelpOptions = true,
            description = "Correct a posted transfer with a new transfer the other way (transfers are never changed).")
    static final class Reverse implements Runnable {
        @Mixin
        ConfigOptions options;

        @Parameters(
                paramLabel = "TRANSFER_ID",
                description = "The transfer to reverse, as 'ledger transfers' shows it.")
        String transferId;

        @Option(
                names = "--reason",
                required = true,
                paramLabel = "TEXT",
                description = "Why (printed with the result, for your records).")
        String reason;

        @Override
        public void run() {
            String line = MoneyCommands.withBooks(
                    options, (books, keys) -> reverse(books.ledger, transferId, books.clock.millis()));
            System.out.println(line + " Reason: " + reason);
        }

        /** @throws IllegalArgumentException with a sentence for the user when it cannot be reversed */
        static String reverse(Ledger ledger, String id, long now) {
            StoredTransfer original = ledger.transfer(id)
                    .orElseThrow(() -> new IllegalArgumentException("no transfer with id '" + id + "'"));
            Transfer t = original.transfer();
            if (t.phase() != Transfer.Phase.POSTED && t.phase() != Transfer.Phase.POST) {
                throw new IllegalArgumentException(
                        "transfer " + id + " is " + t.phase().wire() + ": only posted transfers can be reversed");
            }
            if (id.startsWith("reverse:"))
                throw new IllegalArgumentException("transfer " + id + " is itself a reversal");
            // a reversal occurs when it is made, so one made before has other content: look for it first
            if (ledger.transfer("reverse:" + id).isPresent())
                return "Transfer " + id + " was already reversed; nothing changed.";
            Transfer reversal = Transfer.posted(
                    "reverse:" + id, t.creditAccount(), t.debitAccount(), t.amount(), "correction", id, now);
            TransferResult r = ledger.submit(List.of(reversal)).get(0);
            return switch (r.status()) {
                case CREATED ->
                    "Reversed " + id + ": " + MoneyCommands.dollars(t.amount()) + " back from " + t.creditAccount()
                            + " to " + t.debitAccount() + " (transfer reverse:" + id + ").";
                case EXISTS -> "Transfer " + id + " was already reversed; nothing changed.";
                case REFUSED -> throw new IllegalArgumentException("cannot reverse " + id + ": " + r.message());
            };
        }
    }
}
