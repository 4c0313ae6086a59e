package dev.breakeven.ledger;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Storage of ledger accounts and transfers. Thread-safe; several processes may write the same
 * PostgreSQL database at once. Every method throws a {@link RuntimeException} (JDBI's) when the
 * database refuses; a write that throws stored nothing.
 */
public interface LedgerRepository {

    /** Inserts the account (created at {@code now}) unless its id exists; returns the stored account. */
    LedgerAccount open(LedgerAccount account, long now);

    /**
     * Applies the chains in order in one transaction (locking the accounts they touch) and commits.
     *
     * @param now epoch millis recorded on each new transfer; pending timeouts are checked against it
     * @return per chain, one result per transfer
     */
    List<List<TransferResult>> apply(List<List<Transfer>> chains, long now);

    List<Balance> balances(Collection<String> accountIds);

    List<Balance> balancesOf(String owner);

    List<Balance> balancesOfKind(AccountKind kind);

    /** Every account, by id. */
    List<Balance> allBalances();

    /**
     * Every account's stored totals beside the totals recomputed from its transfers alone, by id,
     * read in one statement so that both sides see the same transfers while others write.
     */
    List<AuditRow> auditRows();

    /** An account's totals as stored and as its transfers sum them. */
    record AuditRow(Balance stored, Balance recomputed) {}

    Optional<StoredTransfer> transfer(String id);

    List<StoredTransfer> transfers(TransferQuery query);

    List<StoredTransfer> transfersById(Collection<String> ids);

    /** Posted totals of transfers that occurred before {@code at}; empty if there is no such account. */
    Optional<Balance> balanceAt(String accountId, long at);

    /** Ids of unresolved pending transfers whose timeout is at or before {@code now}, at most {@code limit}. */
    List<String> expiredPending(long now, int limit);
}
