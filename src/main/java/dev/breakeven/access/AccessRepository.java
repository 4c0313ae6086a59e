package dev.breakeven.access;

import java.util.List;
import java.util.Optional;

/**
 * Where accounts and API keys are kept. Stores rows as given: validation, ids, time and hashing
 * belong to {@link KeyRing}.
 *
 * <p>On failure: a missing row is an empty {@link Optional} or a {@code false} result, never an
 * exception. A database that fails (unreachable, broken constraint other than the ones a method
 * documents) throws {@link dev.breakeven.store.StoreException} with code {@code
 * database_unavailable}; nothing is half-written by a single call.
 */
public interface AccessRepository {

    /**
     * Inserts the account unless its name is taken.
     *
     * @return true if inserted, false if an account with that name already exists (possibly just
     *     created by a concurrent caller); the caller then re-reads it by name
     */
    boolean insertAccountIfAbsent(Account account);

    Optional<Account> findAccountById(String id);

    Optional<Account> findAccountByName(String name);

    /** All accounts, by name. */
    List<Account> listAccounts();

    /**
     * Sets (or, with null, clears) an account's plan.
     *
     * @return false if no account has that id
     */
    boolean updatePlan(String accountId, String planId);

    /**
     * Inserts a key. {@code keyHash} is the SHA-256 hex of the secret; the secret is never given
     * here. The account must exist.
     */
    void insertKey(ApiKey key, String keyHash);

    Optional<ApiKey> findKey(String id);

    /** The key with this hash together with its account, revoked or not. */
    Optional<StoredKey> findKeyByHash(String keyHash);

    /** Every key, oldest first. */
    List<ApiKey> listKeys();

    /** The account's keys, oldest first; empty for an unknown account. */
    List<ApiKey> listKeys(String accountId);

    /**
     * Marks an active key revoked at {@code revokedAt}.
     *
     * @return false if the key is unknown or was already revoked (its revocation time is kept)
     */
    boolean revokeKey(String id, long revokedAt);

    /** A key as stored, with the hash it is found by and the account it acts for. */
    record StoredKey(Account account, ApiKey key, String keyHash) {}
}
