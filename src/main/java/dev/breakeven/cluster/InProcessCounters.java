package dev.breakeven.cluster;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
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

    private static final Comparator<Claim> LOCK_ORDER =
            Comparator.comparing((Claim c) -> c.window().id()).thenComparing(Claim::key);

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
        if (claims == null || claims.isEmpty()) throw ClusterException.invalid("reserveAll needs at least one claim");
        int n = claims.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> LOCK_ORDER.compare(claims.get(a), claims.get(b)));
        for (int k = 1; k < n; k++) {
            Claim previous = claims.get(order[k - 1]);
            Claim claim = claims.get(order[k]);
            if (previous.key().equals(claim.key()) && previous.window().equals(claim.window()))
                throw ClusterException.invalid("the same counter twice in one group: " + claim.key() + " per "
                        + claim.window().id());
        }
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
            if (cell == null) return empty(window, limit, Math.max(now, floor.get()));
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

    private static long scale(Window window) {
        return window instanceof Window.Bucket bucket ? bucket.periodMillis() : 1;
    }

    /** Brings the cell to {@code now} (refills a bucket, starts a new calendar period); returns the cell's time. */
    private long advance(Window window, Cell cell, long now) {
        long t = Math.max(now, floor.get());
        switch (window) {
            case Window.Bucket bucket -> {
                t = Math.max(t, cell.mark);
                long elapsed = t - cell.mark;
                if (cell.level > 0 && elapsed > 0)
                    cell.level = elapsed >= Math.ceilDiv(cell.level, cell.rate) ? 0 : cell.level - cell.rate * elapsed;
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
        Window window = claim.window();
        long limit = claim.limit();
        if (window instanceof Window.Bucket) {
            cell.rate = limit;
            cell.until = saturatedAdd(cell.mark, Math.ceilDiv(cell.level, limit));
        }
        long retryAt;
        if (claim.amount() > limit) {
            retryAt = Denial.NEVER;
        } else {
            long scale = scale(window);
            long room = limit * scale - claim.amount() * scale; // what level may be before holding the amount
            if (cell.level <= room) return null;
            retryAt = switch (window) {
                case Window.Bucket b -> saturatedAdd(t, Math.ceilDiv(cell.level - room, limit));
                case Window.Utc u -> cell.until;
            };
        }
        return new Denial(claim.key(), window, claim.amount(), usage(window, cell, limit, t), retryAt);
    }

    private Lease hold(Claim claim, Cell cell, long t) {
        Window window = claim.window();
        cell.level += claim.amount() * scale(window);
        if (window instanceof Window.Bucket) cell.until = saturatedAdd(t, Math.ceilDiv(cell.level, claim.limit()));
        // a bucket lease remembers the level it left, a calendar lease the period it counts in
        long mark = window instanceof Window.Bucket ? cell.level : cell.mark;
        return new HeldLease(claim, t, mark, usage(window, cell, claim.limit(), t));
    }

    private static Usage usage(Window window, Cell cell, long limit, long t) {
        long level = Math.max(0, cell.level);
        return switch (window) {
            case Window.Bucket bucket -> {
                long scale = bucket.periodMillis();
                long capacity = limit * scale;
                long remaining = level >= capacity ? 0 : (capacity - level) / scale;
                yield new Usage(
                        limit, Math.ceilDiv(level, scale), remaining, saturatedAdd(t, Math.ceilDiv(level, limit)), t);
            }
            case Window.Utc u -> new Usage(limit, level, Math.max(0, limit - level), cell.until, t);
        };
    }

    private static Usage empty(Window window, long limit, long t) {
        long resetAt = window instanceof Window.Utc period ? period.end(t) : t;
        return new Usage(limit, 0, limit, resetAt, t);
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
                            long unrefilled =
                                    elapsed >= Math.ceilDiv(lease.mark, limit) ? 0 : lease.mark - limit * elapsed;
                            long refund = Math.min(Math.min((amount - actual) * scale, unrefilled), cell.level);
                            if (refund > 0) cell.level -= refund;
                        } else {
                            cell.level = saturatedAdd(cell.level, saturatedMultiply(actual - amount, scale));
                        }
                        cell.until = saturatedAdd(cell.mark, Math.ceilDiv(Math.max(0, cell.level), cell.rate));
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

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
    }

    private static long saturatedMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return (high == 0 && low >= 0) || (high == -1 && low < 0) ? low : Long.MAX_VALUE;
    }

    // --- leases ---------------------------------------------------------------------------------

    private static final VarHandle RESOLVED;

    static {
        try {
            RESOLVED = MethodHandles.lookup().findVarHandle(HeldLease.class, "resolved", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final class HeldLease implements Lease {
        final Claim claim;
        final long reservedAt;
        /** A bucket: the level it left when granted. A calendar period: the period's start. */
        final long mark;

        final Usage usage;

        @SuppressWarnings("unused") // through RESOLVED
        private volatile boolean resolved;

        HeldLease(Claim claim, long reservedAt, long mark, Usage usage) {
            this.claim = claim;
            this.reservedAt = reservedAt;
            this.mark = mark;
            this.usage = usage;
        }

        @Override
        public String key() {
            return claim.key();
        }

        @Override
        public Window window() {
            return claim.window();
        }

        @Override
        public long amount() {
            return claim.amount();
        }

        @Override
        public Usage usage() {
            return usage;
        }

        @Override
        public boolean settle(long actual, long now) {
            if (actual < 0) throw ClusterException.invalid("a settled amount cannot be negative: " + actual);
            if (actual > Claim.MAX_UNITS / scale(claim.window()))
                throw ClusterException.invalid("a settled amount too large for this window: " + actual);
            if (!RESOLVED.compareAndSet(this, false, true)) return false;
            InProcessCounters.this.settle(this, actual, now);
            return true;
        }

        @Override
        public boolean release(long now) {
            return settle(0, now);
        }

        @Override
        public String toString() {
            return "Lease[" + claim.key() + " per " + claim.window().id() + ", " + claim.amount() + "]";
        }
    }
}
