package dev.breakeven.app;

import dev.breakeven.access.Account;
import dev.breakeven.access.JdbiAccessRepository;
import dev.breakeven.access.KeyRing;
import dev.breakeven.ledger.Money;
import dev.breakeven.store.Database;
import dev.breakeven.store.Ids;
import java.time.Clock;
import java.util.Map;
import java.util.function.BiFunction;
import picocli.CommandLine;

/** What the money commands share: opening the books on the configured database, naming accounts, reading amounts. */
final class MoneyCommands {
    private MoneyCommands() {}

    /** Opens the database and the books, runs {@code work}, closes both. */
    static <T> T withBooks(ConfigOptions options, BiFunction<Books, KeyRing, T> work) {
        return withDatabase(options, (config, db, books, keys) -> work.apply(books, keys));
    }

    /**
     * Opens the database, the books and the plans as the server builds them (configured plans seeded
     * when absent; no renewal timer), runs {@code work}, closes them.
     */
    static <T> T withPlans(ConfigOptions options, BiFunction<PlanBilling, KeyRing, T> work) {
        return withDatabase(options, (config, db, books, keys) -> {
            try (PlanBilling plans = new PlanBilling(config, db, books, keys, new Ids(books.clock), books.clock)) {
                return work.apply(plans, keys);
            }
        });
    }

    private interface Work<T> {
        T apply(BreakevenConfig config, Database db, Books books, KeyRing keys);
    }

    private static <T> T withDatabase(ConfigOptions options, Work<T> work) {
        BreakevenConfig config = options.load(Map.of());
        try (Database db = Database.open(Breakeven.databaseSettings(config, System.getenv()));
                Books books = Books.forCommand(db)) {
            Clock clock = books.clock;
            KeyRing keys = new KeyRing(new JdbiAccessRepository(db.jdbi()), new Ids(clock), clock);
            return work.apply(config, db, books, keys);
        }
    }

    /** @throws IllegalArgumentException naming the account when there is none */
    static Account account(KeyRing keys, String nameOrId) {
        return keys.account(nameOrId)
                .orElseThrow(() -> new IllegalArgumentException("no account named '" + nameOrId + "'"));
    }

    /** Parses a positive amount in dollars, or fails as bad usage naming the option. */
    static long positiveAmount(CommandLine commandLine, String option, String text) {
        long micros;
        try {
            micros = Money.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandLine, option + ": " + e.getMessage());
        }
        if (micros <= 0) throw new CommandLine.ParameterException(commandLine, option + " must be more than 0");
        return micros;
    }

    static String dollars(long micros) {
        return (micros < 0 ? "-$" : "$") + Money.format(Math.abs(micros));
    }
}
