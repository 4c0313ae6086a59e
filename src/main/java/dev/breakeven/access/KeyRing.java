package dev.breakeven.access;

import dev.breakeven.store.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Accounts and their API keys: issues keys, tells who a secret belongs to, revokes keys.
 *
 * <p>A secret is {@code bk_} followed by 40 random base62 characters (about 238 bits). Only its
 * SHA-256 is stored, with a {@linkplain ApiKey#hint() hint} made of its first 10 characters; the
 * secret exists once, in the {@link IssuedKey} returned by {@link #issue}. Refusals throw {@link
 * AccessException} with a stable code; database failures pass through as {@link
 * dev.breakeven.store.StoreException}.
 */
public final class KeyRing {

    public static final String SECRET_PREFIX = "bk_";
    static final int SECRET_RANDOM_CHARS = 40;
    static final int SECRET_LENGTH = SECRET_PREFIX.length() + SECRET_RANDOM_CHARS;
    static final int HINT_LENGTH = 10;

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final String NAME_RULE = "1 to 64 characters of A-Z, a-z, 0-9, '.', '_', '@' or '-'";

    private final AccessRepository repo;
    private final Ids ids;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final long cacheTtlMillis;
    // hash of the secret -> who it authenticated; bounded by MAX_CACHED, emptied by every change made here
    private final ConcurrentHashMap<String, Trusted> trusted = new ConcurrentHashMap<>();
    private static final int MAX_CACHED = 100_000;

    private record Trusted(Caller caller, long until) {}

    /** A key ring that looks every key up in the database (no cache). */
    public KeyRing(AccessRepository repo, Ids ids, Clock clock) {
        this(repo, ids, clock, Duration.ZERO);
    }

    /**
     * @param cacheTtl how long a successful authentication is trusted without a database lookup.
     *     Revocations and plan changes made through this key ring take effect at once; those made by
     *     another process (the CLI, another node) within {@code cacheTtl}.
     */
    public KeyRing(AccessRepository repo, Ids ids, Clock clock, Duration cacheTtl) {
        this.cacheTtlMillis = cacheTtl.toMillis();
        this.repo = Objects.requireNonNull(repo, "repo");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Issues a new key for the named account, creating the account if the name is new.
     *
     * @param accountName 1–64 characters of {@code [A-Za-z0-9._@-]}
     * @param role the account's role; null keeps an existing account's role, or makes a new one a
     *     {@link Role#USER}
     * @param planId the plan to put the account on, or null to keep its plan
     * @throws AccessException {@code invalid_account_name}, or {@code role_mismatch} when the account
     *     exists with another role
     */
    public IssuedKey issue(String accountName, Role role, String planId) {
        requireValidName(accountName);
        requireNotBlank(planId, "planId");
        Account account = findOrCreate(accountName, role, planId);
        if (planId != null) trusted.clear(); // an existing account's plan may have changed
        if (role != null && account.role() != role) {
            throw new AccessException(
                    "role_mismatch",
                    "account '" + accountName + "' exists with role "
                            + account.role().wireName() + ", not " + role.wireName()
                            + "; omit the role to issue a key for it as it is");
        }
        if (planId != null && !planId.equals(account.planId())) {
            repo.updatePlan(account.id(), planId);
            account = new Account(account.id(), account.name(), account.role(), planId, account.createdAt());
        }
        String secret = newSecret();
        ApiKey key = new ApiKey(ids.next("key_"), account.id(), secret.substring(0, HINT_LENGTH), clock.millis(), null);
        repo.insertKey(key, sha256Hex(secret));
        return new IssuedKey(account, key, secret);
    }

    private Account findOrCreate(String name, Role role, String planId) {
        Optional<Account> existing = repo.findAccountByName(name);
        if (existing.isPresent()) return existing.get();
        Account fresh = new Account(ids.next("acct_"), name, role == null ? Role.USER : role, planId, clock.millis());
        if (repo.insertAccountIfAbsent(fresh)) return fresh;
        // Someone created it between our read and our insert: use theirs.
        return repo.findAccountByName(name)
                .orElseThrow(() -> new IllegalStateException("account '" + name + "' vanished after a name conflict"));
    }

    /**
     * The account and key a secret belongs to; empty for null, blank or malformed secrets (refused
     * before the database is asked), unknown secrets and revoked keys.
     */
    public Optional<Caller> authenticate(String secret) {
        if (!wellFormed(secret)) return Optional.empty();
        String hash = sha256Hex(secret);
        long now = clock.millis();
        Trusted known = cacheTtlMillis > 0 ? trusted.get(hash) : null;
        if (known != null && now < known.until()) return Optional.of(known.caller());
        Optional<Caller> caller = repo.findKeyByHash(hash)
                .filter(stored -> MessageDigest.isEqual(
                        stored.keyHash().getBytes(StandardCharsets.US_ASCII), hash.getBytes(StandardCharsets.US_ASCII)))
                .filter(stored -> stored.key().active())
                .map(stored -> new Caller(stored.account(), stored.key()));
        if (cacheTtlMillis > 0 && caller.isPresent()) {
            if (trusted.size() >= MAX_CACHED) trusted.clear();
            trusted.put(hash, new Trusted(caller.get(), now + cacheTtlMillis));
        }
        return caller;
    }

    /** The account with this id, else with this name; empty if neither (or null/blank). */
    public Optional<Account> account(String nameOrId) {
        if (nameOrId == null || nameOrId.isBlank()) return Optional.empty();
        Optional<Account> byId = repo.findAccountById(nameOrId);
        return byId.isPresent() ? byId : repo.findAccountByName(nameOrId);
    }

    /** All accounts, by name. */
    public List<Account> accounts() {
        return repo.listAccounts();
    }

    /**
     * Keys, oldest first: of one account (by name or id), or of all accounts when null.
     *
     * @throws AccessException {@code account_not_found}
     */
    public List<ApiKey> keys(String accountNameOrIdOrNull) {
        if (accountNameOrIdOrNull == null) return repo.listKeys();
        return repo.listKeys(require(accountNameOrIdOrNull).id());
    }

    /**
     * Revokes a key from now on. Revoking a revoked key changes nothing and returns it as it is.
     *
     * @throws AccessException {@code key_not_found}
     */
    public ApiKey revoke(String keyId) {
        ApiKey key = findKey(keyId);
        if (!key.active()) return key;
        repo.revokeKey(key.id(), clock.millis());
        trusted.clear();
        // Re-read: if a concurrent revoke won, its time is the one kept.
        return findKey(keyId);
    }

    private ApiKey findKey(String keyId) {
        Optional<ApiKey> key = keyId == null ? Optional.empty() : repo.findKey(keyId);
        return key.orElseThrow(() -> new AccessException("key_not_found", "no API key with id '" + keyId + "'"));
    }

    /**
     * Puts an account on a plan, or off any plan with null.
     *
     * @throws AccessException {@code account_not_found}
     */
    public Account setPlan(String accountNameOrId, String planId) {
        requireNotBlank(planId, "planId");
        Account account = require(accountNameOrId);
        if (!repo.updatePlan(account.id(), planId)) {
            throw new AccessException("account_not_found", "no account named or with id '" + accountNameOrId + "'");
        }
        trusted.clear();
        return new Account(account.id(), account.name(), account.role(), planId, account.createdAt());
    }

    private Account require(String nameOrId) {
        return account(nameOrId)
                .orElseThrow(() ->
                        new AccessException("account_not_found", "no account named or with id '" + nameOrId + "'"));
    }

    private static void requireValidName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new AccessException(
                    "invalid_account_name",
                    "account name " + (name == null ? "is missing" : "'" + name + "' is invalid") + ": use "
                            + NAME_RULE);
        }
    }

    private static void requireNotBlank(String value, String what) {
        if (value != null && value.isBlank()) {
            throw new IllegalArgumentException(what + " must be null or non-blank");
        }
    }

    private String newSecret() {
        StringBuilder secret = new StringBuilder(SECRET_LENGTH).append(SECRET_PREFIX);
        for (int i = 0; i < SECRET_RANDOM_CHARS; i++) {
            secret.append(BASE62.charAt(random.nextInt(BASE62.length())));
        }
        return secret.toString();
    }

    private static boolean wellFormed(String secret) {
        if (secret == null || secret.length() != SECRET_LENGTH || !secret.startsWith(SECRET_PREFIX)) return false;
        for (int i = SECRET_PREFIX.length(); i < SECRET_LENGTH; i++) {
            char c = secret.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
        }
        return true;
    }

    /** The SHA-256 of a secret as lowercase hex: what {@code api_keys.key_hash} holds. */
    static String sha256Hex(String secret) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
