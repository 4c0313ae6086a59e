package dev.breakeven.ledger;

import java.util.List;
import java.util.Random;

/**
 * Random transfer chains over a few prepaid wallets, a clearing account and a revenue account: top-ups,
 * spends, moves between wallets, two-leg chains and reservations posted or left to time out. Amounts
 * are small against the top-ups, so wallets keep hitting their limits.
 */
final class RandomChains {
    static final int WALLETS = 6;
    static final String CLEARING =
            AccountKind.PAYMENT_CLEARING.account("stripe").id();
    static final String REVENUE = AccountKind.REVENUE_COMPUTE.account().id();

    private RandomChains() {}

    static String wallet(int i) {
        return AccountKind.USER_WALLET_PAID.account("acc_" + i).id();
    }

    static void openAccounts(Ledger ledger) {
        ledger.open(AccountKind.PAYMENT_CLEARING.account("stripe"));
        ledger.open(AccountKind.REVENUE_COMPUTE.account());
        for (int i = 0; i < WALLETS; i++) ledger.open(AccountKind.USER_WALLET_PAID.account("acc_" + i));
    }

    /** The amount a chain tops up when it is applied (what it moves out of clearing). */
    static long toppedUp(List<Transfer> chain) {
        long sum = 0;
        for (Transfer t : chain) if (CLEARING.equals(t.debitAccount())) sum += t.amount();
        return sum;
    }

    static List<Transfer> next(Random random, String id) {
        String a = wallet(random.nextInt(WALLETS));
        String b = wallet(random.nextInt(WALLETS));
        long amount = 1 + random.nextInt(5_000);
        long at = 1_790_000_000_000L + random.nextInt(1_000_000);
        return switch (random.nextInt(6)) {
            case 0 -> List.of(Transfer.posted(id, CLEARING, a, amount * 3, "topup", null, at));
            case 1 -> List.of(Transfer.posted(id, a, REVENUE, amount, "usage", null, at));
            case 2 ->
                a.equals(b)
                        ? List.of(Transfer.posted(id, a, REVENUE, amount, "usage", null, at))
                        : List.of(Transfer.posted(id, a, b, amount, "move", null, at));
            case 3 ->
                List.of(
                        Transfer.posted(id + "a", a, REVENUE, amount, "usage", null, at),
                        Transfer.posted(id + "b", b, REVENUE, amount / 2 + 1, "usage", null, at));
            case 4 ->
                List.of(
                        Transfer.pending(id, a, REVENUE, amount, "reservation", null, at, Long.MAX_VALUE),
                        Transfer.post(id + "p", id, amount / 2, "usage", null, at));
            default -> List.of(Transfer.pending(id, a, REVENUE, amount, "reservation", null, at, at + 1));
        };
    }
}
