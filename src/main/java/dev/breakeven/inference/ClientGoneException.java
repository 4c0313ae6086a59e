package dev.breakeven.inference;

/** The client that a stream was being sent to has disconnected. */
public final class ClientGoneException extends RuntimeException {
    public ClientGoneException(Throwable cause) {
        super("client disconnected", cause);
    }
}
