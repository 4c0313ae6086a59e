package dev.breakeven.access;

/**
 * An access operation was refused. Codes are stable: {@code invalid_account_name}, {@code
 * account_not_found}, {@code role_mismatch}, {@code key_not_found}.
 */
public final class AccessException extends RuntimeException {
    private final String code;

    public AccessException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
