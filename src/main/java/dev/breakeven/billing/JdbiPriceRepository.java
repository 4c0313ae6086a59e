package dev.breakeven.billing;

import dev.breakeven.store.StoreCalls;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/** {@link PriceRepository} on the table of {@code V5__prices.sql}, through JDBI's core API. */
public final class JdbiPriceRepository implements PriceRepository {

    private static final String COLUMNS = "id, kind, subject, micros, effective_from, created_at, note";

    private final Jdbi jdbi;

    public JdbiPriceRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public Insertion insert(List<Price> rows) {
        try {
            return call(() -> jdbi.inTransaction(h -> insertAll(h, rows)));
        } catch (Conflicted c) {
            return new Insertion(List.of(), c.conflicts);
        }
    }

    private static Insertion insertAll(Handle h, List<Price> rows) {
        List<Price> stored = new ArrayList<>(rows.size());
        List<Conflict> conflicts = new ArrayList<>();
        for (Price row : rows) {
            // ON CONFLICT ... DO NOTHING is understood by PostgreSQL (9.5+) and SQLite (3.24+); a
            // concurrent insert of the same slot waits for the other transaction, then inserts nothing.
            int inserted = h.createUpdate("""
                            INSERT INTO prices (id, kind, subject, micros, effective_from, created_at, note)
                            VALUES (:id, :kind, :subject, :micros, :effectiveFrom, :createdAt, :note)
                            ON CONFLICT (kind, subject, effective_from) DO NOTHING
                            """)
                    .bind("id", row.id())
                    .bind("kind", row.kind().wireName())
                    .bind("subject", row.subject())
                    .bind("micros", row.micros())
                    .bind("effectiveFrom", row.effectiveFrom())
                    .bind("createdAt", row.createdAt())
                    .bind("note", row.note())
                    .execute();
            if (inserted == 1) {
                stored.add(row);
                continue;
            }
            Price existing = h.createQuery("SELECT " + COLUMNS
                            + " FROM prices WHERE kind = :kind AND subject = :subject"
                            + " AND effective_from = :effectiveFrom")
                    .bind("kind", row.kind().wireName())
                    .bind("subject", row.subject())
                    .bind("effectiveFrom", row.effectiveFrom())
                    .map((rs, ctx) -> price(rs))
                    .findOne()
                    .orElseThrow(() -> new IllegalStateException("price slot taken but no row found for " + row));
            if (existing.micros() == row.micros()) stored.add(existing);
            else conflicts.add(new Conflict(row, existing));
        }
        if (!conflicts.isEmpty()) throw new Conflicted(conflicts); // rolls the transaction back
        return new Insertion(List.copyOf(stored), List.of());
    }

    @Override
    public List<Price> all() {
        return call(() -> jdbi.withHandle(h ->
                known(h.createQuery("SELECT " + COLUMNS + " FROM prices ORDER BY kind, subject, effective_from"))));
    }

    @Override
    public List<Price> history(PriceKind kindOrNull, String subjectOrNull) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM prices WHERE 1 = 1");
        if (kindOrNull != null) sql.append(" AND kind = :kind");
        if (subjectOrNull != null) sql.append(" AND subject = :subject");
        // kind and subject last: unique with effective_from, so the order never depends on chance
        sql.append(" ORDER BY effective_from DESC, created_at DESC, kind, subject");
        return call(() -> jdbi.withHandle(h -> {
            Query query = h.createQuery(sql.toString());
            if (kindOrNull != null) query.bind("kind", kindOrNull.wireName());
            if (subjectOrNull != null) query.bind("subject", subjectOrNull);
            return known(query);
        }));
    }

    @Override
    public boolean exists(PriceKind kind, String subject) {
        return call(() -> jdbi.withHandle(
                h -> h.createQuery("SELECT 1 FROM prices WHERE kind = :kind AND subject = :subject LIMIT 1")
                        .bind("kind", kind.wireName())
                        .bind("subject", subject)
                        .mapTo(Integer.class)
                        .findOne()
                        .isPresent()));
    }

    /** The query's rows whose kind this build knows. */
    private static List<Price> known(Query query) {
        List<Price> rows = query.map((rs, ctx) -> priceOrNull(rs)).list();
        return rows.stream().filter(Objects::nonNull).toList();
    }

    private static Price price(ResultSet rs) throws SQLException {
        Price price = priceOrNull(rs);
        if (price == null) throw new SQLException("price " + rs.getString("id") + " has an unknown kind");
        return price;
    }

    private static Price priceOrNull(ResultSet rs) throws SQLException {
        PriceKind kind = PriceKind.parse(rs.getString("kind"));
        if (kind == null) return null;
        return new Price(
                rs.getString("id"),
                kind,
                rs.getString("subject"),
                rs.getLong("micros"),
                rs.getLong("effective_from"),
                rs.getLong("created_at"),
                rs.getString("note"));
    }

    /** Thrown inside the insert transaction to roll it back; carries what conflicted. */
    private static final class Conflicted extends RuntimeException {
        final transient List<Conflict> conflicts;

        Conflicted(List<Conflict> conflicts) {
            super(null, null, false, false);
            this.conflicts = Objects.requireNonNull(conflicts);
        }
    }

    /** Runs one repository call, turning JDBI's failures into the documented StoreException. */
    private static <T> T call(Supplier<T> work) {
        return StoreCalls.call("price store", work);
    }
}
