package dev.breakeven.metering;

import java.util.List;

/**
 * Storage of the journal table. Implementations are thread-safe; writes are idempotent by event
 * id.
 */
public interface JournalRepository {

    /**
     * Stores every event in one transaction: all of them are durable when this returns, or none
     * of them is stored when it throws. An event whose id is already stored (or that appears twice
     * in {@code events}) is skipped, not an error.
     *
     * @param recordedAt epoch millis stored as {@code recorded_at} on every new row
     * @throws RuntimeException (JDBI's or {@link dev.breakeven.store.StoreException}) when the
     *     database refuses the transaction; nothing of the batch is stored then
     */
    void insertBatch(List<UsageEvent> events, long recordedAt);

    /** Usage events matching the query, oldest first (by occurrence, then journal order). */
    List<UsageEvent> usage(UsageQuery query);

    /** Rows in the journal, of every type. */
    long count();
}
