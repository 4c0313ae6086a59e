package dev.breakeven.cluster;

import static dev.breakeven.cluster.CounterMath.saturatedAdd;
import static dev.breakeven.cluster.CounterMath.saturatedMultiply;
import static dev.breakeven.cluster.CounterMath.scale;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link Counters} in this process's memory: for one node (the embedded default), and the
 * reference the shared-store implementation must agree with.
 *
 * <p>Each counter is a small cell with its own lock; a group reservation locks its cells in one
 * global order (window, then key), so groups never deadlock and no one sees a group half held.
 * Operations on different counters never wait for each other.
 *
 * <p>Memory stays bounded: a cell that holds nothing any more (a bucket refilled, a calendar period
 * at zero or ended) is removed by a sweep that a reservation starts at most once per sweep
 * interval, on the sweep executor; {@link #evictExpired} runs one at once. A removed counter reads,
 * and behaves, exactly as it did before removal.
 */
public final class InProcessCounters implements Counters {

    public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofSeconds(10);

    private final ConcurrentHashMap<Window, ConcurrentHashMap<String, Cell>> cells = new ConcurrentHashMap<>();
    private final long sweepEveryMillis;
    private final Executor sweeper;
    private final AtomicLong nextSweep = new AtomicLong(Long.MIN_VALUE);

    /**
     * The latest time a sweep judged cells by. No operation runs at an earlier time: a cell removed
     * because it was empty at that time must not be re-created as of a time when it was not.
     */
    private final AtomicLong floor = new AtomicLong(Long.MIN_VALUE);

    /** Sweeps every {@link #DEFAULT_SWEEP_INTERVAL} on a virtual thread of its own. */
    public InProcessCounters() {
        this(
                DEFAULT_SWEEP_INTERVAL,
                task -> Thread.ofVirtual().name("counters-sweep").start(task));
    }

    /**
     * @param sweepInterval how often (in the callers' time) a reservation starts a sweep
     * @param sweeper runs the sweeps ({@code Runnable::run} runs them in the reserving thread)
     */
    public InProcessCounters(Duration sweepInterval, Executor sweeper) {
        if (sweepInterval.isNegative() || sweepInterval.isZero())
            throw ClusterException.invalid("the sweep interval must be positive");
        this.sweepEveryMillis = sweepInterval.toMillis();
        this.sweeper = sweeper;
    }

    /**
     * One counter. {@code level} is what it holds, in units of {@code 1 / scale(window)}: for a
     * bucket, amount × period in ms (so that refilling {@code limit} per period is exactly {@code
     * limit} units per ms, in integers); for a calendar period, the amount itself.
     */
    private static final class Cell {
        final ReentrantLock lock = new ReentrantLock();
        /** Removed from the map: whoever locks it afterwards must look the key up again. */
        boolean dead;

        long level;
        /** Bucket: the time of the last update. Calendar period: its start. */
        long mark;
        /** Bucket: when {@code level} is back to 0 at {@code rate}. Calendar period: its end. */
        long until;
        /** Bucket: the limit in force, which is what it refills per ms in level units. */
        long rate;
    }

    @Override
    public Reservation reserve(String key, Window window, long amount, long limit, long now) {
        Claim claim = new Claim(key, window, amount, limit);
        maybeSweep(now);
        while (true) {
            Cell cell = cell(window, key);
            cell.lock.lock();
            try {
                if (cell.dead) continue;
                long t = advance(window, cell, now);
                Denial denial = check(claim, cell, t);
                return denial != null ? denial : hold(claim, cell, t);
            } finally {
                cell.lock.unlock();
            }
        }
    }

    @Override
    public GroupReservation reserveAll(List<Claim> claims, long now) {
        Integer[] order = CounterMath.distinctInOrder(claims);
        int n = order.length;
        maybeSweep(now);
        Cell[] locked = new Cell[n];
        retry:
        while (true) {
            int held = 0;
            try {
                while (held < n) {
                    Claim claim = claims.get(order[held]);
                    Cell cell = cell(claim.window(), claim.key());
                    cell.lock.lock();
                    locked[held++] = cell;
                    if (cell.dead) continue retry;
                }
                return reserveLocked(claims, order, locked, now);
            } finally {
                for (int k = held - 1; k >= 0; k--) locked[k].lock.unlock();
            }
        }
    }

    private GroupReservation reserveLocked(List<Claim> claims, Integer[] order, Cell[] locked, long now) {
        int n = claims.size();
        long[] times = new long[n];
        Denial longest = null;
        for (int k = 0; k < n; k++) {
            Claim claim = claims.get(order[k]);
            times[k] = advance(claim.window(), locked[k], now);
            Denial denial = check(claim, locked[k], times[k]);
            if (denial != null && (longest == null || denial.retryAt() > longest.retryAt())) longest = denial;
        }
        if (longest != null) return longest;
        Lease[] leases = new Lease[n];
        for (int k = 0; k < n; k++) leases[order[k]] = hold(claims.get(order[k]), locked[k], times[k]);
        return new Leases(Arrays.asList(leases));
    }

    @Override
    public Usage usage(String key, Window window, long limit, long now) {
        new Claim(key, window, 0, limit); // validates
        while (true) {
            Map<String, Cell> map = cells.get(window);
            Cell cell = map == null ? null : map.get(key);
            if (cell == null) return CounterMath.empty(window, limit, Math.max(now, floor.get()));
            cell.lock.lock();
            try {
                if (cell.dead) continue;
                long t = advance(window, cell, now);
                return usage(window, cell, limit, t);
            } finally {
                cell.lock.unlock();
            }
        }
    }

    /**
     * Removes every counter that holds nothing at {@code now} (skipping those locked at that
     * moment) and returns how many it removed. From then on no operation runs earlier than {@code
     * now}.
     */
    public int evictExpired(long now) {
        floor.accumulateAndGet(now, Math::max);
        int evicted = 0;
        for (Map.Entry<Window, ConcurrentHashMap<String, Cell>> byWindow : cells.entrySet()) {
            Window window = byWindow.getKey();
            ConcurrentHashMap<String, Cell> map = byWindow.getValue();
            for (Map.Entry<String, Cell> entry : map.entrySet()) {
                Cell cell = entry.getValue();
                if (!cell.lock.tryLock()) continue;
                try {
                    if (!cell.dead && isEmpty(window, cell, now)) {
                        cell.dead = true;
                        map.remove(entry.getKey(), cell);
                        evicted++;
                    }
                } finally {
                    cell.lock.unlock();
                }
            }
        }
        return evicted;
    }

    /** How many counters are in memory now. */
    public int size() {
        int size = 0;
        for (ConcurrentHashMap<String, Cell> map : cells.values()) size += map.size();
        return size;
    }

    // --- one cell, under its lock ---------------------------------------------------------------

    /** Brings the cell to {@code now} (refills a bucket, starts a new calendar period); returns the cell's time. */
    private long advance(Window window, Cell cell, long now) {
        long t = Math.max(now, floor.get());
        switch (window) {
            case Window.Bucket bucket -> {
                t = Math.max(t, cell.mark);
                long elapsed = t - cell.mark;
                cell.level = CounterMath.drained(cell.level, cell.rate, elapsed);
                cell.mark = t;
            }
            case Window.Utc period -> {
                if (t >= cell.until) {
                    cell.mark = period.start(t);
                    cell.until = period.end(t);
                    cell.level = 0;
                } else {
                    t = Math.max(t, cell.mark);
                }
            }
        }
        return t;
    }

    /** Null if the claim fits; else why not. Records the claim's limit as the bucket's rate. */
    private static Denial check(Claim claim, Cell cell, long t) {
        if (claim.window() instanceof Window.Bucket) {
            cell.rate = claim.limit();
            cell.until = CounterMath.bucketEmptyAt(cell.mark, cell.level, cell.rate);
        }
        return CounterMath.denial(claim, cell.level, cell.until, t);
    }

    private Lease hold(Claim claim, Cell cell, long t) {
        Window window = claim.window();
        cell.level += claim.amount() * scale(window);
        if (window instanceof Window.Bucket) cell.until = CounterMath.bucketEmptyAt(t, cell.level, claim.limit());
        // a bucket lease remembers the level it left, a calendar lease the period it counts in
        long mark = window instanceof Window.Bucket ? cell.level : cell.mark;
        return new HeldLease(claim, t, mark, usage(window, cell, claim.limit(), t));
    }

    private static Usage usage(Window window, Cell cell, long limit, long t) {
        return CounterMath.usage(window, cell.level, cell.until, limit, t);
    }

    private static boolean isEmpty(Window window, Cell cell, long now) {
        return switch (window) {
            case Window.Bucket b -> cell.level <= 0 || cell.until <= now;
            case Window.Utc u -> cell.level <= 0 || cell.until <= now;
        };
    }

    /**
     * Applies a settlement. A bucket gives back at most what of the lease it has not yet refilled:
     * the lease's tokens are the newest of the level it left, and the bucket refills the oldest
     * first, so at {@code t} the lease still holds {@code levelAfter - limit × (t - reservedAt)}.
     * Giving back more would count the same tokens as refilled twice. A calendar lease changes only
     * the period it was granted in; once that has ended it changes nothing.
     */
    private void settle(HeldLease lease, long actual, long now) {
        long amount = lease.claim.amount();
        if (actual == amount) return;
        Window window = lease.claim.window();
        String key = lease.claim.key();
        long scale = scale(window);
        while (true) {
            Cell cell;
            if (actual < amount) {
                Map<String, Cell> map = cells.get(window);
                cell = map == null ? null : map.get(key);
                if (cell == null) return; // removed because it held nothing: nothing to give back
            } else {
                cell = cell(window, key);
            }
            cell.lock.lock();
            try {
                if (cell.dead) continue;
                long t = advance(window, cell, now);
                switch (window) {
                    case Window.Bucket b -> {
                        if (cell.rate == 0) cell.rate = lease.claim.limit();
                        if (actual < amount) {
                            long limit = lease.claim.limit();
                            long elapsed = Math.max(0, t - lease.reservedAt);
                            long unrefilled = CounterMath.drained(lease.mark, limit, elapsed);
                            long refund = Math.min(Math.min((amount - actual) * scale, unrefilled), cell.level);
                            if (refund > 0) cell.level -= refund;
                        } else {
                            cell.level = saturatedAdd(cell.level, saturatedMultiply(actual - amount, scale));
                        }
                        cell.until = CounterMath.bucketEmptyAt(cell.mark, cell.level, cell.rate);
                    }
                    case Window.Utc u -> {
                        if (cell.mark == lease.mark)
                            cell.level = Math.max(0, saturatedAdd(cell.level, actual - amount));
                    }
                }
                return;
            } finally {
                cell.lock.unlock();
            }
        }
    }

    // --- the maps -------------------------------------------------------------------------------

    private Cell cell(Window window, String key) {
        ConcurrentHashMap<String, Cell> map = cells.get(window);
        if (map == null) map = cells.computeIfAbsent(window, w -> new ConcurrentHashMap<>());
        Cell cell = map.get(key);
        return cell != null ? cell : map.computeIfAbsent(key, k -> new Cell());
    }

    private void maybeSweep(long now) {
        long due = nextSweep.get();
        if (now < due || !nextSweep.compareAndSet(due, saturatedAdd(now, sweepEveryMillis))) return;
        sweeper.execute(() -> evictExpired(now));
    }

    // --- leases ---------------------------------------------------------------------------------

    private final class HeldLease extends HeldClaim {
        HeldLease(Claim claim, long reservedAt, long mark, Usage usage) {
            super(claim, reservedAt, mark, usage);
        }

        @Override
        void apply(long actual, long now) {
            InProcessCounters.this.settle(this, actual, now);
        }
    }
}
