package dev.breakeven.billing;

import dev.breakeven.ledger.AccountKind;
import dev.breakeven.ledger.StoredTransfer;
import dev.breakeven.ledger.Transfer;
import dev.breakeven.metering.UsageEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The linked chain that charges one usage event: its reservations posted with the actual cost
 * (granted credits first) and the rest released; any cost beyond the reservations taken from the
 * wallet's available credits, granted then paid; and what the wallet cannot cover owed on the
 * account's receivable. Every transfer id derives from the event id, so that rating the event
 * again stores nothing twice.
 */
final class UsageLegs {
    static final String CODE = "usage";
    /** Suffixes of every transfer id one event's chain can hold, for lookups. */
    static final List<String> SUFFIXES = List.of("g", "p", "g2", "p2", "r");

    private UsageLegs() {}

    static String id(String eventId, String suffix) {
        return "usage:" + eventId + ":" + suffix;
    }

    /** Every transfer id one event's chain may use, with its reservations' and their expiries'. */
    static List<String> idsFor(String eventId) {
        List<String> ids = new ArrayList<>();
        for (String s : SUFFIXES) ids.add(id(eventId, s));
        for (char leg : new char[] {'g', 'p'}) {
            String rsv = Wallets.reservationId(eventId, leg);
            ids.add(rsv);
            ids.add("expire:" + rsv);
        }
        return ids;
    }

    /**
     * @param known stored transfers among {@link #idsFor}
     * @param available the wallet's available credits by ledger account id; decreased by what the
     *     chain takes and increased by what its reservations release, so that the next event of the
     *     batch sees what is left
     * @return the chain, empty when there is nothing to post or release
     */
    static List<Transfer> chain(
            UsageEvent e, long cost, Map<String, StoredTransfer> known, Map<String, Long> available) {
        String revenue = AccountKind.REVENUE_COMPUTE.account().id();
        long at = e.occurredAt();
        String ref = e.id();
        List<Transfer> chain = new ArrayList<>();
        long left = cost;
        String[][] legs = {{"g", Wallets.granted(e.accountId())}, {"p", Wallets.paid(e.accountId())}};
        boolean[] reserved = new boolean[2];
        for (int i = 0; i < 2; i++) {
            String rsv = Wallets.reservationId(e.id(), legs[i][0].charAt(0));
            StoredTransfer pending = known.get(rsv);
            if (pending == null || known.containsKey("expire:" + rsv)) continue;
            reserved[i] = true;
            long take = Math.min(left, pending.transfer().amount());
            String id = id(e.id(), legs[i][0]);
            chain.add(
                    take > 0 ? Transfer.post(id, rsv, take, CODE, ref, at) : Transfer.voiding(id, rsv, CODE, ref, at));
            // what the reservation does not post goes back to the wallet, for the next event of the batch
            available.merge(legs[i][1], pending.transfer().amount() - take, Long::sum);
            left -= take;
        }
        for (int i = 0; i < 2 && left > 0; i++) {
            long free = Math.max(0, available.getOrDefault(legs[i][1], 0L));
            long take = Math.min(left, free);
            if (take == 0) continue;
            String id = id(e.id(), reserved[i] ? legs[i][0] + "2" : legs[i][0]);
            chain.add(Transfer.posted(id, legs[i][1], revenue, take, CODE, ref, at));
            available.put(legs[i][1], free - take);
            left -= take;
        }
        if (left > 0)
            chain.add(
                    Transfer.posted(id(e.id(), "r"), Wallets.receivable(e.accountId()), revenue, left, CODE, ref, at));
        return chain;
    }

    /** The same charge owed entirely on the receivable: the fallback that no wallet limit can refuse. */
    static List<Transfer> owed(UsageEvent e, long cost) {
        if (cost == 0) return List.of();
        String revenue = AccountKind.REVENUE_COMPUTE.account().id();
        return List.of(Transfer.posted(
                id(e.id(), "r"), Wallets.receivable(e.accountId()), revenue, cost, CODE, e.id(), e.occurredAt()));
    }
}
