package dev.breakeven.billing;

/**
 * A price could not be set. Codes are stable: {@code invalid_price} (a value breaks a rule; {@link
 * #param()} names it: {@code kind}, {@code subject}, {@code micros}, {@code effective_from} or
 * {@code note}) and {@code price_exists} (another amount is already set for that kind, subject and
 * effective time).
 */
public final class PriceException extends RuntimeException {
    private final String code;
    private final String param;

    public PriceException(String code, String message, String param) {
        super(message);
        this.code = code;
        this.param = param;
    }

    static PriceException invalid(String param, String message) {
        return new PriceException("invalid_price", message, param);
    }

    public String code() {
        return code;
    }

    /** The field at fault (wire name), or null. */
    public String param() {
        return param;
    }
}
