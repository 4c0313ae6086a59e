package dev.breakeven.ledger;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Double-entry accounts and immutable transfers between them (TigerBeetle's model): every transfer
 * debits one account and credits another by the same amount; balance rules are checked atomically
 * with the transfer; pending transfers reserve an amount until they are posted, voided or time
 * out, exactly once; a transfer id is stored once.
 *
 * <p>Every method may throw {@link LedgerException} {@code ledger_unavailable} when the database
 * refuses after retries; then nothing of that call is stored.
 */
public interface Ledger extends AutoCloseable {

    /**
     * Creates the account if it is not there yet; returns its stored form.
     *
     * @throws LedgerException {@code account_exists_with_different_content} if the id is taken by
     *     an account of another kind or owner
     */
    LedgerAccount open(LedgerAccount account);

    /**
     * Applies a chain of transfers atomically: all of them, or (if one is refused) none, and waits
     * until that is durable. A chain of one is a plain transfer. A transfer whose id is stored with
     * the same content is {@code EXISTS} and changes nothing; with different content it is refused
     * ({@code exists_with_different_content}).
     *
     * @return one result per transfer, in order
     */
    List<TransferResult> submit(List<Transfer> chain);

    /** {@link #submit(List)} without waiting: the future completes once the chain is durable or refused. */
    CompletableFuture<List<TransferResult>> submitAsync(List<Transfer> chain);

    /**
     * Submits the chain and returns normally only if every transfer was created or already there.
     *
     * @throws LedgerException with the first refused transfer's code (e.g. {@code exceeds_credits})
     */
    default List<TransferResult> submitOrThrow(List<Transfer> chain) {
        List<TransferResult> results = submit(chain);
        for (TransferResult r : results) {
            if (r.status() == TransferResult.Status.REFUSED && !"linked_transfer_failed".equals(r.code())) {
                throw new LedgerException(r.code(), r.message());
            }
        }
        return results;
    }

    /** The account's balance as committed, or empty if there is no such account. */
    Optional<Balance> balance(String accountId);

    /** Balances of those of {@code accountIds} that exist. */
    List<Balance> balances(Collection<String> accountIds);

    /** Every account of this kind, by id. */
    List<Balance> balancesOfKind(AccountKind kind);

    /** Every account whose owner is {@code owner}. */
    List<Balance> balancesOf(String owner);

    /** The stored transfer with this id. */
    Optional<StoredTransfer> transfer(String id);

    /** The stored transfers with these ids (any order; missing ids are left out). */
    List<StoredTransfer> transfers(Collection<String> ids);

    /** Transfers matching the query, in order of occurrence then id. */
    List<StoredTransfer> transfers(TransferQuery query);

    /**
     * The account's posted totals from transfers that occurred before {@code at} (epoch millis),
     * recomputed from the transfers themselves; pending amounts are 0.
     *
     * @throws LedgerException {@code account_not_found}
     */
    Balance balanceAt(String accountId, long at);

    /**
     * Voids every pending transfer whose timeout is at or before {@code now} and that is not
     * resolved, with transfer ids {@code expire:<pending id>}.
     *
     * @return how many it voided
     */
    int expirePending(long now);

    /** Stops accepting transfers after writing those queued. */
    @Override
    void close();
}
