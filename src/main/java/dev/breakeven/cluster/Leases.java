package dev.breakeven.cluster;

import java.util.List;

/**
 * The leases of a granted {@link Counters#reserveAll}, one per claim in the claims' order. Each is
 * settled on its own (a request counts 1 on its requests counter, its actual tokens on the others).
 */
public record Leases(List<Lease> leases) implements GroupReservation {
    public Leases {
        leases = List.copyOf(leases);
    }

    /** The lease of the {@code index}-th claim. */
    public Lease get(int index) {
        return leases.get(index);
    }

    /** Releases every lease not yet settled or released; returns how many this call released. */
    public int release(long now) {
        int released = 0;
        for (Lease lease : leases) if (lease.release(now)) released++;
        return released;
    }
}
