package dev.breakeven.metering;

/** The journal could not take or return events. {@link #code()} is stable. */
public final class MeteringException extends RuntimeException {
    private final String code;

    public MeteringException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
