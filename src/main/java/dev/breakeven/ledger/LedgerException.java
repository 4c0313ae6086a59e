package dev.breakeven.ledger;

/**
 * A ledger operation failed as a whole. Codes are stable: {@code ledger_unavailable} (the database
 * refused after retries; nothing of the operation is stored), {@code ledger_closed}, {@code
 * account_exists_with_different_content}, {@code account_not_found}, {@code
 * invalid_argument}, and from {@link Ledger#submitOrThrow} the code of the first refused transfer
 * (see {@link TransferResult#code()}). Refusals from {@link Ledger#submit} are results, not
 * exceptions.
 */
public final class LedgerException extends RuntimeException {
    private final String code;

    public LedgerException(String code, String message) {
        this(code, message, null);
    }

    public LedgerException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
