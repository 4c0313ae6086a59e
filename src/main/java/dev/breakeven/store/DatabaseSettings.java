package dev.breakeven.store;

/**
 * Where the system of record lives.
 *
 * @param url a {@code jdbc:sqlite:} or {@code jdbc:postgresql:} URL
 * @param user PostgreSQL user, or null to take it from the URL
 * @param password PostgreSQL password (already read from its environment variable), or null
 * @param poolSize connections kept open
 */
public record DatabaseSettings(String url, String user, String password, int poolSize) {
    public static DatabaseSettings of(String url) {
        return new DatabaseSettings(url, null, null, 8);
    }
}
