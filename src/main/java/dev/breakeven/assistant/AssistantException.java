package dev.breakeven.assistant;

/**
 * A turn's answer was produced but could not be accounted for: {@code usage_not_recorded} when the
 * journal refused its usage event in sync mode (the answer is then withheld).
 */
public final class AssistantException extends RuntimeException {
    private final String code;

    public AssistantException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
