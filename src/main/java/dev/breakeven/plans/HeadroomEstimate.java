package dev.breakeven.plans;

/**
 * The adaptive headroom of one backend: for each boundary between a class and the classes above it,
 * a time-weighted, exponentially weighted mean {@code m} of the demand of the classes above (slots
 * they hold plus requests of theirs waiting), and from it the headroom to keep above the boundary,
 * {@code ceil(m + z × √m)}: the rule of docs/scheduler.md ("Sizing the headroom"), under which the
 * classes above find it full for about one arrival in a thousand at {@code z} = 3.5.
 *
 * <p>Demand is piecewise constant between the scheduler's events, so the caller reports the levels
 * that held since its last call ({@link #advance}) before each change; the mean is then exact for the
 * time constant {@code τ}: a level held for {@code dt} moves the mean {@code 1 − e^(−dt/τ)} of the
 * way to it. Until the backend has been watched for about {@code τ}, the mean is over the time since
 * it started (the weight of the time not yet watched is left out), so a new server learns its paid
 * demand in seconds, not minutes.
 *
 * <p>The estimate only ever raises the policy's static headroom ({@link #slots}); it never preempts:
 * a raised headroom only stops lower classes from taking slots as they come free. Not thread-safe:
 * the backend's lock guards it.
 */
final class HeadroomEstimate {
    private final double z;
    private final double timeConstantMillis;
    /** Per boundary k: the demand of the classes above k, weighted by {@code e^(−age/τ)}. */
    private final double[] weighted;
    /** The total weight of the time watched so far, {@code 1 − e^(−watched/τ)}. */
    private double watched;

    private long lastMillis;

    /**
     * @param boundaries one fewer than the policy's classes (the highest class has none above it)
     * @param nowMillis when watching starts
     */
    HeadroomEstimate(SchedulerPolicy.AdaptiveHeadroom settings, int boundaries, long nowMillis) {
        this.z = settings.z();
        this.timeConstantMillis = settings.timeConstant().toMillis();
        this.weighted = new double[boundaries];
        this.lastMillis = nowMillis;
    }

    /**
     * Takes in the demand above each boundary as it held from the previous call until {@code
     * nowMillis}. A clock that went back adds nothing.
     *
     * @param demandAbove per boundary k, the slots held and requests waiting of the classes above k
     */
    void advance(long nowMillis, int[] demandAbove) {
        long dt = nowMillis - lastMillis;
        if (dt <= 0) return;
        lastMillis = nowMillis;
        double keep = Math.exp(-dt / timeConstantMillis);
        for (int k = 0; k < weighted.length; k++) weighted[k] = keep * weighted[k] + (1 - keep) * demandAbove[k];
        watched = keep * watched + (1 - keep);
    }

    /** The mean demand of the classes above boundary {@code k}; 0 before any time has passed. */
    double mean(int k) {
        return watched > 0 ? weighted[k] / watched : 0;
    }

    /** The headroom the demand above boundary {@code k} asks for: {@code ceil(m + z × √m)}. */
    int headroom(int k) {
        return room(mean(k));
    }

    /**
     * The slots class {@code k} and the classes below it may hold now: its static {@code
     * staticSlots}, lowered to leave {@link #headroom} free for the classes above, but never below
     * one, and, above the lowest class, never below what the classes under {@code k} may hold
     * ({@code slotsBelow}) plus the room class {@code k}'s own demand asks for. The lowest class is
     * the one headroom is taken from; a class between others (plus, under pro) is served in its own
     * right, and a raise for the classes above it must not make it wait for its own fluctuations
     * (measured at C = 8: without this floor, plus's own demand found its 3 slots full and paid p99
     * rose). A class flooded with work asks for more room than its static share, so against it the
     * classes above keep the static headroom only.
     */
    int slots(int k, int staticSlots, int capacity, int slotsBelow) {
        int lowered = Math.max(1, capacity - headroom(k));
        if (k > 0) lowered = Math.max(lowered, slotsBelow + room(mean(k - 1) - mean(k)));
        return Math.min(staticSlots, lowered);
    }

    /** {@code ceil(m + z × √m)}: the slots a Poisson demand of mean {@code m} rarely fills. */
    private int room(double m) {
        return m > 1e-12 ? (int) Math.ceil(m + z * Math.sqrt(m) - 1e-9) : 0;
    }
}
