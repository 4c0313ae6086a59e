package dev.breakeven.billing;

import dev.breakeven.ledger.Balance;
import dev.breakeven.ledger.Ledger;
import dev.breakeven.ledger.StoredTransfer;
import dev.breakeven.ledger.Transfer;
import dev.breakeven.ledger.TransferResult;
import dev.breakeven.metering.JournalEntry;
import dev.breakeven.metering.JournalReader;
import dev.breakeven.metering.UsageEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the journal into ledger transfers: reads events in journal order after its cursor, prices
 * each at the price in force at the event's own time, posts its chain ({@link UsageLegs}), then
 * moves the cursor. Exactly once and restartable anywhere: every transfer id derives from the
 * event id, an event whose transfers exist is skipped, and the cursor only moves after the
 * transfers are durable — a crash between the two re-reads events that then store nothing new.
 *
 * <p>On PostgreSQL an event with a lower seq can commit after one with a higher seq. The rater
 * stops before a gap in seq until the row after the gap is {@link Settings#gapGrace()} old, so an
 * event still committing is not passed over; after that the gap is taken as a rolled-back insert.
 *
 * <p>Failures: a batch whose database work fails is logged and retried on the next pass, from the
 * same cursor; nothing is skipped.
 */
public final class Rater implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Rater.class);

    /**
     * @param batchSize most events per pass
     * @param interval pause between passes when the journal is drained
     * @param gapGrace how long a gap in seq is waited for
     */
    public record Settings(int batchSize, Duration interval, Duration gapGrace) {
        public Settings {
            if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1");
            Objects.requireNonNull(interval, "interval");
            Objects.requireNonNull(gapGrace, "gapGrace");
        }

        public static Settings defaults() {
            return new Settings(2000, Duration.ofMillis(200), Duration.ofSeconds(10));
        }
    }

    private final JournalReader journal;
    private final RaterCursor cursor;
    private final PriceBook prices;
    private final Ledger ledger;
    private final Wallets wallets;
    private final Clock clock;
    private final Settings settings;
    private final AtomicLong rated = new AtomicLong();
    private final Object passLock = new Object();
    private volatile long position = -1;
    private volatile boolean running;
    private Thread loop;

    public Rater(
            JournalReader journal,
            RaterCursor cursor,
            PriceBook prices,
            Ledger ledger,
            Wallets wallets,
            Clock clock,
            Settings settings) {
        this.journal = journal;
        this.cursor = cursor;
        this.prices = prices;
        this.ledger = ledger;
        this.wallets = wallets;
        this.clock = clock;
        this.settings = settings;
    }

    /** Starts a platform thread named {@code rater} that rates until {@link #close()}. */
    public synchronized void start() {
        if (loop != null) return;
        running = true;
        loop = Thread.ofPlatform().name("rater").daemon(true).start(this::run);
    }

    /**
     * Rates one batch of the journal after the cursor.
     *
     * @return how many journal rows the cursor moved over (0 when there is nothing ready)
     * @throws RuntimeException when the journal or ledger cannot be read or written; the cursor
     *     has not moved then
     */
    public int rateOnce() {
        synchronized (passLock) {
            long from = cursor.load();
            position = from;
            List<JournalEntry> ready = ready(journal.after(from, settings.batchSize()), from);
            if (ready.isEmpty()) return 0;
            List<UsageEvent> events = new ArrayList<>();
            for (JournalEntry entry : ready) {
                if (entry.usage() != null && entry.usage().accountId() != null) events.add(entry.usage());
            }
            post(events);
            long to = ready.get(ready.size() - 1).seq();
            cursor.save(to, clock.millis());
            position = to;
            rated.addAndGet(events.size());
            return ready.size();
        }
    }

    /** Rates until nothing is ready. */
    public int drain() {
        int total = 0;
        for (int n; (n = rateOnce()) > 0; ) total += n;
        return total;
    }

    /** Usage events rated since start. */
    public long rated() {
        return rated.get();
    }

    /** Journal rows not yet rated (the rater's lag in events). */
    public long lagEvents() {
        long at = position >= 0 ? position : cursor.load();
        return Math.max(0, journal.lastSeq() - at);
    }

    /** Millis since the oldest unrated journal row was recorded, 0 when none is waiting. */
    public long lagMillis() {
        long at = position >= 0 ? position : cursor.load();
        List<JournalEntry> next = journal.after(at, 1);
        return next.isEmpty() ? 0 : Math.max(0, clock.millis() - next.get(0).recordedAt());
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = loop;
        }
        if (t == null) return;
        t.interrupt();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (running) {
            int moved = 0;
            try {
                moved = rateOnce();
            } catch (RuntimeException e) {
                LOG.warn("rating failed, retrying from the same place: {}", e.toString());
            }
            if (moved == 0 && running) {
                try {
                    Thread.sleep(settings.interval().toMillis());
                } catch (InterruptedException e) {
                    // close() interrupts the pause
                }
            }
        }
    }

    /** The prefix of {@code rows} that may be rated now: it stops before a young gap in seq. */
    private List<JournalEntry> ready(List<JournalEntry> rows, long from) {
        long expected = from + 1;
        long now = clock.millis();
        List<JournalEntry> out = new ArrayList<>(rows.size());
        for (JournalEntry row : rows) {
            if (row.seq() != expected
                    && now - row.recordedAt() < settings.gapGrace().toMillis()) break;
            out.add(row);
            expected = row.seq() + 1;
        }
        return out;
    }

    private void post(List<UsageEvent> events) {
        if (events.isEmpty()) return;
        Set<String> ids = new LinkedHashSet<>();
        Set<String> accounts = new LinkedHashSet<>();
        for (UsageEvent e : events) {
            ids.addAll(UsageLegs.idsFor(e.id()));
            wallets.open(e.accountId());
            accounts.add(Wallets.granted(e.accountId()));
            accounts.add(Wallets.paid(e.accountId()));
        }
        Map<String, StoredTransfer> known = new HashMap<>();
        for (StoredTransfer t : ledger.transfers(ids)) known.put(t.id(), t);
        Map<String, Long> available = new HashMap<>();
        for (Balance b : ledger.balances(accounts)) available.put(b.account().id(), b.available());
        List<UsageEvent> submitted = new ArrayList<>();
        List<CompletableFuture<List<TransferResult>>> futures = new ArrayList<>();
        for (UsageEvent e : events) {
            if (alreadyRated(e, known)) continue;
            long cost = UsageCharge.of(e, prices.modelRates(e.model(), e.occurredAt()));
            List<Transfer> chain = UsageLegs.chain(e, cost, known, available);
            if (chain.isEmpty()) continue;
            submitted.add(e);
            futures.add(ledger.submitAsync(chain));
        }
        for (int i = 0; i < futures.size(); i++) {
            List<TransferResult> results = futures.get(i).join();
            if (!results.stream().allMatch(TransferResult::ok)) rateAlone(submitted.get(i), results);
        }
    }

    private static boolean alreadyRated(UsageEvent e, Map<String, StoredTransfer> known) {
        for (String s : UsageLegs.SUFFIXES) if (known.containsKey(UsageLegs.id(e.id(), s))) return true;
        return false;
    }

    /**
     * Rates one event whose chain was refused (the wallet changed meanwhile: a reservation took
     * credits, or a reservation timed out) from fresh balances; if that is refused again, owes the
     * whole charge on the receivable, which no balance rule limits.
     */
    private void rateAlone(UsageEvent e, List<TransferResult> refused) {
        LOG.debug("usage event {} re-rated after {}", e.id(), refused);
        ledger.expirePending(clock.millis()); // a reservation past its timeout cannot be posted: release it first
        Map<String, StoredTransfer> known = new HashMap<>();
        for (StoredTransfer t : ledger.transfers(UsageLegs.idsFor(e.id()))) known.put(t.id(), t);
        if (alreadyRated(e, known)) return;
        Map<String, Long> available = new HashMap<>();
        for (Balance b : ledger.balances(List.of(Wallets.granted(e.accountId()), Wallets.paid(e.accountId())))) {
            available.put(b.account().id(), b.available());
        }
        long cost = UsageCharge.of(e, prices.modelRates(e.model(), e.occurredAt()));
        List<Transfer> chain = UsageLegs.chain(e, cost, known, available);
        if (chain.isEmpty() || ledger.submit(chain).stream().allMatch(TransferResult::ok)) return;
        List<Transfer> owed = UsageLegs.owed(e, cost);
        if (owed.isEmpty()) return;
        List<TransferResult> last = ledger.submit(owed);
        if (!last.get(0).ok())
            throw new IllegalStateException("usage event " + e.id() + " could not be rated: " + last);
    }
}
