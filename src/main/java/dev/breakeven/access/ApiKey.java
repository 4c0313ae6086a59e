package dev.breakeven.access;

/**
 * A stored API key: never the secret itself, only what identifies it.
 *
 * @param id our id ({@code key_…})
 * @param accountId the account it acts for
 * @param hint the first characters of the secret, enough to recognise it in a list
 * @param createdAt epoch millis
 * @param revokedAt epoch millis, or null while the key is active
 */
public record ApiKey(String id, String accountId, String hint, long createdAt, Long revokedAt) {
    public boolean active() {
        return revokedAt == null;
    }
}
