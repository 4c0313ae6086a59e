package dev.breakeven.app;

import dev.breakeven.access.ApiKey;
import dev.breakeven.access.IssuedKey;
import dev.breakeven.access.KeyRing;
import dev.breakeven.access.Role;
import dev.breakeven.billing.ModelRates;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.PriceKind;
import dev.breakeven.ledger.Money;
import dev.breakeven.plans.SchedulerPolicy;
import java.io.PrintStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code breakeven demo}: the server on the embedded defaults, with an operator and a user key
 * printed. Each run replaces the previous run's demo keys, so old printed keys stop working. The
 * demo's models get demo prices unless they have prices already, so that the demo shows costs.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Start a demo server with ready-made keys.")
final class DemoCommand implements Runnable {
    static final String OPERATOR = "demo-operator";
    static final String USER = "demo-user";
    static final String DEMO_PRICE_NOTE = "demo price";
    /** Granted to the demo user once per data directory (the grant id makes a rerun grant nothing more). */
    static final long WELCOME_CREDIT = 5_000_000;

    static final String WELCOME_GRANT = "demo-welcome";

    /**
     * Micros per million prompt and completion tokens for the models the demo serves: {@code
     * assistant} (the help desk, or the upstream shortcut's model) like a small hosted model,
     * {@code local} (a GGUF file on this machine's CPU) cheaper.
     */
    static final Map<String, ModelRates> DEMO_PRICES =
            Map.of("assistant", new ModelRates(150_000, 600_000), "local", new ModelRates(20_000, 80_000));

    @Mixin
    ConfigOptions options;

    @Option(names = "--port", paramLabel = "N", description = "Port to listen on (default 8080).")
    Integer port;

    @Override
    public void run() {
        Map<String, String> overrides = new LinkedHashMap<>();
        if (port != null) overrides.put("server.port", port.toString());
        BreakevenConfig loaded = options.load(overrides);
        BreakevenConfig config = withDemoPlans(loaded);
        Breakeven running = Breakeven.start(config, Clock.systemUTC(), System.getenv());
        if (loaded.plans().isEmpty()) resetDemoPlans(running, config);
        seedDemoPrices(running.prices(), config);
        IssuedKey operator = freshKey(running.keys(), OPERATOR, Role.OPERATOR);
        IssuedKey user = freshKey(running.keys(), USER, Role.USER);
        running.books()
                .wallets
                .grant(
                        user.account().id(),
                        WELCOME_CREDIT,
                        WELCOME_GRANT,
                        "demo welcome credit",
                        Clock.systemUTC().millis());
        printWelcome(System.out, running, operator, user);
        ServeCommand.awaitShutdown(running);
    }

    /**
     * The configuration with the demo's three plans when it has none: Free (the first model only,
     * ads, tight limits, refused beyond its allowance), Plus and Pro (every model, more compute,
     * higher priority). New accounts are on Free.
     */
    static BreakevenConfig withDemoPlans(BreakevenConfig config) {
        if (!config.plans().isEmpty()) return config;
        SchedulerPolicy scheduler = SchedulerSettings.policy(config.scheduler());
        for (String priority : List.of("free", "plus", "pro")) {
            if (scheduler.find(priority) == null)
                throw new ConfigException("the demo's plans queue in the scheduler classes free, plus and pro, but"
                        + " scheduler.classes has no '" + priority + "' (configure plans of your own, or add it)");
        }
        List<String> all =
                config.models().stream().map(BreakevenConfig.Model::id).toList();
        List<String> small = all.isEmpty() ? List.of() : List.of(all.get(0));
        List<BreakevenConfig.PlanEntry> plans = List.of(
                new BreakevenConfig.PlanEntry(
                        "free", "Free", 0L, small, 4_096L, 512L, 50_000L, 500_000L, 10L, 20_000L, "free", true,
                        "refuse"),
                new BreakevenConfig.PlanEntry(
                        "plus",
                        "Plus",
                        20_000_000L,
                        all,
                        32_768L,
                        4_096L,
                        0L,
                        5_000_000L,
                        60L,
                        200_000L,
                        "plus",
                        false,
                        "wallet"),
                new BreakevenConfig.PlanEntry(
                        "pro", "Pro", 50_000_000L, all, 0L, 0L, 0L, 0L, 300L, 1_000_000L, "pro", false, "wallet"));
        return config.withPlans(plans, "free");
    }

    /**
     * Sets the demo's own plans to the ones {@link #withDemoPlans} made for this run: they follow the
     * models it serves (a model file may come or go between runs), where configured plans would only
     * seed the database once.
     */
    static void resetDemoPlans(Breakeven running, BreakevenConfig config) {
        for (BreakevenConfig.PlanEntry e : config.plans()) running.planBook().put(PlanSettings.plan(e), null);
    }

    /**
     * Gives each configured model that has a demo price that price, in force since always, for each
     * kind it has no price of yet (the configuration's and an operator's prices win).
     */
    static void seedDemoPrices(PriceBook prices, BreakevenConfig config) {
        for (BreakevenConfig.Model m : config.models()) {
            ModelRates demo = DEMO_PRICES.get(m.id());
            if (demo == null) continue;
            prices.seed(PriceKind.MODEL_INPUT, m.id(), demo.inputPerMillion(), DEMO_PRICE_NOTE);
            prices.seed(PriceKind.MODEL_OUTPUT, m.id(), demo.outputPerMillion(), DEMO_PRICE_NOTE);
        }
    }

    /** The token prices of every model, as in force now. */
    static void printPrices(PrintStream out, PriceBook prices, BreakevenConfig config) {
        out.println("Prices in USD per million tokens, prompt / completion (change them with ./breakeven prices set):");
        int width =
                config.models().stream().mapToInt(m -> m.id().length()).max().orElse(0);
        long now = prices.now();
        for (BreakevenConfig.Model m : config.models()) {
            ModelRates rates = prices.modelRates(m.id(), now);
            out.println("  " + m.id() + " ".repeat(width - m.id().length()) + "  "
                    + Money.format(rates.inputPerMillion()) + " / " + Money.format(rates.outputPerMillion()));
        }
    }

    private static IssuedKey freshKey(KeyRing keys, String account, Role role) {
        if (keys.account(account).isPresent()) {
            for (ApiKey k : keys.keys(account)) if (k.active()) keys.revoke(k.id());
        }
        return keys.issue(account, role, null);
    }

    private static void printWelcome(PrintStream out, Breakeven running, IssuedKey operator, IssuedKey user) {
        String url = running.url();
        List<String> assistantRoutes = running.config().models().stream()
                .filter(m -> m.id().equals("assistant"))
                .flatMap(m -> m.backends().stream().map(BreakevenConfig.Route::backend))
                .toList();
        boolean onlyHelpDesk = assistantRoutes.equals(List.of("help-desk"));
        boolean hasLocal = running.config().models().stream().anyMatch(m -> m.id().equals("local"));
        out.println();
        out.println("Breakeven demo is running at " + url + "  (data in "
                + running.config().dataDir() + ")");
        out.println();
        out.println("  operator key  " + operator.secret() + "   (account " + OPERATOR + ")");
        out.println("  user key      " + user.secret() + "   (account " + USER + ")");
        out.println();
        out.println("Ask the assistant:");
        out.println("  curl " + url + "/v1/chat/completions \\");
        out.println("    -H 'Authorization: Bearer " + user.secret() + "' -H 'Content-Type: application/json' \\");
        out.println(
                "    -d '{\"model\":\"assistant\",\"messages\":[{\"role\":\"user\",\"content\":\"How do I create an API key?\"}]}'");
        out.println("See what it used, and what is left in its wallet (it starts with $" + Money.format(WELCOME_CREDIT)
                + " of granted credit):");
        out.println("  curl " + url + "/v1/me/usage -H 'Authorization: Bearer " + user.secret() + "'");
        out.println("  curl " + url + "/v1/me -H 'Authorization: Bearer " + user.secret() + "'");
        out.println("  ./breakeven credits show --account " + USER + "      ./breakeven ledger check");
        out.println("  ./breakeven invoices draft --account " + USER + " --period "
                + java.time.YearMonth.now(java.time.ZoneOffset.UTC) + " --format html > invoice.html");
        out.println();
        printPrices(out, running.prices(), running.config());
        if (hasLocal) {
            out.println(
                    "Your GGUF model (" + ConfigLoader.MODEL_FILE + ") is the model 'local': use \"model\":\"local\".");
        }
        if (onlyHelpDesk) {
            out.println();
            out.println("The 'assistant' model answers from Breakeven's own documentation (no model weights needed),");
            out.println("quoting the passages it used, and says so when the documentation has no answer.");
            out.println("To put a generative model behind it, point it at any OpenAI-compatible server:");
            out.println(
                    "  BREAKEVEN_UPSTREAM_URL=http://127.0.0.1:11434/v1 BREAKEVEN_UPSTREAM_MODEL=llama3.2 ./breakeven demo");
            out.println("(a key for it goes in BREAKEVEN_UPSTREAM_KEY), or serve a GGUF file in-process with");
            out.println("  BREAKEVEN_MODEL=/path/to/model.gguf ./breakeven demo   (see docs/configuration.md)");
        }
        out.println();
        out.println("Press Ctrl+C to stop.");
        out.flush();
    }
}
