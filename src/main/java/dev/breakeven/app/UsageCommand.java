package dev.breakeven.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakeven.access.Account;
import dev.breakeven.access.JdbiAccessRepository;
import dev.breakeven.access.KeyRing;
import dev.breakeven.metering.JdbiJournalRepository;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageJson;
import dev.breakeven.metering.UsageQuery;
import dev.breakeven.store.Database;
import dev.breakeven.store.Ids;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code breakeven usage}: what was consumed, from the journal, as a table, CSV or JSON. */
@Command(name = "usage", mixinStandardHelpOptions = true, description = "Show recorded usage events.")
final class UsageCommand implements Runnable {
    @Mixin
    ConfigOptions options;

    @Option(names = "--account", paramLabel = "NAME", description = "Only this account (name or id).")
    String account;

    @Option(
            names = "--since",
            paramLabel = "T",
            description = "Only events at or after T: 2026-11-28, 2026-11-28T10:00:00Z, 24h, 7d, 30m, or epoch millis.")
    String since;

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "1000",
            description = "At most N events, oldest first (default 1000).")
    int limit;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            defaultValue = "table",
            description = "table (default), csv or json.")
    Format format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    enum Format {
        table,
        csv,
        json
    }

    @Override
    public void run() {
        Clock clock = Clock.systemUTC();
        long sinceMillis;
        try {
            sinceMillis = since == null ? 0 : TimeArgument.parse(since, clock);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--since: " + e.getMessage());
        }
        if (limit < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be at least 1");
        BreakevenConfig config = options.load(Map.of());
        List<UsageEvent> events;
        try (Database db = Database.open(Breakeven.databaseSettings(config, System.getenv()))) {
            String accountId = null;
            if (account != null) {
                KeyRing keys = new KeyRing(new JdbiAccessRepository(db.jdbi()), new Ids(clock), clock);
                accountId = keys.account(account)
                        .map(Account::id)
                        .orElseThrow(() -> new IllegalArgumentException("no account named '" + account + "'"));
            }
            events = new JdbiJournalRepository(db.jdbi()).usage(new UsageQuery(accountId, sinceMillis, limit));
        }
        switch (format) {
            case json -> printJson(System.out, events);
            case csv -> printCsv(System.out, events);
            case table -> printTable(System.out, events);
        }
    }

    private static void printTable(PrintStream out, List<UsageEvent> events) {
        Table table =
                new Table("TIME", "EVENT", "ACCOUNT", "MODEL", "BACKEND", "PROMPT", "COMPLETION", "OUTCOME", "MS");
        long prompt = 0;
        long completion = 0;
        for (UsageEvent e : events) {
            table.row(
                    Instant.ofEpochMilli(e.occurredAt()),
                    e.id(),
                    e.accountId(),
                    e.model(),
                    e.backend(),
                    e.promptTokens() + (e.estimated() ? "~" : ""),
                    e.completionTokens() + (e.estimated() ? "~" : ""),
                    e.outcome().name().toLowerCase(),
                    e.durationMillis());
            prompt += e.promptTokens();
            completion += e.completionTokens();
        }
        table.print(out);
        out.printf(
                "%d events, %d prompt + %d completion = %d tokens (~ = estimated)%n",
                events.size(), prompt, completion, prompt + completion);
    }

    private static void printCsv(PrintStream out, List<UsageEvent> events) {
        out.println(
                "id,occurred_at,account_id,key_id,model,backend,upstream_model,prompt_tokens,completion_tokens,estimated,ttft_ms,duration_ms,outcome,streamed,error_code");
        for (UsageEvent e : events) {
            out.println(String.join(
                    ",",
                    csv(e.id()),
                    Long.toString(e.occurredAt()),
                    csv(e.accountId()),
                    csv(e.keyId()),
                    csv(e.model()),
                    csv(e.backend()),
                    csv(e.upstreamModel()),
                    Long.toString(e.promptTokens()),
                    Long.toString(e.completionTokens()),
                    Boolean.toString(e.estimated()),
                    e.timeToFirstTokenMillis() < 0 ? "" : Long.toString(e.timeToFirstTokenMillis()),
                    Long.toString(e.durationMillis()),
                    e.outcome().name().toLowerCase(),
                    Boolean.toString(e.streamed()),
                    csv(e.errorCode())));
        }
    }

    private static String csv(String value) {
        if (value == null) return "";
        if (value.contains(",") || value.contains("\"") || value.contains("\n"))
            return "\"" + value.replace("\"", "\"\"") + "\"";
        return value;
    }

    private static void printJson(PrintStream out, List<UsageEvent> events) {
        ObjectMapper json = new ObjectMapper();
        var array = json.createArrayNode();
        for (UsageEvent e : events) array.add(UsageJson.of(json, e));
        out.println(array.toPrettyString());
    }
}
