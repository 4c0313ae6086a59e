package dev.breakeven.billing;

/**
 * A billing operation was refused. Codes are stable; each method documents the ones it throws
 * (e.g. {@code insufficient_funds}, {@code invalid_amount}, {@code account_not_found}).
 */
public final class BillingException extends RuntimeException {
    private final String code;

    public BillingException(String code, String message) {
        super(message);
        this.code = code;
    }

    public BillingException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
