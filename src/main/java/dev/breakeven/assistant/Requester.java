package dev.breakeven.assistant;

/** Who a chat turn is for and which key asked: the payer of its usage event. */
public record Requester(String accountId, String keyId) {}
