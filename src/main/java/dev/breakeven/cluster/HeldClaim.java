package dev.breakeven.cluster;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What every implementation's lease holds and how it resolves exactly once in this process: the
 * first {@link #settle} wins a compare-and-set and {@link #apply applies} the settlement; if that
 * fails, the lease is unresolved again (and may be settled again), and the failure is thrown.
 */
abstract class HeldClaim implements Lease {
    private static final VarHandle RESOLVED;

    static {
        try {
            RESOLVED = MethodHandles.lookup().findVarHandle(HeldClaim.class, "resolved", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Claim claim;
    final long reservedAt;
    /** A bucket: the level it left when granted. A calendar period: the period's start. */
    final long mark;

    final Usage usage;

    @SuppressWarnings("unused") // through RESOLVED
    private volatile boolean resolved;

    HeldClaim(Claim claim, long reservedAt, long mark, Usage usage) {
        this.claim = claim;
        this.reservedAt = reservedAt;
        this.mark = mark;
        this.usage = usage;
    }

    /** Keeps {@code actual} of the claim on its counter; called at most once at a time per lease. */
    abstract void apply(long actual, long now);

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
        CounterMath.checkSettled(claim.window(), actual);
        if (!RESOLVED.compareAndSet(this, false, true)) return false;
        try {
            apply(actual, now);
            return true;
        } catch (RuntimeException e) {
            resolved = false;
            throw e;
        }
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
