package dev.breakeven.inference;

/**
 * What one health probe of a backend found.
 *
 * @param healthy whether the backend looks able to take requests
 * @param detail one line for operators, e.g. {@code HTTP 200} or {@code not reachable}
 */
public record ProbeResult(boolean healthy, String detail) {
    public static ProbeResult healthy(String detail) {
        return new ProbeResult(true, detail);
    }

    public static ProbeResult unhealthy(String detail) {
        return new ProbeResult(false, detail);
    }
}
