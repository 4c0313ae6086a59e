package dev.breakeven.access;

/** A freshly created key with its secret: the only time the secret exists outside the caller. */
public record IssuedKey(Account account, ApiKey key, String secret) {}
