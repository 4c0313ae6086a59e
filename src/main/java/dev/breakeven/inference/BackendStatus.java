package dev.breakeven.inference;

/**
 * A backend as an operator sees it: what it is, what it can take, and how healthy it looks.
 *
 * @param capacity concurrent generations it declares (for the scheduler)
 * @param consecutiveFailures requests in a row that failed
 * @param consecutiveProbeFailures health probes in a row that failed
 * @param coolDownRemainingMillis while open: millis until trial requests may pass; else 0
 * @param lastProbe the latest health probe, or null if none ran
 */
public record BackendStatus(
        String id,
        String type,
        int capacity,
        CircuitBreaker.State state,
        int consecutiveFailures,
        int consecutiveProbeFailures,
        long coolDownRemainingMillis,
        LastProbe lastProbe) {

    /** @param at epoch millis when the probe finished */
    public record LastProbe(long at, boolean healthy, String detail) {}
}
