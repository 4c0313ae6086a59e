package dev.breakeven.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.breakeven.access.ApiKey;
import dev.breakeven.access.IssuedKey;
import dev.breakeven.access.JdbiAccessRepository;
import dev.breakeven.access.KeyRing;
import dev.breakeven.access.Role;
import dev.breakeven.plans.JdbiPlanRepository;
import dev.breakeven.store.Database;
import dev.breakeven.store.Ids;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code breakeven keys create|list|revoke}: works on the data directly, server running or not. */
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        description = "Create, list and revoke API keys.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: create, list or revoke");
    }

    static <T> T withKeyRing(ConfigOptions options, Function<KeyRing, T> work) {
        return withKeyRing(options, null, work);
    }

    /**
     * @param plan a plan the account will be put on: it must be configured or stored, or the
     *     command fails before anything is written
     */
    static <T> T withKeyRing(ConfigOptions options, String plan, Function<KeyRing, T> work) {
        BreakevenConfig config = options.load(Map.of());
        try (Database db = Database.open(Breakeven.databaseSettings(config, System.getenv()))) {
            if (plan != null) requirePlan(config, db, plan);
            Clock clock = Clock.systemUTC();
            return work.apply(new KeyRing(new JdbiAccessRepository(db.jdbi()), new Ids(clock), clock));
        }
    }

    private static void requirePlan(BreakevenConfig config, Database db, String plan) {
        boolean configured = config.plans().stream().anyMatch(p -> plan.equals(p.id()));
        boolean stored = new JdbiPlanRepository(db.jdbi())
                .all().stream().anyMatch(p -> p.plan().id().equals(plan));
        if (!configured && !stored) {
            throw new ConfigException("there is no plan '" + plan + "' (neither in plans: of the configuration"
                    + " nor stored by the admin API)");
        }
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create a key (and its account if new); prints the key once.")
    static final class Create implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(
                names = "--account",
                required = true,
                paramLabel = "NAME",
                description = "Account name (created if new).")
        String account;

        @Option(
                names = "--role",
                paramLabel = "ROLE",
                description = "user, operator, advertiser or business (default: user, or the account's).")
        String role;

        @Option(names = "--plan", paramLabel = "ID", description = "Plan to put the account on.")
        String plan;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            Role parsed = role == null ? null : Role.parse(role);
            if (role != null && parsed == null) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--role must be user, operator, advertiser or business, got '" + role + "'");
            }
            IssuedKey issued = withKeyRing(options, plan, keys -> keys.issue(account, parsed, plan));
            System.out.println(issued.secret());
            System.err.println("Created key " + issued.key().id() + " for account "
                    + issued.account().name() + " (" + issued.account().role().wireName()
                    + "). It is shown only now: store it safely.");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (never their secrets).")
    static final class ListKeys implements Runnable {
        @Mixin
        ConfigOptions options;

        @Option(names = "--account", paramLabel = "NAME", description = "Only this account's keys.")
        String account;

        @Option(
                names = "--format",
                paramLabel = "FORMAT",
                description = "table (default) or json.",
                defaultValue = "table")
        OutputFormat format;

        @Override
        public void run() {
            List<ApiKey> keys = withKeyRing(options, ring -> ring.keys(account));
            if (format == OutputFormat.json) {
                ObjectMapper json = new ObjectMapper();
                ArrayNode out = json.createArrayNode();
                for (ApiKey k : keys) {
                    out.addObject()
                            .put("id", k.id())
                            .put("account_id", k.accountId())
                            .put("hint", k.hint())
                            .put("created_at", k.createdAt())
                            .put("revoked_at", k.revokedAt());
                }
                System.out.println(out.toPrettyString());
                return;
            }
            Table table = new Table("ID", "ACCOUNT", "HINT", "CREATED", "STATUS");
            for (ApiKey k : keys) {
                table.row(
                        k.id(),
                        k.accountId(),
                        k.hint() + "…",
                        Instant.ofEpochMilli(k.createdAt()).toString(),
                        k.active() ? "active" : "revoked");
            }
            table.print(System.out);
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key; it stops working at once.")
    static final class Revoke implements Runnable {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "KEY_ID", description = "The key's id (key_…), as shown by 'keys list'.")
        String keyId;

        @Override
        public void run() {
            ApiKey key = withKeyRing(options, ring -> ring.revoke(keyId));
            System.out.println("Revoked " + key.id() + " (" + key.hint() + "…)");
        }
    }
}
