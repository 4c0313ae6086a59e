package dev.breakeven.ledger;

import dev.breakeven.store.Database;
import dev.breakeven.store.DatabaseSettings;
import java.time.Clock;
import java.util.List;
import java.util.Random;

/**
 * A separate process writing random chains to a ledger, for {@link LedgerMultiProcessTest}: {@code
 * <jdbc url> <name> <chains> <threads>}. Prints {@code topped-up <micros> refused <n>} and exits 0,
 * or exits 1 on an unexpected refusal.
 */
public final class LedgerWriterProcess {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String name = args[1];
        int chains = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        long[] toppedUp = new long[threads];
        long[] refused = new long[threads];
        try (Database db = Database.open(DatabaseSettings.of(url));
                GroupCommitLedger ledger = new GroupCommitLedger(new JdbiLedgerRepository(db), Clock.systemUTC())) {
            Thread[] workers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int thread = t;
                workers[t] = Thread.ofPlatform().start(() -> {
                    Random random = new Random(name.hashCode() * 31L + thread);
                    for (int n = 0; n < chains / threads; n++) {
                        List<Transfer> chain = RandomChains.next(random, name + "-" + thread + "-" + n);
                        List<TransferResult> results = ledger.submit(chain);
                        if (results.stream().allMatch(TransferResult::ok)) {
                            toppedUp[thread] += RandomChains.toppedUp(chain);
                        } else if (results.stream().anyMatch(r -> "exceeds_credits".equals(r.code()))) {
                            refused[thread]++;
                        } else {
                            System.out.println("unexpected " + results);
                            System.exit(1);
                        }
                    }
                });
            }
            for (Thread w : workers) w.join();
        }
        long sum = 0;
        long no = 0;
        for (int t = 0; t < threads; t++) {
            sum += toppedUp[t];
            no += refused[t];
        }
        System.out.println("topped-up " + sum + " refused " + no);
    }

    private LedgerWriterProcess() {}
}
