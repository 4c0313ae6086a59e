package dev.breakeven.cluster;

/**
 * What {@link Counters#reserveAll} gives: {@link Leases} holding every claim, or the {@link Denial}
 * of the claim that has the longest wait.
 */
public sealed interface GroupReservation permits Leases, Denial {}
