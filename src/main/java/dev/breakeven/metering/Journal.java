package dev.breakeven.metering;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The durable journal of billable events. Appends are grouped: one writer commits many events per
 * transaction, so durability costs one flush per batch, not per event.
 */
public interface Journal extends AutoCloseable {

    /**
     * Queues the event for the next group commit.
     *
     * @return a future that completes when the event is durable (flushed to disk by SQLite or
     *     committed by PostgreSQL). Appending an id already in the journal completes normally and
     *     stores nothing new. The future fails with {@link MeteringException} ({@code
     *     journal_unavailable}) if the database refuses the batch after retries (or too many
     *     events are already waiting for it), ({@code journal_closed}) if the journal is closed, or
     *     ({@code invalid_event}) if the event cannot be stored at all (no id).
     */
    CompletableFuture<Void> append(UsageEvent event);

    /** Usage events matching the query, oldest first. */
    List<UsageEvent> usage(UsageQuery query);

    /** Events accepted but not yet durable (the journal lag exported on /metrics). */
    int pending();

    /** Writes what is queued, then stops accepting events. */
    @Override
    void close();
}
