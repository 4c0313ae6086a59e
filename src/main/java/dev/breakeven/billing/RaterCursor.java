package dev.breakeven.billing;

/**
 * Where the rater has got to in the journal: every event at or below the stored seq is rated.
 * Implementations throw a {@link RuntimeException} when the database refuses.
 */
public interface RaterCursor {
    /** The stored seq, 0 before the first batch. */
    long load();

    /** Stores {@code seq} (never lower than the one stored) at {@code now}. */
    void save(long seq, long now);
}
