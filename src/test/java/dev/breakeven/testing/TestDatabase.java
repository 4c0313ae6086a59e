package dev.breakeven.testing;

import dev.breakeven.store.Database;
import dev.breakeven.store.DatabaseSettings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * The engines every repository test runs on. A test class annotated
 * {@code @ParameterizedClass @EnumSource(TestDatabase.class)} runs once per engine; PostgreSQL is
 * taken from {@code BREAKEVEN_TEST_PG_URL} (which {@code .ci/run} sets) and each open gets a fresh
 * schema, so tests never see each other's rows.
 */
public enum TestDatabase {
    SQLITE,
    POSTGRESQL;

    public static final String PG_URL_VARIABLE = "BREAKEVEN_TEST_PG_URL";

    /** A migrated, empty database; SQLite lives under {@code dir}. */
    public Opened open(Path dir) {
        return switch (this) {
            case SQLITE ->
                new Opened(Database.open(DatabaseSettings.of("jdbc:sqlite:" + dir.resolve("test.db"))), null, null);
            case POSTGRESQL -> openPostgres();
        };
    }

    /** The JDBC URL of a fresh database of this engine, for tests that start a server process. */
    public String freshUrl(Path dir) {
        return switch (this) {
            case SQLITE -> "jdbc:sqlite:" + dir.resolve("breakeven.db");
            case POSTGRESQL -> withSchema(pgUrl(), createSchema(pgUrl()));
        };
    }

    private static Opened openPostgres() {
        String base = pgUrl();
        String schema = createSchema(base);
        Database db = Database.open(DatabaseSettings.of(withSchema(base, schema)));
        return new Opened(db, base, schema);
    }

    public static String pgUrl() {
        String url = System.getenv(PG_URL_VARIABLE);
        Assumptions.assumeTrue(
                url != null && !url.isBlank(), PG_URL_VARIABLE + " is unset: PostgreSQL run skipped (.ci/run sets it)");
        return url;
    }

    private static String createSchema(String base) {
        String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(base)) {
            c.createStatement().execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test schema on " + base + ": " + e.getMessage(), e);
        }
        return schema;
    }

    private static String withSchema(String base, String schema) {
        return base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** An open test database; closing drops its PostgreSQL schema. */
    public record Opened(Database db, String baseUrl, String schema) implements AutoCloseable {
        @Override
        public void close() {
            db.close();
            if (schema != null) {
                try (Connection c = DriverManager.getConnection(baseUrl)) {
                    c.createStatement().execute("DROP SCHEMA " + schema + " CASCADE");
                } catch (SQLException e) {
                    // a leftover test schema harms nothing; the next run uses a new name
                }
            }
        }
    }
}
