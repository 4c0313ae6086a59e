package dev.breakeven.store;

/** The database could not be opened, migrated or reached. {@link #code()} is stable. */
public final class StoreException extends RuntimeException {
    private final String code;

    public StoreException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
