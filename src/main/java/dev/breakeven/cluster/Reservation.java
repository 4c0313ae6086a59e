package dev.breakeven.cluster;

/** What {@link Counters#reserve} gives: a {@link Lease} holding the amount, or a {@link Denial}. */
public sealed interface Reservation permits Lease, Denial {}
