package dev.breakeven.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.ledger.AccountKind;
import dev.breakeven.ledger.Ledger;
import dev.breakeven.ledger.Transfer;
import dev.breakeven.ledger.TransferResult;
import dev.breakeven.metering.JdbiJournalRepository;
import dev.breakeven.metering.UsageEvent;
import dev.breakeven.metering.UsageEvent.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * A journal to rate and the wallets it meets, generated from a seed, together with the books a
 * correct rating of it must produce — computed here from the rules of docs/billing.md, event by
 * event in journal order, without the rater's code.
 *
 * <p>Four kinds of accounts, ten of each: granted credits only (they run out part way, then usage is
 * owed), paid and granted credits, no credits at all (everything owed), and accounts whose
 * generations reserved credits before they ran (reservations above and below the actual cost,
 * reservations of failed generations that are voided, reservations split over granted and paid
 * credits, and a few reservations of generations that never finished, which stay pending). Three
 * models: one priced, one whose price rises half way through (some events arrive late and are rated
 * at the older price), one without a price (free).
 */
final class RatingWorkload {
    static final String CHEAP = "assistant";
    static final String DEAR = "large";
    static final String FREE = "free";
    static final int ACCOUNTS_PER_KIND = 10;
    static final int ORPHAN_RESERVATIONS = 5;

    /** How a model is priced from a moment on, in micros per million tokens. */
    record Rate(long from, long input, long output) {}

    /** A reservation made before the event's generation ran: pending transfers from the wallet. */
    record Reservation(String turnId, String account, long fromGranted, long fromPaid, long at) {}

    /** What a correct rating leaves in the ledger. */
    record Books(
            Map<String, Long> usageTransfers,
            Map<String, WalletBalance> wallets,
            long revenue,
            long charged,
            int openReservations) {}

    final long t0;
    final long timeoutAt;
    final int size;
    final Map<String, List<Rate>> rates = new LinkedHashMap<>();
    final Map<String, long[]> credits = new LinkedHashMap<>(); // account -> {granted, paid}
    final List<UsageEvent> events = new ArrayList<>();
    final List<Reservation> reservations = new ArrayList<>();

    /**
     * @param t0 when the first event occurred (epoch millis)
     * @param timeoutAt when every reservation times out: after the test, so none is released by time
     */
    RatingWorkload(long seed, int size, long t0, long timeoutAt) {
        this.t0 = t0;
        this.timeoutAt = timeoutAt;
        this.size = size;
        rates.put(CHEAP, List.of(new Rate(0, 1_500_000, 2_500_000)));
        rates.put(DEAR, List.of(new Rate(0, 5_000_000, 15_000_000), new Rate(t0 + size / 2, 7_000_000, 21_000_000)));
        Random random = new Random(seed);
        List<String> accounts = new ArrayList<>();
        for (int i = 0; i < 4 * ACCOUNTS_PER_KIND; i++) {
            String id = "acc_%02d".formatted(i);
            accounts.add(id);
            long granted, paid;
            switch (i / ACCOUNTS_PER_KIND) {
                case 0 -> { // granted credits only
                    granted = between(random, 200_000, 3_000_000);
                    paid = 0;
                }
                case 1 -> { // paid and granted credits
                    granted = between(random, 100_000, 1_000_000);
                    paid = between(random, 500_000, 4_000_000);
                }
                case 2 -> { // nothing: all of it is owed
                    granted = 0;
                    paid = 0;
                }
                default -> { // generations reserve before they run
                    granted = random.nextBoolean() ? 0 : between(random, 10_000, 500_000);
                    paid = between(random, 1_000_000, 8_000_000);
                }
            }
            credits.put(id, new long[] {granted, paid});
        }
        Map<String, long[]> available = new HashMap<>();
        credits.forEach((id, c) -> available.put(id, c.clone()));
        for (int i = 0; i < ORPHAN_RESERVATIONS; i++) {
            // generations that never finished: their reservations stay pending until they time out
            reserve("lost-" + i, accounts.get(3 * ACCOUNTS_PER_KIND + i), 10_000, t0, available);
        }
        for (int i = 0; i < size; i++) {
            String account = accounts.get(random.nextInt(accounts.size()));
            double m = random.nextDouble();
            String model = m < 0.80 ? CHEAP : m < 0.95 ? DEAR : FREE;
            double o = random.nextDouble();
            Outcome outcome = o < 0.85 ? Outcome.COMPLETED : o < 0.93 ? Outcome.FAILED : Outcome.CANCELLED;
            long in = between(random, 1, 3_000);
            long out = outcome == Outcome.FAILED ? 0 : between(random, 0, 800);
            long late = random.nextDouble() < 0.05 ? between(random, 1, 3_000) : 0;
            long at = t0 + i - late;
            String id = "evt-%05d".formatted(i);
            events.add(new UsageEvent(
                    id,
                    at,
                    account,
                    "key_" + account,
                    model,
                    "b",
                    "m",
                    in,
                    out,
                    false,
                    5,
                    10,
                    outcome,
                    false,
                    outcome == Outcome.FAILED ? "upstream_error" : null,
                    -1,
                    false));
            boolean reserves = account.compareTo("acc_30") >= 0 && !model.equals(FREE) && random.nextDouble() < 0.6;
            if (reserves) {
                // the ceiling the gateway reserved: the prompt and max_tokens, sometimes below what ran
                long nominal = charge(model, at, in, Math.max(out, 1));
                long[] factors = {1, 2, 3, 4, 8}; // quarters: below the cost, at it, and above
                long ceiling = Math.max(1, nominal * factors[random.nextInt(factors.length)] / 4);
                reserve(id, account, ceiling, at, available);
            }
        }
    }

    private void reserve(String turnId, String account, long ceiling, long at, Map<String, long[]> available) {
        long[] a = available.get(account);
        if (a[0] + a[1] < ceiling) return; // not enough left: this one ran unreserved (as on a postpaid node)
        long fromGranted = Math.min(a[0], ceiling);
        long fromPaid = ceiling - fromGranted;
        a[0] -= fromGranted;
        a[1] -= fromPaid;
        reservations.add(new Reservation(turnId, account, fromGranted, fromPaid, at));
    }

    private static long between(Random random, long min, long max) {
        return min + (long) (random.nextDouble() * (max - min));
    }

    /** The price of tokens at a moment, each part rounded half up to a micro; 0 for a model without price. */
    long charge(String model, long at, long in, long out) {
        Rate rate = null;
        for (Rate r : rates.getOrDefault(model, List.of())) if (r.from() <= at) rate = r;
        if (rate == null) return 0;
        return (in * rate.input() + 500_000) / 1_000_000 + (out * rate.output() + 500_000) / 1_000_000;
    }

    long charge(UsageEvent e) {
        return e.outcome() == Outcome.FAILED
                ? 0
                : charge(e.model(), e.occurredAt(), e.promptTokens(), e.completionTokens());
    }

    /** Writes prices, credits, reservations and the journal through the real parts. */
    void seed(PriceBook prices, Wallets wallets, Ledger ledger, JdbiJournalRepository journal) {
        rates.forEach((model, list) -> {
            for (Rate r : list) {
                prices.set(PriceKind.MODEL_INPUT, model, r.input(), r.from(), null);
                prices.set(PriceKind.MODEL_OUTPUT, model, r.output(), r.from(), null);
            }
        });
        credits.forEach((account, c) -> {
            if (c[0] > 0) wallets.grant(account, c[0], "welcome-" + account, null, t0 - 60_000);
            if (c[1] > 0) wallets.topUp(account, c[1], "stripe", "evt_topup_" + account, t0 - 60_000);
        });
        String revenue = AccountKind.REVENUE_COMPUTE.account().id();
        List<CompletableFuture<List<TransferResult>>> reserved = new ArrayList<>();
        for (Reservation r : reservations) {
            wallets.open(r.account());
            List<Transfer> chain = new ArrayList<>(2);
            if (r.fromGranted() > 0) {
                chain.add(Transfer.pending(
                        Wallets.reservationId(r.turnId(), 'g'),
                        Wallets.granted(r.account()),
                        revenue,
                        r.fromGranted(),
                        "reservation",
                        r.turnId(),
                        r.at(),
                        timeoutAt));
            }
            if (r.fromPaid() > 0) {
                chain.add(Transfer.pending(
                        Wallets.reservationId(r.turnId(), 'p'),
                        Wallets.paid(r.account()),
                        revenue,
                        r.fromPaid(),
                        "reservation",
                        r.turnId(),
                        r.at(),
                        timeoutAt));
            }
            reserved.add(ledger.submitAsync(chain));
        }
        for (CompletableFuture<List<TransferResult>> f : reserved)
            assertThat(f.join()).as("a reservation of the workload").allMatch(TransferResult::ok);
        for (int i = 0; i < events.size(); i += 2_000) {
            journal.insertBatch(events.subList(i, Math.min(events.size(), i + 2_000)), t0 + size + 60_000);
        }
    }

    /**
     * The books after every event is rated, event by event in journal order: each reservation posted
     * with the actual cost (granted part first) and the rest released, the cost beyond the
     * reservations taken from the wallet's granted then paid credits as they stand after the events
     * before it, and the rest owed.
     */
    Books expected() {
        Map<String, long[]> pending = new HashMap<>(); // reservation transfer id -> {amount}
        Map<String, long[]> wallet = new HashMap<>(); // account -> {granted posted, paid posted, reserved, owed}
        Map<String, long[]> free = new HashMap<>(); // account -> available {granted, paid}
        credits.forEach((id, c) -> {
            wallet.put(id, new long[] {c[0], c[1], 0, 0});
            free.put(id, c.clone());
        });
        for (Reservation r : reservations) {
            if (r.fromGranted() > 0) pending.put(Wallets.reservationId(r.turnId(), 'g'), new long[] {r.fromGranted()});
            if (r.fromPaid() > 0) pending.put(Wallets.reservationId(r.turnId(), 'p'), new long[] {r.fromPaid()});
            free.get(r.account())[0] -= r.fromGranted();
            free.get(r.account())[1] -= r.fromPaid();
            wallet.get(r.account())[2] += r.fromGranted() + r.fromPaid();
        }
        Map<String, Long> transfers = new LinkedHashMap<>();
        long revenue = 0, charged = 0;
        String[] legs = {"g", "p"};
        for (UsageEvent e : events) {
            long cost = charge(e);
            long left = cost;
            long[] w = wallet.get(e.accountId());
            long[] f = free.get(e.accountId());
            boolean[] reserved = new boolean[2];
            for (int i = 0; i < 2; i++) {
                long[] amount = pending.remove(Wallets.reservationId(e.id(), legs[i].charAt(0)));
                if (amount == null) continue;
                reserved[i] = true;
                long take = Math.min(left, amount[0]);
                // a post stores the amount posted; a void stores the amount it releases
                transfers.put("usage:" + e.id() + ":" + legs[i], take > 0 ? take : amount[0]);
                w[i] -= take;
                w[2] -= amount[0];
                f[i] += amount[0] - take;
                left -= take;
            }
            for (int i = 0; i < 2 && left > 0; i++) {
                long take = Math.min(left, Math.max(0, f[i]));
                if (take == 0) continue;
                transfers.put("usage:" + e.id() + ":" + legs[i] + (reserved[i] ? "2" : ""), take);
                w[i] -= take;
                f[i] -= take;
                left -= take;
            }
            if (left > 0) {
                transfers.put("usage:" + e.id() + ":r", left);
                w[3] += left;
            }
            revenue += cost;
            if (cost > 0) charged++;
        }
        Map<String, WalletBalance> wallets = new LinkedHashMap<>();
        wallet.forEach((id, w) -> wallets.put(id, new WalletBalance(id, w[1], w[0], w[2], w[3])));
        return new Books(transfers, wallets, revenue, charged, pending.size());
    }
}
