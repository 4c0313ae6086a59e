package dev.breakeven.metering;

import dev.breakeven.store.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/**
 * The journal table through JDBI, the same SQL on SQLite and PostgreSQL. Usage events are rows of
 * type {@code usage}; a missing time to first token ({@code -1}) is stored as NULL and an outcome
 * by its lower-case name.
 */
public final class JdbiJournalRepository implements JournalRepository, JournalReader {

    static final String USAGE = "usage";

    private static final String INSERT = "INSERT INTO journal (event_id, type, occurred_at, recorded_at, account_id,"
            + " key_id, model, backend, upstream_model, prompt_tokens, completion_tokens, estimated, ttft_ms,"
            + " duration_ms, outcome, streamed, error_code, generation_ms, included)"
            + " VALUES (?, '" + USAGE + "', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (event_id) DO NOTHING";

    private static final String COLUMNS = "event_id, occurred_at, account_id, key_id, model, backend, upstream_model,"
            + " prompt_tokens, completion_tokens, estimated, ttft_ms, duration_ms, outcome, streamed, error_code, generation_ms,"
            + " included";

    private final Jdbi jdbi;

    public JdbiJournalRepository(Database database) {
        this(database.jdbi());
    }

    public JdbiJournalRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void insertBatch(List<UsageEvent> events, long recordedAt) {
        if (events.isEmpty()) return;
        jdbi.useTransaction(handle -> {
            PreparedBatch batch = handle.prepareBatch(INSERT);
            for (UsageEvent e : events) {
                batch.bind(0, e.id())
                        .bind(1, e.occurredAt())
                        .bind(2, recordedAt)
                        .bind(3, e.accountId())
                        .bind(4, e.keyId())
                        .bind(5, e.model())
                        .bind(6, e.backend())
                        .bind(7, e.upstreamModel())
                        .bind(8, e.promptTokens())
                        .bind(9, e.completionTokens())
                        .bind(10, flag(e.estimated()))
                        .bind(11, e.timeToFirstTokenMillis() < 0 ? null : e.timeToFirstTokenMillis())
                        .bind(12, e.durationMillis())
                        .bind(
                                13,
                                e.outcome() == null ? null : e.outcome().name().toLowerCase(Locale.ROOT))
                        .bind(14, flag(e.streamed()))
                        .bind(15, e.errorCode())
                        .bind(16, e.generationMillis() < 0 ? null : e.generationMillis())
                        .bind(17, flag(e.included()))
                        .add();
            }
            batch.execute();
        });
    }

    @Override
    public List<UsageEvent> usage(UsageQuery query) {
        if (query.limit() < 0) throw new IllegalArgumentException("limit must be >= 0, got " + query.limit());
        StringBuilder sql = new StringBuilder("SELECT ")
                .append(COLUMNS)
                .append(" FROM journal WHERE type = :type AND occurred_at >= :since");
        if (query.accountId() != null) sql.append(" AND account_id = :account");
        sql.append(" ORDER BY occurred_at, seq LIMIT :limit");
        return jdbi.withHandle(handle -> {
            Query q = handle.createQuery(sql.toString())
                    .bind("type", USAGE)
                    .bind("since", query.sinceMillis())
                    .bind("limit", query.limit());
            if (query.accountId() != null) q.bind("account", query.accountId());
            return q.map((rs, ctx) -> usageEvent(rs)).list();
        });
    }

    @Override
    public List<JournalEntry> after(long afterSeq, int limit) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT seq, recorded_at, type, " + COLUMNS
                        + " FROM journal WHERE seq > :after ORDER BY seq LIMIT :limit")
                .bind("after", afterSeq)
                .bind("limit", limit)
                .map((rs, ctx) -> {
                    String type = rs.getString("type");
                    return new JournalEntry(
                            rs.getLong("seq"),
                            rs.getLong("recorded_at"),
                            type,
                            USAGE.equals(type) ? usageEvent(rs) : null);
                })
                .list());
    }

    @Override
    public long lastSeq() {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT COALESCE(MAX(seq), 0) FROM journal")
                .mapTo(Long.class)
                .one());
    }

    @Override
    public List<UsageEvent> events(java.util.Collection<String> ids) {
        List<String> all = new java.util.ArrayList<>(ids);
        List<UsageEvent> out = new java.util.ArrayList<>();
        for (int i = 0; i < all.size(); i += 500) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + 500));
            out.addAll(jdbi.withHandle(handle -> handle.createQuery(
                            "SELECT " + COLUMNS + " FROM journal WHERE type = :type AND event_id IN (<ids>)")
                    .bind("type", USAGE)
                    .bindList("ids", chunk)
                    .map((rs, ctx) -> usageEvent(rs))
                    .list()));
        }
        return out;
    }

    @Override
    public long count() {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT COUNT(*) FROM journal")
                .mapTo(Long.class)
                .one());
    }

    private static UsageEvent usageEvent(ResultSet rs) throws SQLException {
        long ttft = rs.getLong("ttft_ms");
        if (rs.wasNull()) ttft = -1;
        long generation = rs.getLong("generation_ms");
        if (rs.wasNull()) generation = -1;
        String outcome = rs.getString("outcome");
        return new UsageEvent(
                rs.getString("event_id"),
                rs.getLong("occurred_at"),
                rs.getString("account_id"),
                rs.getString("key_id"),
                rs.getString("model"),
                rs.getString("backend"),
                rs.getString("upstream_model"),
                rs.getLong("prompt_tokens"),
                rs.getLong("completion_tokens"),
                rs.getInt("estimated") != 0,
                ttft,
                rs.getLong("duration_ms"),
                outcome == null ? null : UsageEvent.Outcome.valueOf(outcome.toUpperCase(Locale.ROOT)),
                rs.getInt("streamed") != 0,
                rs.getString("error_code"),
                generation,
                rs.getInt("included") != 0);
    }

    private static short flag(boolean value) {
        return value ? (short) 1 : (short) 0;
    }
}
