package dev.breakeven.ledger;

import dev.breakeven.ledger.Transfer.Phase;
import dev.breakeven.store.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementCustomizer;

/**
 * The ledger tables through JDBI. A batch runs in one transaction: it reads the transfers it names,
 * then the accounts it touches — on PostgreSQL with {@code SELECT … FOR UPDATE} in id order, so
 * that two processes lock shared accounts in the same order and cannot deadlock on them — applies
 * the chains in memory ({@link TransferBatch}) and writes the new transfers and totals. SQLite's
 * {@code IMMEDIATE} transactions already hold the one write lock. Two processes storing the same
 * transfer id, or resolving the same pending transfer, collide on a unique index; the loser's
 * transaction fails and its caller retries it, then finds the winner's row.
 */
public final class JdbiLedgerRepository implements LedgerRepository {
    private static final int IN_CHUNK = 500;
    private static final String ACCOUNT_COLUMNS =
            "id, kind, owner, debits_pending, debits_posted, credits_pending, credits_posted";
    private static final String TRANSFER_COLUMNS = "id, debit_account, credit_account, amount, code, reference,"
            + " occurred_at, recorded_at, phase, pending_id, timeout_at, chain_id";

    private final Jdbi jdbi;
    private final boolean lockRows;
    private final StatementCustomizer freshPlans;

    public JdbiLedgerRepository(Database database) {
        this.jdbi = database.jdbi();
        this.lockRows = database.kind() == Database.Kind.POSTGRESQL;
        this.freshPlans = database.freshPlans();
    }

    @Override
    public LedgerAccount open(LedgerAccount account, long now) {
        return jdbi.inTransaction(handle -> {
            handle.createUpdate("INSERT INTO ledger_accounts (id, kind, owner, rule, created_at)"
                            + " VALUES (:id, :kind, :owner, :rule, :at) ON CONFLICT (id) DO NOTHING")
                    .bind("id", account.id())
                    .bind("kind", account.kind().wire())
                    .bind("owner", account.owner())
                    .bind("rule", account.rule().wire())
                    .bind("at", now)
                    .execute();
            return handle.createQuery("SELECT " + ACCOUNT_COLUMNS + " FROM ledger_accounts WHERE id = :id")
                    .bind("id", account.id())
                    .map((rs, ctx) -> balance(rs).account())
                    .one();
        });
    }

    @Override
    public List<List<TransferResult>> apply(List<List<Transfer>> chains, long now) {
        return jdbi.inTransaction(handle -> {
            TreeSet<String> ids = new TreeSet<>();
            TreeSet<String> pendingIds = new TreeSet<>();
            for (List<Transfer> chain : chains) {
                for (Transfer t : chain) {
                    ids.add(t.id());
                    if (t.pendingId() != null) pendingIds.add(t.pendingId());
                }
            }
            TreeSet<String> named = new TreeSet<>(ids);
            named.addAll(pendingIds);
            Map<String, StoredTransfer> stored = new HashMap<>();
            for (StoredTransfer st : selectIn(
                    handle,
                    "SELECT " + TRANSFER_COLUMNS + " FROM ledger_transfers WHERE id IN (<ids>)",
                    named,
                    JdbiLedgerRepository::storedTransfer)) {
                stored.put(st.id(), st);
            }
            Map<String, Phase> resolutions = new HashMap<>();
            for (String[] row : selectIn(
                    handle,
                    "SELECT pending_id, phase FROM ledger_transfers WHERE pending_id IN (<ids>)",
                    pendingIds,
                    (rs) -> new String[] {rs.getString(1), rs.getString(2)})) {
                resolutions.put(row[0], Phase.fromWire(row[1]));
            }
            TreeSet<String> accountIds = new TreeSet<>();
            for (List<Transfer> chain : chains) {
                for (Transfer t : chain) {
                    if (t.debitAccount() != null) accountIds.add(t.debitAccount());
                    if (t.creditAccount() != null) accountIds.add(t.creditAccount());
                }
            }
            for (String p : pendingIds) {
                StoredTransfer st = stored.get(p);
                if (st != null && st.transfer().debitAccount() != null) {
                    accountIds.add(st.transfer().debitAccount());
                    accountIds.add(st.transfer().creditAccount());
                }
            }
            String lock = lockRows ? " ORDER BY id FOR UPDATE" : "";
            List<Balance> balances = selectIn(
                    handle,
                    "SELECT " + ACCOUNT_COLUMNS + " FROM ledger_accounts WHERE id IN (<ids>)" + lock,
                    accountIds,
                    JdbiLedgerRepository::balance);
            TransferBatch batch = new TransferBatch(balances, stored, resolutions, now);
            List<List<TransferResult>> results = new ArrayList<>(chains.size());
            for (List<Transfer> chain : chains) results.add(batch.apply(chain));
            insertTransfers(handle, batch.created());
            updateTotals(handle, batch.changed());
            return results;
        });
    }

    private static void insertTransfers(Handle handle, List<StoredTransfer> rows) {
        if (rows.isEmpty()) return;
        PreparedBatch insert = handle.prepareBatch("INSERT INTO ledger_transfers (" + TRANSFER_COLUMNS + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (StoredTransfer row : rows) {
            Transfer t = row.transfer();
            insert.bind(0, t.id())
                    .bind(1, t.debitAccount())
                    .bind(2, t.creditAccount())
                    .bind(3, t.amount())
                    .bind(4, t.code())
                    .bind(5, t.reference())
                    .bind(6, t.occurredAt())
                    .bind(7, row.recordedAt())
                    .bind(8, t.phase().wire())
                    .bind(9, t.pendingId())
                    .bind(10, t.phase() == Phase.PENDING && t.timeoutAt() > 0 ? t.timeoutAt() : null)
                    .bind(11, row.chainId())
                    .add();
        }
        insert.execute();
    }

    private static void updateTotals(Handle handle, List<Balance> changed) {
        if (changed.isEmpty()) return;
        PreparedBatch update = handle.prepareBatch("UPDATE ledger_accounts SET debits_pending = ?, debits_posted = ?,"
                + " credits_pending = ?, credits_posted = ? WHERE id = ?");
        for (Balance b : changed) {
            update.bind(0, b.debitsPending())
                    .bind(1, b.debitsPosted())
                    .bind(2, b.creditsPending())
                    .bind(3, b.creditsPosted())
                    .bind(4, b.account().id())
                    .add();
        }
        update.execute();
    }

    @Override
    public List<Balance> balances(Collection<String> accountIds) {
        return jdbi.withHandle(h -> selectIn(
                h,
                "SELECT " + ACCOUNT_COLUMNS + " FROM ledger_accounts WHERE id IN (<ids>)",
                new TreeSet<>(accountIds),
                JdbiLedgerRepository::balance));
    }

    @Override
    public List<Balance> balancesOf(String owner) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT " + ACCOUNT_COLUMNS + " FROM ledger_accounts WHERE owner = :owner ORDER BY id")
                .bind("owner", owner)
                .map((rs, ctx) -> balance(rs))
                .list());
    }

    @Override
    public List<Balance> balancesOfKind(AccountKind kind) {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT " + ACCOUNT_COLUMNS + " FROM ledger_accounts WHERE kind = :kind ORDER BY id")
                        .bind("kind", kind.wire())
                        .map((rs, ctx) -> balance(rs))
                        .list());
    }

    @Override
    public List<Balance> allBalances() {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + ACCOUNT_COLUMNS + " FROM ledger_accounts ORDER BY id")
                .map((rs, ctx) -> balance(rs))
                .list());
    }

    @Override
    public List<AuditRow> auditRows() {
        String pendingOpen =
                " AND t.phase = 'pending' AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id)";
        String posted = " AND t.phase IN ('posted', 'post')";
        String sql =
                "SELECT a.id, a.kind, a.owner, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted,"
                        + " COALESCE((SELECT SUM(t.amount) FROM ledger_transfers t WHERE t.debit_account = a.id"
                        + pendingOpen + "), 0) AS r_dpend,"
                        + " COALESCE((SELECT SUM(t.amount) FROM ledger_transfers t WHERE t.debit_account = a.id"
                        + posted + "), 0) AS r_dpost,"
                        + " COALESCE((SELECT SUM(t.amount) FROM ledger_transfers t WHERE t.credit_account = a.id"
                        + pendingOpen + "), 0) AS r_cpend,"
                        + " COALESCE((SELECT SUM(t.amount) FROM ledger_transfers t WHERE t.credit_account = a.id"
                        + posted + "), 0) AS r_cpost"
                        + " FROM ledger_accounts a ORDER BY a.id";
        return jdbi.withHandle(h -> h.createQuery(sql)
                .map((rs, ctx) -> {
                    Balance stored = balance(rs);
                    Balance recomputed = new Balance(
                            stored.account(),
                            rs.getLong("r_dpend"),
                            rs.getLong("r_dpost"),
                            rs.getLong("r_cpend"),
                            rs.getLong("r_cpost"));
                    return new AuditRow(stored, recomputed);
                })
                .list());
    }

    @Override
    public Optional<StoredTransfer> transfer(String id) {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT " + TRANSFER_COLUMNS + " FROM ledger_transfers WHERE id = :id")
                        .bind("id", id)
                        .map((rs, ctx) -> storedTransfer(rs))
                        .findOne());
    }

    @Override
    public List<StoredTransfer> transfersById(Collection<String> ids) {
        return jdbi.withHandle(h -> selectIn(
                h,
                "SELECT " + TRANSFER_COLUMNS + " FROM ledger_transfers WHERE id IN (<ids>)",
                new TreeSet<>(ids),
                JdbiLedgerRepository::storedTransfer));
    }

    @Override
    public List<StoredTransfer> transfers(TransferQuery q) {
        StringBuilder sql = new StringBuilder("SELECT " + TRANSFER_COLUMNS
                + " FROM ledger_transfers WHERE occurred_at >= :from AND occurred_at < :to");
        if (q.account() != null) sql.append(" AND (debit_account = :account OR credit_account = :account)");
        if (q.owner() != null) {
            sql.append(" AND (debit_account IN (SELECT id FROM ledger_accounts WHERE owner = :owner)"
                    + " OR credit_account IN (SELECT id FROM ledger_accounts WHERE owner = :owner))");
        }
        if (q.reference() != null) sql.append(" AND reference = :reference");
        sql.append(" ORDER BY occurred_at, id LIMIT :limit");
        return jdbi.withHandle(h -> {
            Query query = h.createQuery(sql.toString())
                    .bind("from", q.from())
                    .bind("to", q.to())
                    .bind("limit", q.limit());
            if (q.account() != null) query.bind("account", q.account());
            if (q.owner() != null) query.bind("owner", q.owner());
            if (q.reference() != null) query.bind("reference", q.reference());
            return query.map((rs, ctx) -> storedTransfer(rs)).list();
        });
    }

    @Override
    public Optional<Balance> balanceAt(String accountId, long at) {
        String sql = "SELECT a.id, a.kind, a.owner, 0 AS debits_pending,"
                + " COALESCE((SELECT SUM(t.amount) FROM ledger_transfers t WHERE t.debit_account = a.id AND t.phase IN ('posted', 'post') AND t.occurred_at < :at), 0) AS debits_posted,"
                + " 0 AS credits_pending,"
                + " COALESCE((SELECT SUM(t.amount) FROM ledger_transfers t WHERE t.credit_account = a.id AND t.phase IN ('posted', 'post') AND t.occurred_at < :at), 0) AS credits_posted"
                + " FROM ledger_accounts a WHERE a.id = :id";
        return jdbi.withHandle(h -> h.createQuery(sql)
                .bind("id", accountId)
                .bind("at", at)
                .map((rs, ctx) -> balance(rs))
                .findOne());
    }

    @Override
    public List<String> expiredPending(long now, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT t.id FROM ledger_transfers t WHERE t.phase = 'pending'"
                        + " AND t.timeout_at IS NOT NULL AND t.timeout_at <= :now"
                        + " AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id)"
                        + " ORDER BY t.timeout_at, t.id LIMIT :limit")
                .bind("now", now)
                .bind("limit", limit)
                .mapTo(String.class)
                .list());
    }

    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private <T> List<T> selectIn(Handle handle, String sql, Collection<String> ids, RowMapper<T> mapper) {
        List<T> out = new ArrayList<>();
        if (ids.isEmpty()) return out;
        List<String> all = new ArrayList<>(ids);
        for (int i = 0; i < all.size(); i += IN_CHUNK) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + IN_CHUNK));
            out.addAll(handle.createQuery(sql)
                    .addCustomizer(freshPlans)
                    .bindList("ids", chunk)
                    .map((rs, ctx) -> mapper.map(rs))
                    .list());
        }
        return out;
    }

    private static Balance balance(ResultSet rs) throws SQLException {
        AccountKind kind = AccountKind.fromWire(rs.getString("kind"));
        LedgerAccount account = new LedgerAccount(rs.getString("id"), kind, rs.getString("owner"));
        return new Balance(
                account,
                rs.getLong("debits_pending"),
                rs.getLong("debits_posted"),
                rs.getLong("credits_pending"),
                rs.getLong("credits_posted"));
    }

    private static StoredTransfer storedTransfer(ResultSet rs) throws SQLException {
        long timeout = rs.getLong("timeout_at");
        boolean noTimeout = rs.wasNull();
        Transfer t = new Transfer(
                rs.getString("id"),
                rs.getString("debit_account"),
                rs.getString("credit_account"),
                rs.getLong("amount"),
                rs.getString("code"),
                rs.getString("reference"),
                rs.getLong("occurred_at"),
                Phase.fromWire(rs.getString("phase")),
                rs.getString("pending_id"),
                noTimeout ? 0 : timeout);
        return new StoredTransfer(t, rs.getLong("recorded_at"), rs.getString("chain_id"));
    }
}
