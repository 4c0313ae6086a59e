package dev.breakeven.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.postgresql.PGStatement;

/**
 * The system of record: a SQLite file (embedded default) or PostgreSQL, migrated by Flyway on
 * open and reached through JDBI.
 *
 * <p>SQLite runs in WAL mode with {@code synchronous=FULL}, so a committed transaction survives a
 * power cut; explicit transactions start {@code IMMEDIATE} so that two writers queue on the busy
 * timeout instead of failing on a lock upgrade.
 */
public final class Database implements AutoCloseable {

    /** Which engine a URL names. */
    public enum Kind {
        SQLITE,
        POSTGRESQL
    }

    private final Kind kind;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;

    private Database(Kind kind, HikariDataSource dataSource) {
        this.kind = kind;
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
    }

    /**
     * Opens the database at {@code settings.url()} and applies every pending migration.
     *
     * @throws StoreException with code {@code unsupported_database} for a URL that is neither
     *     SQLite nor PostgreSQL, {@code database_unavailable} when it cannot be reached or migrated
     */
    public static Database open(DatabaseSettings settings) {
        Objects.requireNonNull(settings.url(), "database url");
        Kind kind = kindOf(settings.url());
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.url());
        config.setPoolName("breakeven-db");
        config.setMaximumPoolSize(settings.poolSize());
        config.setConnectionTimeout(10_000);
        if (kind == Kind.SQLITE) {
            ensureParentDirectory(settings.url());
            config.addDataSourceProperty("journal_mode", "WAL");
            config.addDataSourceProperty("synchronous", "FULL");
            config.addDataSourceProperty("busy_timeout", "30000");
            config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
            config.addDataSourceProperty("foreign_keys", "true");
            // Fewer, larger WAL checkpoints and a 64 MiB page cache: the ledger's small commits wrote
            // each page to the WAL and again at every checkpoint (bench/results/ledger-2026-11-28.md).
            // Durability is unchanged: every commit is still flushed.
            config.setConnectionInitSql("PRAGMA wal_autocheckpoint = 10000");
            config.addDataSourceProperty("cache_size", "-65536");
        } else {
            // Sends a JDBC batch as multi-row INSERTs (far fewer statements): the journal writes in batches.
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
            if (settings.user() != null) config.setUsername(settings.user());
            if (settings.password() != null) config.setPassword(settings.password());
        }
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreException(
                    "database_unavailable", "cannot open database " + redact(settings.url()) + ": " + rootMessage(e));
        }
        try {
            migrate(dataSource, kind);
        } catch (RuntimeException e) {
            dataSource.close();
            throw new StoreException(
                    "database_unavailable",
                    "cannot migrate database " + redact(settings.url()) + ": " + rootMessage(e));
        }
        return new Database(kind, dataSource);
    }

    private static void migrate(DataSource dataSource, Kind kind) {
        // Portable DDL lives in common/; what differs (identity columns, types) in one folder per engine.
        Flyway.configure()
                .dataSource(dataSource)
                .locations(
                        "classpath:db/migration/common",
                        "classpath:db/migration/" + kind.name().toLowerCase())
                .loggers("slf4j")
                .load()
                .migrate();
    }

    public static Kind kindOf(String url) {
        if (url.startsWith("jdbc:sqlite:")) return Kind.SQLITE;
        if (url.startsWith("jdbc:postgresql:")) return Kind.POSTGRESQL;
        throw new StoreException(
                "unsupported_database",
                "database.url must start with jdbc:sqlite: or jdbc:postgresql:, got " + redact(url));
    }

    private static void ensureParentDirectory(String url) {
        String path = url.substring("jdbc:sqlite:".length());
        int query = path.indexOf('?');
        if (query >= 0) path = path.substring(0, query);
        if (path.isEmpty() || path.startsWith(":memory:") || path.startsWith("file:")) return;
        Path parent = Path.of(path).toAbsolutePath().getParent();
        try {
            if (parent != null) Files.createDirectories(parent);
        } catch (IOException e) {
            throw new StoreException(
                    "database_unavailable", "cannot create directory " + parent + ": " + e.getMessage());
        }
    }

    /** Hides a password given in the URL's query. */
    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /**
     * For a query whose table grows from empty and whose plan depends on its size (a lookup of many
     * ids): plans every execution for its own values. PostgreSQL otherwise switches a statement to a
     * generic plan after five executions and keeps it; one cached while the table was nearly empty
     * went on scanning the whole table after it grew (docs/decisions.md). No effect on SQLite.
     */
    public StatementCustomizer freshPlans() {
        if (kind != Kind.POSTGRESQL) return NO_CUSTOMIZER;
        return new StatementCustomizer() {
            @Override
            public void beforeExecution(PreparedStatement stmt, StatementContext ctx) throws SQLException {
                stmt.unwrap(PGStatement.class).setPrepareThreshold(0);
            }
        };
    }

    private static final StatementCustomizer NO_CUSTOMIZER = new StatementCustomizer() {};

    public Kind kind() {
        return kind;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** True when a trivial query answers within the pool's timeout. */
    public boolean isReachable() {
        try {
            return jdbi.withHandle(
                            h -> h.createQuery("SELECT 1").mapTo(Integer.class).one())
                    == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
