package dev.breakeven.metering;

/**
 * One row of the journal in its global order.
 *
 * @param seq its place in the journal (increasing; on PostgreSQL a lower seq can commit after a
 *     higher one, and a rolled-back insert leaves a gap)
 * @param recordedAt epoch millis when its batch was written
 * @param type the event type ({@code usage}, later ad impressions, messages…)
 * @param usage the event when {@code type} is {@code usage}, else null
 */
public record JournalEntry(long seq, long recordedAt, String type, UsageEvent usage) {}
