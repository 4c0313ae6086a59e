package dev.breakeven.knowledge;

import java.util.List;

/**
 * What an ingestion changed: documents {@code added}, {@code updated} (content changed), {@code
 * unchanged} (skipped by their content hash) and {@code removed} (gone from an ingested folder);
 * {@code passages} embedded; files found in folders but {@code skipped}, with the reason.
 */
public record IngestReport(
        int added, int updated, int unchanged, int removed, int passages, List<Skipped> skipped, long millis) {

    public enum Change {
        ADDED,
        UPDATED,
        REMOVED
    }

    /** A file left out of a folder's ingestion, and why. */
    public record Skipped(String document, String code, String message) {}

    public boolean changedAnything() {
        return added + updated + removed > 0;
    }
}
