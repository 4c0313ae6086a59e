package dev.breakeven.metering;

/**
 * Which usage events to read.
 *
 * @param accountId only this account's, or null for all
 * @param sinceMillis only those that occurred at or after this epoch milli (0 for all)
 * @param limit at most this many (oldest first)
 */
public record UsageQuery(String accountId, long sinceMillis, int limit) {
    public static UsageQuery all() {
        return new UsageQuery(null, 0, Integer.MAX_VALUE);
    }
}
