package dev.breakeven.cluster;

/**
 * A counter operation failed as a whole; nothing of it was applied. Codes are stable: {@code
 * invalid_argument} (a negative amount, a limit below 1, the same counter twice in one group…),
 * {@code counters_unavailable} (the shared store could not be reached; never thrown by {@link
 * InProcessCounters}). A refused reservation is a {@link Denial}, not an exception.
 */
public final class ClusterException extends RuntimeException {
    private final String code;

    public ClusterException(String code, String message) {
        this(code, message, null);
    }

    public ClusterException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }

    static ClusterException invalid(String message) {
        return new ClusterException("invalid_argument", message);
    }
}
