package dev.breakeven.access;

/** An authenticated request's identity: the account and the key it used. */
public record Caller(Account account, ApiKey key) {
    public Role role() {
        return account.role();
    }
}
