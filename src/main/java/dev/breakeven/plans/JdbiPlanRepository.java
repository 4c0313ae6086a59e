package dev.breakeven.plans;

import dev.breakeven.store.StoreCalls;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Update;

/** {@link PlanRepository} on the table of {@code V9__plans.sql}. */
public final class JdbiPlanRepository implements PlanRepository {
    private static final String STORE = "plan store";
    private static final String TERMS = "name = :name, monthly_price_micros = :price, models = :models,"
            + " max_context_tokens = :context, max_output_tokens = :output, tokens_per_day = :day,"
            + " tokens_per_month = :month, requests_per_minute = :rpm, tokens_per_minute = :tpm,"
            + " priority = :priority, ads = :ads, overage = :overage, updated_at = :now";

    private final Jdbi jdbi;

    public JdbiPlanRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public List<StoredPlan> all() {
        return StoreCalls.call(
                STORE,
                () -> jdbi.withHandle(h -> h.createQuery("SELECT * FROM plans ORDER BY position, id")
                        .map((rs, ctx) -> stored(rs))
                        .list()));
    }

    @Override
    public boolean insert(Plan plan, long now) {
        // ON CONFLICT ... DO NOTHING: PostgreSQL 9.5+ and SQLite 3.24+; a concurrent insert of the
        // same id waits for the other transaction, then inserts nothing
        String sql = """
                INSERT INTO plans (id, name, monthly_price_micros, models, max_context_tokens,
                    max_output_tokens, tokens_per_day, tokens_per_month, requests_per_minute,
                    tokens_per_minute, priority, ads, overage, position, archived_at, created_at, updated_at)
                VALUES (:id, :name, :price, :models, :context, :output, :day, :month, :rpm, :tpm,
                    :priority, :ads, :overage, (SELECT COALESCE(MAX(position), 0) + 1 FROM plans), NULL,
                    :now, :now)
                ON CONFLICT (id) DO NOTHING
                """;
        return StoreCalls.call(
                STORE,
                () -> jdbi.withHandle(
                                h -> bindTerms(h.createUpdate(sql), plan, now).execute())
                        == 1);
    }

    @Override
    public boolean update(Plan plan, Boolean archived, long now) {
        String state = archived == null
                ? ""
                : archived ? ", archived_at = COALESCE(archived_at, :now)" : ", archived_at = NULL";
        String sql = "UPDATE plans SET " + TERMS + state + " WHERE id = :id";
        return StoreCalls.call(
                STORE,
                () -> jdbi.withHandle(
                                h -> bindTerms(h.createUpdate(sql), plan, now).execute())
                        == 1);
    }

    private static Update bindTerms(Update u, Plan p, long now) {
        return u.bind("id", p.id())
                .bind("name", p.name())
                .bind("price", p.monthlyPriceMicros())
                .bind("models", String.join("\n", p.models()))
                .bind("context", p.maxContextTokens())
                .bind("output", p.maxOutputTokens())
                .bind("day", p.tokensPerDay())
                .bind("month", p.tokensPerMonth())
                .bind("rpm", p.requestsPerMinute())
                .bind("tpm", p.tokensPerMinute())
                .bind("priority", p.priorityClass())
                .bind("ads", p.ads() ? 1 : 0)
                .bind("overage", p.overage().wire())
                .bind("now", now);
    }

    private static StoredPlan stored(ResultSet rs) throws SQLException {
        String models = rs.getString("models");
        Plan plan = new Plan(
                rs.getString("id"),
                rs.getString("name"),
                rs.getLong("monthly_price_micros"),
                models.isEmpty() ? List.of() : Arrays.asList(models.split("\n")),
                rs.getLong("max_context_tokens"),
                rs.getLong("max_output_tokens"),
                rs.getLong("tokens_per_day"),
                rs.getLong("tokens_per_month"),
                rs.getLong("requests_per_minute"),
                rs.getLong("tokens_per_minute"),
                rs.getString("priority"),
                rs.getInt("ads") != 0,
                Overage.parse(rs.getString("overage")));
        rs.getLong("archived_at");
        boolean archived = !rs.wasNull();
        return new StoredPlan(plan, archived, rs.getLong("created_at"), rs.getLong("updated_at"));
    }
}
