package dev.breakeven.access;

import dev.breakeven.store.StoreCalls;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** {@link AccessRepository} on the tables of {@code V1__access.sql}, through JDBI's core API. */
public final class JdbiAccessRepository implements AccessRepository {

    private static final String ACCOUNT_COLUMNS = "id, name, role, plan_id, created_at";
    private static final String KEY_COLUMNS = "id, account_id, hint, created_at, revoked_at";

    private static final RowMapper<Account> ACCOUNT = (rs, ctx) -> account(rs, "");
    private static final RowMapper<ApiKey> KEY = (rs, ctx) -> key(rs, "");

    private final Jdbi jdbi;

    public JdbiAccessRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public boolean insertAccountIfAbsent(Account account) {
        // ON CONFLICT ... DO NOTHING is understood by both PostgreSQL (9.5+) and SQLite (3.24+); a
        // concurrent insert of the same name waits for the other and then inserts nothing.
        return call(() -> jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO accounts (id, name, role, plan_id, created_at)
                        VALUES (:id, :name, :role, :planId, :createdAt)
                        ON CONFLICT (name) DO NOTHING
                        """)
                        .bind("id", account.id())
                        .bind("name", account.name())
                        .bind("role", account.role().wireName())
                        .bind("planId", account.planId())
                        .bind("createdAt", account.createdAt())
                        .execute())
                == 1);
    }

    @Override
    public Optional<Account> findAccountById(String id) {
        return call(
                () -> jdbi.withHandle(h -> h.createQuery("SELECT " + ACCOUNT_COLUMNS + " FROM accounts WHERE id = :id")
                        .bind("id", id)
                        .map(ACCOUNT)
                        .findOne()));
    }

    @Override
    public Optional<Account> findAccountByName(String name) {
        return call(() ->
                jdbi.withHandle(h -> h.createQuery("SELECT " + ACCOUNT_COLUMNS + " FROM accounts WHERE name = :name")
                        .bind("name", name)
                        .map(ACCOUNT)
                        .findOne()));
    }

    @Override
    public List<Account> listAccounts() {
        return call(
                () -> jdbi.withHandle(h -> h.createQuery("SELECT " + ACCOUNT_COLUMNS + " FROM accounts ORDER BY name")
                        .map(ACCOUNT)
                        .list()));
    }

    @Override
    public boolean updatePlan(String accountId, String planId) {
        return call(() -> jdbi.withHandle(h -> h.createUpdate("UPDATE accounts SET plan_id = :planId WHERE id = :id")
                        .bind("planId", planId)
                        .bind("id", accountId)
                        .execute())
                == 1);
    }

    @Override
    public void insertKey(ApiKey key, String keyHash) {
        call(() -> jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO api_keys (id, account_id, key_hash, hint, created_at, revoked_at)
                        VALUES (:id, :accountId, :keyHash, :hint, :createdAt, :revokedAt)
                        """)
                .bind("id", key.id())
                .bind("accountId", key.accountId())
                .bind("keyHash", keyHash)
                .bind("hint", key.hint())
                .bind("createdAt", key.createdAt())
                .bind("revokedAt", key.revokedAt())
                .execute()));
    }

    @Override
    public Optional<ApiKey> findKey(String id) {
        return call(() -> jdbi.withHandle(h -> h.createQuery("SELECT " + KEY_COLUMNS + " FROM api_keys WHERE id = :id")
                .bind("id", id)
                .map(KEY)
                .findOne()));
    }

    @Override
    public Optional<StoredKey> findKeyByHash(String keyHash) {
        return call(() -> jdbi.withHandle(h -> h.createQuery("""
                        SELECT k.id AS k_id, k.account_id AS k_account_id, k.hint AS k_hint,
                               k.created_at AS k_created_at, k.revoked_at AS k_revoked_at,
                               k.key_hash AS k_key_hash,
                               a.id AS a_id, a.name AS a_name, a.role AS a_role,
                               a.plan_id AS a_plan_id, a.created_at AS a_created_at
                        FROM api_keys k JOIN accounts a ON a.id = k.account_id
                        WHERE k.key_hash = :keyHash
                        """)
                .bind("keyHash", keyHash)
                .map((rs, ctx) -> new StoredKey(account(rs, "a_"), key(rs, "k_"), rs.getString("k_key_hash")))
                .findOne()));
    }

    @Override
    public List<ApiKey> listKeys() {
        return call(() ->
                jdbi.withHandle(h -> h.createQuery("SELECT " + KEY_COLUMNS + " FROM api_keys ORDER BY created_at, id")
                        .map(KEY)
                        .list()));
    }

    @Override
    public List<ApiKey> listKeys(String accountId) {
        return call(() -> jdbi.withHandle(h -> h.createQuery("SELECT " + KEY_COLUMNS
                        + " FROM api_keys WHERE account_id = :accountId ORDER BY created_at, id")
                .bind("accountId", accountId)
                .map(KEY)
                .list()));
    }

    @Override
    public boolean revokeKey(String id, long revokedAt) {
        return call(() -> jdbi.withHandle(h -> h.createUpdate(
                                "UPDATE api_keys SET revoked_at = :revokedAt WHERE id = :id AND revoked_at IS NULL")
                        .bind("revokedAt", revokedAt)
                        .bind("id", id)
                        .execute())
                == 1);
    }

    private static Account account(ResultSet rs, String prefix) throws SQLException {
        String roleText = rs.getString(prefix + "role");
        Role role = Role.parse(roleText);
        if (role == null) {
            throw new SQLException("account " + rs.getString(prefix + "id") + " has unknown role '" + roleText + "'");
        }
        return new Account(
                rs.getString(prefix + "id"),
                rs.getString(prefix + "name"),
                role,
                rs.getString(prefix + "plan_id"),
                rs.getLong(prefix + "created_at"));
    }

    private static ApiKey key(ResultSet rs, String prefix) throws SQLException {
        long revokedAt = rs.getLong(prefix + "revoked_at");
        Long revoked = rs.wasNull() ? null : revokedAt;
        return new ApiKey(
                rs.getString(prefix + "id"),
                rs.getString(prefix + "account_id"),
                rs.getString(prefix + "hint"),
                rs.getLong(prefix + "created_at"),
                revoked);
    }

    /** Runs one repository call, turning JDBI's failures into the documented StoreException. */
    private static <T> T call(Supplier<T> work) {
        return StoreCalls.call("access store", work);
    }
}
