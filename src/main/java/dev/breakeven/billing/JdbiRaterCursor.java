package dev.breakeven.billing;

import dev.breakeven.store.Database;
import org.jdbi.v3.core.Jdbi;

/** The rater's position in table {@code billing_cursor}, one row named {@code rater}. */
public final class JdbiRaterCursor implements RaterCursor {
    private static final String NAME = "rater";
    private final Jdbi jdbi;

    public JdbiRaterCursor(Database database) {
        this.jdbi = database.jdbi();
    }

    @Override
    public long load() {
        return jdbi.withHandle(h -> h.createQuery("SELECT seq FROM billing_cursor WHERE name = :name")
                .bind("name", NAME)
                .mapTo(Long.class)
                .findOne()
                .orElse(0L));
    }

    @Override
    public void save(long seq, long now) {
        jdbi.useTransaction(h -> {
            int updated = h.createUpdate(
                            "UPDATE billing_cursor SET seq = :seq, updated_at = :now WHERE name = :name AND seq <= :seq")
                    .bind("seq", seq)
                    .bind("now", now)
                    .bind("name", NAME)
                    .execute();
            if (updated == 0) {
                h.createUpdate("INSERT INTO billing_cursor (name, seq, updated_at) VALUES (:name, :seq, :now)"
                                + " ON CONFLICT (name) DO NOTHING")
                        .bind("seq", seq)
                        .bind("now", now)
                        .bind("name", NAME)
                        .execute();
            }
        });
    }
}
