package dev.breakeven.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.metering.JdbiJournalRepository;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageEvent.Outcome;
import dev.breakeven.store.Database;
import dev.breakeven.store.DatabaseSettings;
import dev.breakeven.testing.Gateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code breakeven credits}, {@code ledger} and {@code invoices}, run in-process on a real data
 * directory (SQLite): outputs, exit codes, and that what they print agrees with the ledger —
 * invoice totals with what {@code credits show} owes, {@code ledger check} with a database that was
 * tampered with behind its back.
 *
 * <p>Usage reaches the journal as the gateway writes it ({@link JdbiJournalRepository}), at the
 * times it occurred; the commands rate it themselves.
 */
@Isolated("swaps System.out and System.err")
class MoneyCliTest {
    /** The model's prices: $1.50 per million prompt tokens, $2.50 per million completion tokens. */
    static final String INPUT = "1.50";

    static final String OUTPUT = "2.50";

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        /** The error as the user sees it: one line, no stack trace. */
        String errorLine() {
            assertThat(err)
                    .as("stderr")
                    .isNotBlank()
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ");
            return err.lines().findFirst().orElseThrow();
        }
    }

    Run cli(String... args) {
        CliRun run = CliRun.of(args);
        return new Run(run.code(), run.out(), run.err());
    }

    /** Runs a command on this test's data directory. */
    Run on(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--data");
        all.add(data().toString());
        return cli(all.toArray(String[]::new));
    }

    /** Runs a command on this test's data directory and expects it to succeed. */
    Run ok(String... args) {
        Run run = on(args);
        assertThat(run.code()).as("%s: %s", String.join(" ", args), run.err()).isZero();
        return run;
    }

    Path data() {
        return dir.resolve("data");
    }

    String jdbcUrl() {
        return "jdbc:sqlite:" + data().resolve("breakeven.db");
    }

    @BeforeEach
    void accountsAndPrices() {
        ok("keys", "create", "--account", "alice");
        ok("keys", "create", "--account", "bob");
        ok("prices", "set", "--model", "assistant", "--input", INPUT, "--output", OUTPUT, "--from", "2020-01-01");
    }

    // ---------------------------------------------------------------- credits

    @Test
    void creditsGrant_addsGrantedCredits_andShowPrintsTheWallet() {
        Run granted = ok("credits", "grant", "--account", "alice", "--amount", "5", "--id", "welcome");

        assertThat(granted.out())
                .isEqualTo("Granted $5.00 (grant welcome). alice: $5.00 available ($0.00 paid, $5.00 granted,"
                        + " $0.00 reserved), $0.00 owed\n");
        assertThat(ok("credits", "grant", "--account", "alice", "--amount", "0.000001")
                        .out())
                .startsWith("Granted $0.000001 (grant grant_");
        assertThat(ok("credits", "show", "--account", "alice").out())
                .isEqualTo("alice: $5.000001 available ($0.00 paid, $5.000001 granted, $0.00 reserved), $0.00 owed\n");
        JsonNode wallet = json(ok("credits", "show", "--account", "alice", "--format", "json"));
        assertThat(wallet.get("object").asText()).isEqualTo("wallet");
        assertThat(wallet.get("account").asText()).isEqualTo("alice");
        assertThat(wallet.get("account_id").asText()).isEqualTo(accountId("alice"));
        assertThat(wallet.get("granted_micros").asLong()).isEqualTo(5_000_001);
        assertThat(wallet.get("available_micros").asLong()).isEqualTo(5_000_001);
        assertThat(wallet.get("paid_micros").asLong()).isZero();
        assertThat(wallet.get("owed_micros").asLong()).isZero();
        assertThat(ok("credits", "show", "--account", "bob").out()).contains("bob: $0.00 available");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "0", "-1", "0.00", "1.0000001", "5,00", "1e3", "", "99999999999999999"})
    void creditsGrant_aBadAmount_isBadUsage_withOneLine_andGrantsNothing(String amount) {
        Run run = on("credits", "grant", "--account", "alice", "--amount", amount);

        assertThat(run.code()).as(run.err()).isEqualTo(2);
        assertThat(run.errorLine()).startsWith("--amount");
        assertThat(run.out()).isEmpty();
        assertThat(owed("alice")).isZero();
        assertThat(wallet("alice").get("granted_micros").asLong()).isZero();
    }

    @Test
    void credits_forAnAccountThatDoesNotExist_fail_withOneLine() {
        Run grant = on("credits", "grant", "--account", "nobody", "--amount", "5");
        Run show = on("credits", "show", "--account", "nobody");

        for (Run run : List.of(grant, show)) {
            assertThat(run.code()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("breakeven: no account named 'nobody'\n");
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void creditsGrant_withAnId_grantsOnce_andTheSameIdWithAnotherAmountOrAccountFails() {
        ok("credits", "grant", "--account", "alice", "--amount", "5", "--id", "welcome");

        Run again = ok("credits", "grant", "--account", "alice", "--amount", "5.00", "--id", "welcome");
        assertThat(again.out()).startsWith("Grant welcome was already made; nothing changed. alice: $5.00 available");

        Run otherAmount = on("credits", "grant", "--account", "alice", "--amount", "6", "--id", "welcome");
        assertThat(otherAmount.code()).isEqualTo(1);
        assertThat(otherAmount.err())
                .isEqualTo("breakeven: 'grant:welcome' was already used for another amount or account\n");
        Run otherAccount = on("credits", "grant", "--account", "bob", "--amount", "5", "--id", "welcome");
        assertThat(otherAccount.code()).isEqualTo(1);
        assertThat(otherAccount.errorLine()).contains("'grant:welcome' was already used");

        assertThat(wallet("alice").get("granted_micros").asLong()).isEqualTo(5_000_000);
        assertThat(wallet("bob").get("granted_micros").asLong()).isZero();
        // without --id every run is a grant of its own
        ok("credits", "grant", "--account", "bob", "--amount", "1");
        ok("credits", "grant", "--account", "bob", "--amount", "1");
        assertThat(wallet("bob").get("granted_micros").asLong()).isEqualTo(2_000_000);
        assertThat(ok("ledger", "check").out()).startsWith("ledger check passed");
    }

    // ---------------------------------------------------------------- ledger check

    @Test
    void ledgerCheck_passes_onAFreshDatabase_andOnAUsedOne() {
        Run fresh = ok("ledger", "check");
        assertThat(fresh.out())
                .as("checking a fresh database opens no account: the check only reads")
                .isEqualTo("ledger check passed: 0 accounts; debits equal credits; every balance equals its"
                        + " transfers; no wallet below zero; every rated event posted exactly once\n");

        ok("credits", "grant", "--account", "alice", "--amount", "0.01");
        long now = System.currentTimeMillis();
        journal(
                usage("chatcmpl-u1", "alice", 1_000, 500, now - 2_000, Outcome.COMPLETED),
                usage("chatcmpl-u2", "bob", 20_000, 4_000, now - 1_000, Outcome.COMPLETED),
                usage("chatcmpl-u3", "bob", 7_000, 0, now - 500, Outcome.FAILED));
        Run unrated = ok("ledger", "check");
        assertThat(unrated.out()).startsWith("ledger check passed").contains("(3 journal events not yet rated)");

        ok(
                "invoices",
                "draft",
                "--account",
                "alice",
                "--period",
                YearMonth.now(ZoneOffset.UTC).toString());
        Run used = ok("ledger", "check");
        assertThat(used.out()).startsWith("ledger check passed: 8 accounts;").doesNotContain("not yet rated");
        assertThat(used.err()).isEmpty();
    }

    @Test
    void ledgerCheck_fails_namingTheAccount_whenAStoredBalanceNoLongerEqualsItsTransfers() throws SQLException {
        ok("credits", "grant", "--account", "alice", "--amount", "5");
        String wallet = "wallet:" + accountId("alice") + ":granted";

        sql("UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = ?", wallet);
        Run run = on("ledger", "check");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err())
                .isEqualTo("breakeven: ledger check failed: balance_mismatch: account " + wallet
                        + " stores debits 0 posted + 0 pending, credits 5000001 posted + 0 pending but its transfers"
                        + " sum to debits 0 posted + 0 pending, credits 5000000 posted + 0 pending (and 1 more)\n");
        assertThat(run.out().lines().toList())
                .hasSize(2)
                .satisfiesExactly(
                        first -> assertThat(first).startsWith("balance_mismatch\taccount " + wallet + " stores"),
                        second -> assertThat(second)
                                .isEqualTo("unbalanced\tposted debits total 5000000 but posted credits total"
                                        + " 5000001"));
    }

    @Test
    void ledgerCheck_fails_whenAWalletIsBelowZero_evenIfItsTotalsAgree() throws SQLException {
        ok("credits", "grant", "--account", "alice", "--amount", "5");
        String wallet = "wallet:" + accountId("alice") + ":granted";

        // a transfer the ledger would have refused, written behind its back with its totals
        sql(
                "INSERT INTO ledger_transfers (id, debit_account, credit_account, amount, code, occurred_at, recorded_at,"
                        + " phase) VALUES ('forged', ?, 'revenue:compute', 7000000, 'usage', 0, 0, 'posted')",
                wallet);
        sql("UPDATE ledger_accounts SET debits_posted = debits_posted + 7000000 WHERE id = ?", wallet);
        sql("UPDATE ledger_accounts SET credits_posted = credits_posted + 7000000 WHERE id = 'revenue:compute'");
        Run run = on("ledger", "check");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errorLine())
                .startsWith("breakeven: ledger check failed: rule_broken: account " + wallet
                        + " breaks its rule debits_within_credits");
        assertThat(run.out().lines()).hasSize(1);
    }

    @Test
    void ledgerCheck_fails_withEventNotPosted_whenTheCursorIsMovedPastAnUnratedEvent() throws SQLException {
        long now = System.currentTimeMillis();
        journal(
                usage("chatcmpl-rated", "alice", 1_000, 0, now - 2_000, Outcome.COMPLETED),
                usage("chatcmpl-free", "alice", 1_000, 0, now - 1_500, Outcome.FAILED));
        ok(
                "invoices",
                "draft",
                "--account",
                "alice",
                "--period",
                YearMonth.now(ZoneOffset.UTC).toString());
        journal(usage("chatcmpl-skipped", "bob", 2_000, 1_000, now - 1_000, Outcome.COMPLETED));

        sql("UPDATE billing_cursor SET seq = (SELECT MAX(seq) FROM journal)");
        Run run = on("ledger", "check");

        assertThat(run.code()).isEqualTo(1);
        // 2,000 × $1.50 + 1,000 × $2.50 per million = $0.0055
        assertThat(run.err())
                .isEqualTo("breakeven: ledger check failed: event_not_posted: usage event chatcmpl-skipped costs"
                        + " 0.0055 but nothing is posted for it\n");
        assertThat(run.out().lines()).hasSize(1);
    }

    // ---------------------------------------------------------------- ledger accounts, transfers, reverse

    @Test
    void ledgerAccountsAndTransfers_showTheBooks_asTablesAndJson() {
        ok("credits", "grant", "--account", "alice", "--amount", "0.002", "--id", "g1");
        long now = System.currentTimeMillis(); // after the grant: transfers are listed by when they occurred
        // 1,000 × $1.50 + 1,000 × $2.50 per million = $0.004: $0.002 from granted credits, $0.002 owed
        journal(usage("chatcmpl-a", "alice", 1_000, 1_000, now, Outcome.COMPLETED));
        ok(
                "invoices",
                "draft",
                "--account",
                "alice",
                "--period",
                YearMonth.now(ZoneOffset.UTC).toString());
        String id = accountId("alice");

        JsonNode accounts = json(ok("ledger", "accounts", "--account", "alice", "--format", "json"));
        Map<String, Long> balances = new TreeMap<>();
        accounts.forEach(
                a -> balances.put(a.get("id").asText(), a.get("balance").asLong()));
        assertThat(balances)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "receivable:" + id, 2_000L,
                        "wallet:" + id + ":granted", 0L,
                        "wallet:" + id + ":paid", 0L));
        assertThat(accounts).allSatisfy(a -> assertThat(a.get("owner").asText()).isEqualTo(id));
        assertThat(ok("ledger", "accounts").out())
                .startsWith("ACCOUNT")
                .contains("KIND", "BALANCE", "DEBITS", "CREDITS", "PENDING")
                .containsPattern("revenue:compute +revenue_compute +\\$0\\.004 ")
                .containsPattern("expense:promotions +promotions +\\$0\\.002 ")
                .containsPattern("receivable:" + id + " +user_receivable +\\$0\\.002 ");

        JsonNode transfers = json(ok("ledger", "transfers", "--account", "alice", "--format", "json"));
        assertThat(transfers)
                .extracting(
                        t -> t.get("id").asText() + " " + t.get("amount_micros").asLong())
                .containsExactly("grant:g1 2000", "usage:chatcmpl-a:g 2000", "usage:chatcmpl-a:r 2000");
        JsonNode usage = transfers.get(2);
        assertThat(usage.get("debit_account").asText()).isEqualTo("receivable:" + id);
        assertThat(usage.get("credit_account").asText()).isEqualTo("revenue:compute");
        assertThat(usage.get("code").asText()).isEqualTo("usage");
        assertThat(usage.get("reference").asText()).isEqualTo("chatcmpl-a");
        assertThat(usage.get("occurred_at").asLong()).isEqualTo(now);
        assertThat(json(ok("ledger", "transfers", "--reference", "chatcmpl-a", "--format", "json")))
                .hasSize(2);
        assertThat(json(ok("ledger", "transfers", "--ledger-account", "expense:promotions", "--format", "json")))
                .extracting(t -> t.get("id").asText())
                .containsExactly("grant:g1");
        assertThat(json(ok("ledger", "transfers", "--account", "alice", "--limit", "1", "--format", "json")))
                .hasSize(1);
        assertThat(ok("ledger", "transfers", "--reference", "chatcmpl-a").out())
                .startsWith("ID")
                .containsPattern(
                        "usage:chatcmpl-a:r +posted +receivable:" + id + " +revenue:compute +\\$0\\.002 +usage");
        assertThat(on("ledger", "transfers", "--limit", "0").code()).isEqualTo(2);
        assertThat(on("ledger", "accounts", "--account", "nobody").code()).isEqualTo(1);
    }

    @Test
    void ledgerReverse_correctsAPostedTransfer_once_andRefusesWhatCannotBeReversed() {
        ok("credits", "grant", "--account", "alice", "--amount", "0.001", "--id", "g1");
        long now = System.currentTimeMillis();
        // 2,000 × $1.50 per million = $0.003: $0.001 from granted credits, $0.002 owed
        journal(usage("chatcmpl-r", "alice", 2_000, 0, now - 1_000, Outcome.COMPLETED));
        ok(
                "invoices",
                "draft",
                "--account",
                "alice",
                "--period",
                YearMonth.now(ZoneOffset.UTC).toString());
        assertThat(owed("alice")).isEqualTo(2_000);
        String id = accountId("alice");

        Run reversed = ok("ledger", "reverse", "usage:chatcmpl-r:r", "--reason", "goodwill");
        assertThat(reversed.out())
                .isEqualTo("Reversed usage:chatcmpl-r:r: $0.002 back from revenue:compute to receivable:" + id
                        + " (transfer reverse:usage:chatcmpl-r:r). Reason: goodwill\n");
        assertThat(owed("alice")).isZero();

        Run twice = ok("ledger", "reverse", "usage:chatcmpl-r:r", "--reason", "goodwill");
        assertThat(twice.out())
                .isEqualTo("Transfer usage:chatcmpl-r:r was already reversed; nothing changed. Reason: goodwill\n");
        assertThat(owed("alice")).isZero();

        Run unknown = on("ledger", "reverse", "usage:nope:r", "--reason", "x");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).isEqualTo("breakeven: no transfer with id 'usage:nope:r'\n");
        Run ofAReversal = on("ledger", "reverse", "reverse:usage:chatcmpl-r:r", "--reason", "x");
        assertThat(ofAReversal.code()).isEqualTo(1);
        assertThat(ofAReversal.errorLine())
                .isEqualTo("breakeven: transfer reverse:usage:chatcmpl-r:r is itself a reversal");
        // the granted credit is spent: taking it back would put the wallet below zero
        Run spent = on("ledger", "reverse", "grant:g1", "--reason", "x");
        assertThat(spent.code()).isEqualTo(1);
        assertThat(spent.errorLine()).startsWith("breakeven: cannot reverse grant:g1: ");
        assertThat(on("ledger", "reverse", "usage:chatcmpl-r:r").code())
                .as("--reason is required")
                .isEqualTo(2);

        assertThat(ok("ledger", "check").out()).startsWith("ledger check passed");
    }

    @Test
    void ledgerReverse_ofAPendingTransfer_fails() {
        ok("credits", "grant", "--account", "alice", "--amount", "1");
        try (Database db = Database.open(DatabaseSettings.of(jdbcUrl()));
                Books books = Books.forCommand(db)) {
            // what the gateway does when a prepaid generation starts
            books.wallets.reserve(
                    "chatcmpl-inflight",
                    accountId("alice"),
                    300_000,
                    System.currentTimeMillis(),
                    System.currentTimeMillis() + 900_000);
        }
        assertThat(wallet("alice").get("reserved_micros").asLong()).isEqualTo(300_000);

        Run run = on("ledger", "reverse", "rsv:chatcmpl-inflight:g", "--reason", "x");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err())
                .isEqualTo("breakeven: transfer rsv:chatcmpl-inflight:g is pending: only posted transfers can be"
                        + " reversed\n");
        assertThat(wallet("alice").get("reserved_micros").asLong()).isEqualTo(300_000);
        assertThat(ok("ledger", "check").out()).startsWith("ledger check passed");
    }

    // ---------------------------------------------------------------- invoices

    /**
     * Last month's usage, journaled when it happened and rated by {@code invoices run}: alice had
     * $0.10 of granted credits, bob none.
     */
    YearMonth lastMonthsUsage() {
        YearMonth month = YearMonth.now(ZoneOffset.UTC).minusMonths(1);
        long start = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        ok("credits", "grant", "--account", "alice", "--amount", "0.10", "--id", "welcome");
        journal(
                // 1,000 × 1.50 + 500 × 2.50 = 2,750 micros
                usage("chatcmpl-a1", "alice", 1_000, 500, start + 3_600_000, Outcome.COMPLETED),
                // 200,000 × 1.50 + 100,000 × 2.50 = 550,000 micros
                usage("chatcmpl-a2", "alice", 200_000, 100_000, start + 7_200_000, Outcome.COMPLETED),
                // failed: costs nothing
                usage("chatcmpl-a3", "alice", 50_000, 0, start + 10_800_000, Outcome.FAILED),
                // 1,000,000 × 1.50 = 1,500,000 micros
                usage("chatcmpl-b1", "bob", 1_000_000, 0, start + 86_400_000, Outcome.COMPLETED),
                // cancelled after 333 tokens: 10 × 1.50 + 333 × 2.50 = 15 + 832.5 → 848 micros
                usage("chatcmpl-b2", "bob", 10, 333, start + 90_000_000, Outcome.CANCELLED));
        return month;
    }

    /**
     * The whole monthly close on a data directory no server rated: {@code invoices run} rates the
     * journal and at once issues invoices whose totals are the ledger's; a second run issues nothing new and writes the same bytes.
     */
    @Test
    void invoicesRun_forAPastMonth_ratesIt_issuesInvoicesWithTheLedgersTotals_once() throws IOException {
        YearMonth month = lastMonthsUsage();
        Path out = data().resolve("invoices").resolve(month.toString());

        Run run = ok("invoices", "run", "--period", month.toString());

        int year = YearMonth.now(ZoneOffset.UTC).getYear();
        String[] numbers = {"INV-%d-000001".formatted(year), "INV-%d-000002".formatted(year)};
        assertThat(run.err())
                .as("rated and issued at once, with nothing to wait for")
                .isEmpty();
        assertThat(run.out())
                .containsPattern(numbers[0] + " +alice +\\$0\\.55275 +\\$0\\.10 +\\$0\\.45275")
                .containsPattern(numbers[1] + " +bob +\\$1\\.500848 +\\$0\\.00 +\\$1\\.500848")
                .endsWith("2 invoice(s) for " + month + " in " + out + "\n");
        assertThat(fileNames(out))
                .containsExactlyInAnyOrder(
                        numbers[0] + ".html",
                        numbers[0] + ".json",
                        numbers[0] + ".csv",
                        numbers[1] + ".html",
                        numbers[1] + ".json",
                        numbers[1] + ".csv");

        JsonNode alice = json(Files.readString(out.resolve(numbers[0] + ".json")));
        assertThat(alice.get("period").asText()).isEqualTo(month.toString());
        assertThat(alice.get("account_id").asText()).isEqualTo(accountId("alice"));
        assertThat(alice.get("subtotal_micros").asLong()).isEqualTo(552_750);
        assertThat(alice.get("credits_applied_micros").asLong()).isEqualTo(100_000);
        assertThat(alice.get("total_due_micros").asLong())
                .as("what the invoice asks is what the ledger says alice owes")
                .isEqualTo(owed("alice"))
                .isEqualTo(452_750);
        assertThat(alice.get("input_tokens").asLong()).isEqualTo(201_000);
        assertThat(alice.get("output_tokens").asLong()).isEqualTo(100_500);
        JsonNode bob = json(Files.readString(out.resolve(numbers[1] + ".json")));
        assertThat(bob.get("total_due_micros").asLong()).isEqualTo(owed("bob")).isEqualTo(1_500_848);
        assertThat(alice.get("subtotal_micros").asLong()
                        + bob.get("subtotal_micros").asLong())
                .as("the invoices' subtotals are everything revenue:compute earned")
                .isEqualTo(balance("revenue:compute"));
        assertThat(Files.readString(out.resolve(numbers[0] + ".csv")))
                .contains("552750")
                .contains("452750");
        assertThat(Files.readString(out.resolve(numbers[0] + ".html")))
                .contains(numbers[0])
                .contains("0.45275");
        assertThat(ok("ledger", "check").out()).startsWith("ledger check passed");

        Map<String, byte[]> first = contents(out);
        Run again = ok("invoices", "run", "--period", month.toString());
        Run elsewhere = ok(
                "invoices",
                "run",
                "--period",
                month.toString(),
                "--out",
                dir.resolve("copy").toString());

        assertThat(again.err()).as("nothing left to rate, nothing to wait for").isEmpty();
        assertThat(again.out()).contains(numbers[0], numbers[1]).doesNotContain("-000003");
        assertThat(elsewhere.out()).doesNotContain("-000003");
        assertThat(contents(out))
                .containsOnlyKeys(first.keySet())
                .allSatisfy((name, bytes) -> assertThat(bytes).as(name).isEqualTo(first.get(name)));
        assertThat(contents(dir.resolve("copy")))
                .containsOnlyKeys(first.keySet())
                .allSatisfy((name, bytes) -> assertThat(bytes).as(name).isEqualTo(first.get(name)));
    }

    @Test
    void invoicesRun_forAMonthNotOver_orNotAMonth_isBadUsage() {
        String current = YearMonth.now(ZoneOffset.UTC).toString();

        Run notOver = on("invoices", "run", "--period", current);
        assertThat(notOver.code()).isEqualTo(2);
        assertThat(notOver.errorLine())
                .startsWith("the period " + current + " has not ended")
                .endsWith("preview it as a draft with: invoices draft --account NAME --period " + current);
        for (String bad : List.of("2026-13", "2026-1", "October", "")) {
            Run run = on("invoices", "run", "--period", bad);
            assertThat(run.code()).as(bad).isEqualTo(2);
            assertThat(run.errorLine()).startsWith("--period must be YYYY-MM");
        }
        assertThat(on("invoices", "run", "--period", "2020-01", "--format", "pdf")
                        .code())
                .isEqualTo(2);
        assertThat(data().resolve("invoices")).doesNotExist();
    }

    @Test
    void invoicesDraft_forTheCurrentMonth_chargesWhatCreditsShowOwes() {
        ok("credits", "grant", "--account", "alice", "--amount", "0.001");
        YearMonth month = YearMonth.now(ZoneOffset.UTC);
        long start = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        long at = Math.max(start, System.currentTimeMillis() - 60_000);
        long owedBefore = owed("alice");
        long grantedBefore = wallet("alice").get("granted_micros").asLong();
        journal(
                usage("chatcmpl-d1", "alice", 4_000, 2_000, at, Outcome.COMPLETED), // 6,000 + 5,000
                usage("chatcmpl-d2", "alice", 10_000, 0, at + 1, Outcome.COMPLETED)); // 15,000

        Run run = ok("invoices", "draft", "--account", "alice", "--period", month.toString());

        JsonNode draft = json(run.out());
        assertThat(draft.get("number").asText()).startsWith("DRAFT-");
        long owedAfter = owed("alice");
        long grantedAfter = wallet("alice").get("granted_micros").asLong();
        assertThat(draft.get("subtotal_micros").asLong()).isEqualTo(26_000);
        assertThat(draft.get("credits_applied_micros").asLong())
                .as("the granted credits the usage spent")
                .isEqualTo(grantedBefore - grantedAfter)
                .isEqualTo(1_000);
        assertThat(draft.get("total_due_micros").asLong())
                .as("what credits show owes now, more than before")
                .isEqualTo(owedAfter - owedBefore)
                .isEqualTo(25_000);
        assertThat(ok("invoices", "draft", "--account", "alice", "--period", month.toString(), "--format", "csv")
                        .out())
                .startsWith("invoice_number,period,account_id");
        assertThat(ok("invoices", "draft", "--account", "bob", "--period", month.toString())
                        .out())
                .isEqualTo("Nothing to bill for bob in " + month + ".\n");
        assertThat(data().resolve("invoices")).doesNotExist();
        assertThat(on("invoices", "draft", "--account", "nobody", "--period", month.toString())
                        .code())
                .isEqualTo(1);
    }

    // ---------------------------------------------------------------- helpers

    String accountId(String name) {
        return wallet(name).get("account_id").asText();
    }

    JsonNode wallet(String name) {
        return json(ok("credits", "show", "--account", name, "--format", "json"));
    }

    long owed(String name) {
        return wallet(name).get("owed_micros").asLong();
    }

    /** A ledger account's balance on its normal side, as {@code ledger accounts} shows it. */
    long balance(String ledgerAccount) {
        for (JsonNode a : json(ok("ledger", "accounts", "--format", "json"))) {
            if (a.get("id").asText().equals(ledgerAccount))
                return a.get("balance").asLong();
        }
        throw new AssertionError("no ledger account " + ledgerAccount);
    }

    /** A usage event as the gateway journals it, for the account with this name. */
    UsageEvent usage(String id, String name, long in, long out, long at, Outcome outcome) {
        return new UsageEvent(
                id,
                at,
                accountId(name),
                "key_1",
                "assistant",
                "mock",
                "mock-model",
                in,
                out,
                false,
                5,
                10,
                outcome,
                false,
                outcome == Outcome.COMPLETED ? null : "some_error",
                -1,
                false);
    }

    /** Writes events to the journal as the gateway does, each recorded a second after it occurred. */
    void journal(UsageEvent... events) {
        try (Database db = Database.open(DatabaseSettings.of(jdbcUrl()))) {
            JdbiJournalRepository journal = new JdbiJournalRepository(db);
            for (UsageEvent e : events) journal.insertBatch(List.of(e), e.occurredAt() + 1_000);
        }
    }

    /** Changes the SQLite file directly, behind the ledger's back. */
    void sql(String statement, Object... args) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl());
                var s = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
            assertThat(s.executeUpdate()).as(statement).isPositive();
        }
    }

    static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        for (String name : fileNames(dir)) out.put(name, Files.readAllBytes(dir.resolve(name)));
        return out;
    }

    static JsonNode json(Run run) {
        return json(run.out());
    }

    static JsonNode json(String text) {
        try {
            return Gateway.JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
