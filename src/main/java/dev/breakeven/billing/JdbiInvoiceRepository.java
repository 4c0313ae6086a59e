package dev.breakeven.billing;

import dev.breakeven.store.Database;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.StatementCustomizer;

/**
 * Issued invoices through JDBI. Numbering: SQLite's {@code IMMEDIATE} transaction serialises
 * issuers; on PostgreSQL two processes may take the same next number, and the loser's insert fails
 * on the unique (year, seq) index and is retried from the start, which keeps numbers gap-free.
 */
public final class JdbiInvoiceRepository implements InvoiceRepository {
    private static final int ATTEMPTS = 5;
    private static final String COLUMNS =
            "number, account_id, period, period_end, issued_at, subtotal, credits, total_due, json, csv, html";

    private final Jdbi jdbi;
    private final StatementCustomizer freshPlans;

    public JdbiInvoiceRepository(Database database) {
        this.jdbi = database.jdbi();
        this.freshPlans = database.freshPlans();
    }

    @Override
    public Optional<IssuedInvoice> find(String accountId, String period) {
        return jdbi.withHandle(h -> find(h, accountId, period));
    }

    private static Optional<IssuedInvoice> find(Handle h, String accountId, String period) {
        return h.createQuery("SELECT " + COLUMNS + " FROM invoices WHERE account_id = :a AND period = :p")
                .bind("a", accountId)
                .bind("p", period)
                .map((rs, ctx) -> row(rs))
                .findOne();
    }

    @Override
    public List<IssuedInvoice> ofAccount(String accountId) {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT " + COLUMNS + " FROM invoices WHERE account_id = :a ORDER BY period")
                        .bind("a", accountId)
                        .map((rs, ctx) -> row(rs))
                        .list());
    }

    @Override
    public List<IssuedInvoice> ofPeriod(String period) {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT " + COLUMNS + " FROM invoices WHERE period = :p ORDER BY number")
                        .bind("p", period)
                        .map((rs, ctx) -> row(rs))
                        .list());
    }

    @Override
    public Set<String> billed(Collection<String> transferIds) {
        Set<String> out = new HashSet<>();
        List<String> all = new ArrayList<>(transferIds);
        for (int i = 0; i < all.size(); i += 500) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + 500));
            out.addAll(jdbi.withHandle(
                    h -> h.createQuery("SELECT transfer_id FROM invoice_transfers WHERE transfer_id IN (<ids>)")
                            .addCustomizer(freshPlans)
                            .bindList("ids", chunk)
                            .mapTo(String.class)
                            .list()));
        }
        return out;
    }

    @Override
    public IssuedInvoice issue(String accountId, String period, int year, IntFunction<Issue> build) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                return jdbi.inTransaction(h -> {
                    Optional<IssuedInvoice> existing = find(h, accountId, period);
                    if (existing.isPresent()) return existing.get();
                    int seq = h.createQuery("SELECT COALESCE(MAX(seq), 0) + 1 FROM invoices WHERE year = :y")
                            .bind("y", year)
                            .mapTo(Integer.class)
                            .one();
                    Issue issue = build.apply(seq);
                    insert(h, issue.invoice(), year, seq);
                    PreparedBatch claims =
                            h.prepareBatch("INSERT INTO invoice_transfers (transfer_id, invoice_number) VALUES (?, ?)");
                    for (String id : issue.transferIds())
                        claims.bind(0, id).bind(1, issue.invoice().number()).add();
                    if (!issue.transferIds().isEmpty()) claims.execute();
                    return issue.invoice();
                });
            } catch (RuntimeException e) {
                // another process took the number, issued this invoice or billed one of its transfers: look again
                last = e;
            }
        }
        throw last;
    }

    private static void insert(Handle h, IssuedInvoice i, int year, int seq) {
        h.createUpdate("INSERT INTO invoices (number, year, seq, account_id, period, period_end, issued_at,"
                        + " subtotal, credits, total_due, json, csv, html) VALUES (:number, :year, :seq, :account,"
                        + " :period, :end, :issued, :subtotal, :credits, :due, :json, :csv, :html)")
                .bind("number", i.number())
                .bind("year", year)
                .bind("seq", seq)
                .bind("account", i.accountId())
                .bind("period", i.period())
                .bind("end", i.periodEnd())
                .bind("issued", i.issuedAt())
                .bind("subtotal", i.subtotal())
                .bind("credits", i.credits())
                .bind("due", i.totalDue())
                .bind("json", text(i, InvoiceFormat.JSON))
                .bind("csv", text(i, InvoiceFormat.CSV))
                .bind("html", text(i, InvoiceFormat.HTML))
                .execute();
    }

    private static String text(IssuedInvoice i, InvoiceFormat format) {
        return new String(i.documents().get(format), StandardCharsets.UTF_8);
    }

    private static IssuedInvoice row(ResultSet rs) throws SQLException {
        Map<InvoiceFormat, byte[]> docs = new EnumMap<>(InvoiceFormat.class);
        docs.put(InvoiceFormat.JSON, rs.getString("json").getBytes(StandardCharsets.UTF_8));
        docs.put(InvoiceFormat.CSV, rs.getString("csv").getBytes(StandardCharsets.UTF_8));
        docs.put(InvoiceFormat.HTML, rs.getString("html").getBytes(StandardCharsets.UTF_8));
        return new IssuedInvoice(
                rs.getString("number"),
                rs.getString("account_id"),
                rs.getString("period"),
                rs.getLong("period_end"),
                rs.getLong("issued_at"),
                rs.getLong("subtotal"),
                rs.getLong("credits"),
                rs.getLong("total_due"),
                docs);
    }
}
