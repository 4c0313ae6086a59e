package dev.breakeven.metering;

import java.util.Collection;
import java.util.List;

/**
 * The journal read in its own order, as the rater and the audit read it. Every method throws a
 * {@link RuntimeException} when the database cannot be read.
 */
public interface JournalReader {

    /** Up to {@code limit} rows with {@code seq} greater than {@code afterSeq}, in seq order. */
    List<JournalEntry> after(long afterSeq, int limit);

    /** The greatest seq stored, or 0 for an empty journal. */
    long lastSeq();

    /** The usage events with these ids that are stored (any order). */
    List<UsageEvent> events(Collection<String> ids);
}
