package dev.breakeven.billing;

import java.util.List;

/**
 * Where the price book's rows are kept. Rows are only ever inserted; validation, ids and time
 * belong to {@link PriceBook}.
 *
 * <p>Rows whose kind this build does not know are left out of every result (see {@link
 * PriceKind}). A database that fails throws {@link dev.breakeven.store.StoreException} with code
 * {@code database_unavailable}; nothing is half-written by a single call.
 */
public interface PriceRepository {

    /**
     * Stores new rows, all or none, in one transaction. A row is inserted when no row has its
     * (kind, subject, effective_from). When one has, with the same micros, that row stands for it
     * (setting a price twice is setting it once). When one has, with other micros, that is a
     * conflict, and then nothing at all is inserted.
     *
     * @return the stored row for each given row, in order, or (with nothing inserted) the conflicts
     */
    Insertion insert(List<Price> rows);

    /** Every row, by kind, subject and effective_from. */
    List<Price> all();

    /**
     * Rows newest first (by effective_from, then created_at, both descending; then by kind and
     * subject), of one kind and/or one subject when these are not null.
     */
    List<Price> history(PriceKind kindOrNull, String subjectOrNull);

    /** Whether any row, in force or not yet, has this kind and subject. */
    boolean exists(PriceKind kind, String subject);

    /**
     * What {@link #insert} did: either every row stored ({@code conflicts} empty), or nothing
     * stored ({@code stored} empty) because of the conflicts.
     */
    record Insertion(List<Price> stored, List<Conflict> conflicts) {
        public boolean succeeded() {
            return conflicts.isEmpty();
        }
    }

    /** A row that could not be stored, and the row with other micros that holds its place. */
    record Conflict(Price wanted, Price existing) {}
}
