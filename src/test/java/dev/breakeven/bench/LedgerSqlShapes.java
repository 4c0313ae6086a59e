package dev.breakeven.bench;

import dev.breakeven.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * What the ledger's three per-row statements would cost on PostgreSQL in other shapes, measured
 * with plain JDBC on a migrated schema holding the {@link LedgerBench} account set: for a batch of
 * {@code batch} usage transfers (random wallets, all crediting {@code revenue:compute}) it times
 *
 * <ul>
 *   <li>reading the accounts with a lock: {@code id IN (…)} in chunks of 500 bind parameters, as
 *       {@code JdbiLedgerRepository} does, against one {@code id = ANY(?)} with a text array;
 *   <li>storing the transfers: a JDBC batch of single-row INSERTs (rewritten by the driver into
 *       multi-row INSERTs, {@code reWriteBatchedInserts=true} as {@code Database} sets), one {@code
 *       INSERT … SELECT FROM unnest(?, ?, …)} of arrays, and {@code COPY … FROM STDIN};
 *   <li>writing the totals: a JDBC batch of one {@code UPDATE} per account, as the repository does,
 *       against one {@code UPDATE … FROM unnest(…)}.
 * </ul>
 *
 * Each measured batch is its own committed transaction (synchronous commit), shapes alternate, and
 * the report gives the median per batch. Not run by {@code bench/run}; it backs the proposals in
 * the ledger results file.
 *
 * <pre>
 * java -cp … dev.breakeven.bench.LedgerSqlShapes [batch=2048] [rounds=15] [users=10000]
 * </pre>
 */
public final class LedgerSqlShapes {

    public static void main(String[] args) throws Exception {
        int batch = 2048;
        int rounds = 15;
        int users = 10_000;
        for (String a : args) {
            if (a.startsWith("batch=")) batch = Integer.parseInt(a.substring(6));
            else if (a.startsWith("rounds=")) rounds = Integer.parseInt(a.substring(7));
            else if (a.startsWith("users=")) users = Integer.parseInt(a.substring(6));
            else throw new IllegalArgumentException("unknown argument " + a);
        }
        Path dir = Files.createTempDirectory("ledger-sql");
        try (TestDatabase.Opened opened = TestDatabase.POSTGRESQL.open(dir);
                Connection c = opened.db().dataSource().getConnection()) {
            String load = LedgerBench.load3();
            populate(c, users);
            Random random = new Random(7);
            List<String> names = List.of(
                    "select: IN lists of 500 (as now)",
                    "select: = ANY(array)",
                    "insert: JDBC batch, rewritten multi-row (as now)",
                    "insert: INSERT … SELECT FROM unnest(arrays)",
                    "insert: COPY FROM STDIN",
                    "update: JDBC batch, one UPDATE per account (as now)",
                    "update: one UPDATE … FROM unnest(arrays)");
            List<List<Double>> ms = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) ms.add(new ArrayList<>());
            int serial = 0;
            for (int round = 0; round < rounds + 3; round++) { // the first 3 rounds warm up
                List<String> wallets = new ArrayList<>();
                for (int i = 0; i < batch; i++) wallets.add("wallet:u" + random.nextInt(users) + ":paid");
                List<String> accounts = new ArrayList<>(new java.util.TreeSet<>(wallets));
                accounts.add(0, "revenue:compute");
                for (int shape = 0; shape < names.size(); shape++) {
                    long began = System.nanoTime();
                    switch (shape) {
                        case 0 -> selectIn(c, accounts);
                        case 1 -> selectAny(c, accounts);
                        case 2, 3, 4 -> insert(c, shape, wallets, "r" + round + "s" + shape + "-", ++serial);
                        case 5 -> updateBatch(c, accounts, round);
                        default -> updateUnnest(c, accounts, round);
                    }
                    c.commit();
                    double elapsed = (System.nanoTime() - began) / 1e6;
                    if (round >= 3) ms.get(shape).add(elapsed);
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "PostgreSQL, %,d transfers per batch over %,d wallets (about %,d accounts locked and updated),"
                            + " %d rounds; load average %s at start, %s at end%n%n",
                    batch,
                    users,
                    distinctExpected(batch, users),
                    rounds,
                    load,
                    LedgerBench.load3());
            System.out.println("| statement shape | ms per batch (median) | µs per transfer | per round (ms) |");
            System.out.println("|---|---|---|---|");
            for (int i = 0; i < names.size(); i++) {
                double m = Samples.median(ms.get(i));
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %.1f | %.1f | %s |%n",
                        names.get(i),
                        m,
                        m * 1000 / batch,
                        String.join(
                                ", ",
                                ms.get(i).stream()
                                        .map(x -> String.format(Locale.ROOT, "%.0f", x))
                                        .toList()));
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    private static int distinctExpected(int batch, int users) {
        return (int) Math.round(users * (1 - Math.pow(1 - 1.0 / users, batch))) + 1;
    }

    private static void populate(Connection c, int users) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO ledger_accounts (id, kind, owner, rule, credits_posted, created_at) VALUES (?, ?, ?, ?, ?, 0)")) {
            p.setString(1, "revenue:compute");
            p.setString(2, "revenue_compute");
            p.setString(3, null);
            p.setString(4, "none");
            p.setLong(5, 0);
            p.addBatch();
            for (int u = 0; u < users; u++) {
                p.setString(1, "wallet:u" + u + ":paid");
                p.setString(2, "user_wallet_paid");
                p.setString(3, "u" + u);
                p.setString(4, "debits_within_credits");
                p.setLong(5, 1_000_000_000L);
                p.addBatch();
            }
            p.executeBatch();
        }
        c.commit();
    }

    private static void selectIn(Connection c, List<String> ids) throws SQLException {
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            String sql = "SELECT id, kind, owner, debits_pending, debits_posted, credits_pending, credits_posted"
                    + " FROM ledger_accounts WHERE id IN (" + "?,".repeat(chunk.size() - 1)
                    + "?) ORDER BY id FOR UPDATE";
            try (PreparedStatement p = c.prepareStatement(sql)) {
                for (int i = 0; i < chunk.size(); i++) p.setString(i + 1, chunk.get(i));
                drain(p.executeQuery());
            }
        }
    }

    private static void selectAny(Connection c, List<String> ids) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "SELECT id, kind, owner, debits_pending, debits_posted, credits_pending, credits_posted"
                        + " FROM ledger_accounts WHERE id = ANY(?) ORDER BY id FOR UPDATE")) {
            p.setArray(1, c.createArrayOf("text", ids.toArray()));
            drain(p.executeQuery());
        }
    }

    private static void drain(ResultSet rs) throws SQLException {
        try (rs) {
            while (rs.next()) rs.getLong(4);
        }
    }

    private static final String COLUMNS = "id, debit_account, credit_account, amount, code, reference, occurred_at,"
            + " recorded_at, phase, pending_id, timeout_at, chain_id";

    private static void insert(Connection c, int shape, List<String> wallets, String prefix, int serial)
            throws Exception {
        long now = System.currentTimeMillis();
        int n = wallets.size();
        String[] ids = new String[n];
        String[] refs = new String[n];
        long[] amounts = new long[n];
        for (int i = 0; i < n; i++) {
            refs[i] = String.format(Locale.ROOT, "chatcmpl-%010d%06d", serial, i);
            ids[i] = "usage:" + prefix + refs[i];
            amounts[i] = 100 + i % 1900;
        }
        switch (shape) {
            case 2 -> {
                try (PreparedStatement p = c.prepareStatement(
                        "INSERT INTO ledger_transfers (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    for (int i = 0; i < n; i++) {
                        p.setString(1, ids[i]);
                        p.setString(2, wallets.get(i));
                        p.setString(3, "revenue:compute");
                        p.setLong(4, amounts[i]);
                        p.setString(5, "usage");
                        p.setString(6, refs[i]);
                        p.setLong(7, now);
                        p.setLong(8, now);
                        p.setString(9, "posted");
                        p.setString(10, null);
                        p.setObject(11, null, java.sql.Types.BIGINT);
                        p.setString(12, null);
                        p.addBatch();
                    }
                    p.executeBatch();
                }
            }
            case 3 -> {
                try (PreparedStatement p = c.prepareStatement("INSERT INTO ledger_transfers (" + COLUMNS + ")"
                        + " SELECT t.id, t.debit, 'revenue:compute', t.amount, 'usage', t.ref, ?, ?, 'posted',"
                        + " NULL, NULL, NULL FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[])"
                        + " AS t(id, debit, amount, ref)")) {
                    p.setLong(1, now);
                    p.setLong(2, now);
                    p.setArray(3, c.createArrayOf("text", ids));
                    p.setArray(4, c.createArrayOf("text", wallets.toArray()));
                    Long[] boxed = new Long[n];
                    for (int i = 0; i < n; i++) boxed[i] = amounts[i];
                    Array a = c.createArrayOf("bigint", boxed);
                    p.setArray(5, a);
                    p.setArray(6, c.createArrayOf("text", refs));
                    p.executeUpdate();
                }
            }
            default -> {
                StringBuilder tsv = new StringBuilder(n * 120);
                for (int i = 0; i < n; i++) {
                    tsv.append(ids[i])
                            .append('\t')
                            .append(wallets.get(i))
                            .append("\trevenue:compute\t")
                            .append(amounts[i])
                            .append("\tusage\t")
                            .append(refs[i])
                            .append('\t')
                            .append(now)
                            .append('\t')
                            .append(now)
                            .append("\tposted\t\\N\t\\N\t\\N\n");
                }
                CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
                copy.copyIn(
                        "COPY ledger_transfers (" + COLUMNS + ") FROM STDIN", new java.io.StringReader(tsv.toString()));
            }
        }
    }

    private static void updateBatch(Connection c, List<String> accounts, int round) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("UPDATE ledger_accounts SET debits_pending = ?,"
                + " debits_posted = ?, credits_pending = ?, credits_posted = ? WHERE id = ?")) {
            for (String id : accounts) {
                p.setLong(1, 0);
                p.setLong(2, round);
                p.setLong(3, 0);
                p.setLong(4, 1_000_000_000L);
                p.setString(5, id);
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    private static void updateUnnest(Connection c, List<String> accounts, int round) throws SQLException {
        int n = accounts.size();
        Long[] zero = new Long[n];
        Long[] posted = new Long[n];
        Long[] credits = new Long[n];
        for (int i = 0; i < n; i++) {
            zero[i] = 0L;
            posted[i] = (long) round;
            credits[i] = 1_000_000_000L;
        }
        try (PreparedStatement p = c.prepareStatement("UPDATE ledger_accounts a SET debits_pending = v.dp,"
                + " debits_posted = v.dpo, credits_pending = v.cp, credits_posted = v.cpo"
                + " FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])"
                + " AS v(id, dp, dpo, cp, cpo) WHERE a.id = v.id")) {
            p.setArray(1, c.createArrayOf("text", accounts.toArray()));
            p.setArray(2, c.createArrayOf("bigint", zero));
            p.setArray(3, c.createArrayOf("bigint", posted));
            p.setArray(4, c.createArrayOf("bigint", zero));
            p.setArray(5, c.createArrayOf("bigint", credits));
            p.executeUpdate();
        }
    }

    private LedgerSqlShapes() {}
}
