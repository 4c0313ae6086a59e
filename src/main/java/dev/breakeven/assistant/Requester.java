package dev.breakeven.assistant;

/** Who a chat turn is for and which key asked: the payer of its usage event. */
public record Requester(String accountId, String keyId, String planId) {
    /** Someone on no plan of their own (the default plan applies). */
    public Requester(String accountId, String keyId) {
        this(accountId, keyId, null);
    }
}
