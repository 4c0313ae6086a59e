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
        BreakevenConfig config = options.load(Map.of());
        try (Database db = Database.open(Breakeven.databaseSettings(config, System.getenv()));
                Books books = Books.forCommand(db)) {
            Clock clock = Clock.systemUTC();
            KeyRing keys = new KeyRing(new JdbiAccessRepository(db.jdbi()), new Ids(clock), clock);
            return work.apply(books, keys);
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
