package dev.breakeven.ledger;

/**
 * Which transfers to list. Null fields do not filter.
 *
 * @param account transfers debiting or crediting this account
 * @param owner transfers debiting or crediting any account of this owner
 * @param reference transfers with this reference
 * @param from occurred at or after (epoch millis, inclusive), or {@code Long.MIN_VALUE}
 * @param to occurred before (exclusive), or {@code Long.MAX_VALUE}
 * @param limit most rows returned (1..100,000)
 */
public record TransferQuery(String account, String owner, String reference, long from, long to, int limit) {
    public TransferQuery {
        if (limit < 1 || limit > 100_000) throw new IllegalArgumentException("limit must be 1..100000");
    }

    public static TransferQuery ofAccount(String account) {
        return new TransferQuery(account, null, null, Long.MIN_VALUE, Long.MAX_VALUE, 100_000);
    }

    public static TransferQuery ofOwner(String owner, long from, long to) {
        return new TransferQuery(null, owner, null, from, to, 100_000);
    }

    public static TransferQuery ofReference(String reference) {
        return new TransferQuery(null, null, reference, Long.MIN_VALUE, Long.MAX_VALUE, 100_000);
    }
}
