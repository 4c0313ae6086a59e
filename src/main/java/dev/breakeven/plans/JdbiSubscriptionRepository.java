package dev.breakeven.plans;

import dev.breakeven.store.StoreCalls;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** {@link SubscriptionRepository} on the table of {@code V10__subscriptions.sql}. */
public final class JdbiSubscriptionRepository implements SubscriptionRepository {
    private static final String STORE = "subscription store";

    private final Jdbi jdbi;

    public JdbiSubscriptionRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public Optional<Subscription> find(String accountId) {
        return StoreCalls.call(
                STORE,
                () -> jdbi.withHandle(h -> h.createQuery("SELECT * FROM subscriptions WHERE account_id = :id")
                        .bind("id", accountId)
                        .map((rs, ctx) -> subscription(rs))
                        .findOne()));
    }

    @Override
    public void save(Subscription s) {
        StoreCalls.call(
                STORE,
                () -> jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO subscriptions (account_id, plan_id, status, paid_through, grace_until, updated_at)
                        VALUES (:account, :plan, :status, :paidThrough, :graceUntil, :updatedAt)
                        ON CONFLICT (account_id) DO UPDATE SET plan_id = excluded.plan_id,
                            status = excluded.status, paid_through = excluded.paid_through,
                            grace_until = excluded.grace_until, updated_at = excluded.updated_at
                        """)
                        .bind("account", s.accountId())
                        .bind("plan", s.planId())
                        .bind("status", s.status().wire())
                        .bind("paidThrough", s.paidThrough())
                        .bind("graceUntil", s.graceUntil())
                        .bind("updatedAt", s.updatedAt())
                        .execute()));
    }

    @Override
    public boolean replace(Subscription expected, Subscription next) {
        return StoreCalls.call(
                STORE,
                () -> jdbi.withHandle(h -> h.createUpdate("""
                                UPDATE subscriptions SET plan_id = :plan, status = :status,
                                    paid_through = :paidThrough, grace_until = :graceUntil, updated_at = :updatedAt
                                WHERE account_id = :account AND plan_id = :expectedPlan
                                    AND status = :expectedStatus AND paid_through = :expectedPaidThrough
                                """)
                                .bind("account", next.accountId())
                                .bind("plan", next.planId())
                                .bind("status", next.status().wire())
                                .bind("paidThrough", next.paidThrough())
                                .bind("graceUntil", next.graceUntil())
                                .bind("updatedAt", next.updatedAt())
                                .bind("expectedPlan", expected.planId())
                                .bind("expectedStatus", expected.status().wire())
                                .bind("expectedPaidThrough", expected.paidThrough())
                                .execute())
                        == 1);
    }

    @Override
    public void delete(String accountId) {
        StoreCalls.call(
                STORE,
                () -> jdbi.withHandle(h -> h.createUpdate("DELETE FROM subscriptions WHERE account_id = :id")
                        .bind("id", accountId)
                        .execute()));
    }

    @Override
    public List<Subscription> due(long now) {
        return StoreCalls.call(
                STORE,
                () -> jdbi.withHandle(h -> h.createQuery("""
                        SELECT * FROM subscriptions
                        WHERE paid_through <= :now OR grace_until <= :now
                        ORDER BY paid_through, account_id
                        """)
                        .bind("now", now)
                        .map((rs, ctx) -> subscription(rs))
                        .list()));
    }

    @Override
    public List<Subscription> all() {
        return StoreCalls.call(
                STORE,
                () -> jdbi.withHandle(h -> h.createQuery("SELECT * FROM subscriptions ORDER BY account_id")
                        .map((rs, ctx) -> subscription(rs))
                        .list()));
    }

    private static Subscription subscription(ResultSet rs) throws SQLException {
        long grace = rs.getLong("grace_until");
        Long graceUntil = rs.wasNull() ? null : grace;
        return new Subscription(
                rs.getString("account_id"),
                rs.getString("plan_id"),
                Subscription.Status.parse(rs.getString("status")),
                rs.getLong("paid_through"),
                graceUntil,
                rs.getLong("updated_at"));
    }
}
