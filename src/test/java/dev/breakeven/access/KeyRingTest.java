package dev.breakeven.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.store.Ids;
import dev.breakeven.testing.TestClock;
import dev.breakeven.testing.TestDatabase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** What {@link KeyRing} promises, on every database engine. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class KeyRingTest {

    private static final Instant START = Instant.parse("2026-01-15T10:00:00Z");

    private final TestDatabase engine;

    @TempDir
    Path tempDir;

    private TestDatabase.Opened opened;
    private TestClock clock;
    private KeyRing ring;

    KeyRingTest(TestDatabase engine) {
        this.engine = engine;
    }

    @BeforeEach
    void open() {
        opened = engine.open(tempDir);
        clock = new TestClock(START);
        ring = new KeyRing(new JdbiAccessRepository(opened.db().jdbi()), new Ids(clock), clock);
    }

    @AfterEach
    void close() {
        if (opened != null) opened.close();
    }

    @Test
    void issuedKey_authenticates_asItsAccount_withItsRole() {
        IssuedKey issued = ring.issue("alice", Role.OPERATOR, "pro");

        assertThat(issued.account().id()).startsWith("acct_");
        assertThat(issued.account().name()).isEqualTo("alice");
        assertThat(issued.account().role()).isEqualTo(Role.OPERATOR);
        assertThat(issued.account().planId()).isEqualTo("pro");
        assertThat(issued.account().createdAt()).isEqualTo(START.toEpochMilli());
        assertThat(issued.key().id()).startsWith("key_");
        assertThat(issued.key().accountId()).isEqualTo(issued.account().id());
        assertThat(issued.key().createdAt()).isEqualTo(START.toEpochMilli());
        assertThat(issued.key().active()).isTrue();

        Caller caller = ring.authenticate(issued.secret()).orElseThrow();
        assertThat(caller.account()).isEqualTo(issued.account());
        assertThat(caller.key()).isEqualTo(issued.key());
        assertThat(caller.role()).isEqualTo(Role.OPERATOR);
    }

    @Test
    void secret_isBkPlus40Base62_andItsHint_isItsFirst10Characters() {
        IssuedKey issued = ring.issue("alice", Role.USER, null);

        assertThat(issued.secret()).matches("bk_[A-Za-z0-9]{40}");
        assertThat(issued.key().hint()).hasSize(10).isEqualTo(issued.secret().substring(0, 10));
        assertThat(ring.issue("alice", null, null).secret()).isNotEqualTo(issued.secret());
    }

    @Test
    void secret_isNeverStored_onlyItsHash() {
        IssuedKey issued = ring.issue("alice", Role.USER, "free");
        String secret = issued.secret();
        String secretTail = secret.substring(10); // what the hint does not show

        List<Map<String, Object>> keyRows = opened.db().jdbi().withHandle(h -> h.createQuery("SELECT * FROM api_keys")
                .mapToMap()
                .list());
        List<Map<String, Object>> accountRows = opened.db()
                .jdbi()
                .withHandle(
                        h -> h.createQuery("SELECT * FROM accounts").mapToMap().list());

        assertThat(keyRows).hasSize(1);
        assertThat(accountRows).hasSize(1);
        for (Map<String, Object> row : List.of(keyRows.get(0), accountRows.get(0))) {
            for (Object value : row.values()) {
                assertThat(String.valueOf(value)).doesNotContain(secret).doesNotContain(secretTail);
            }
        }
        Map<String, Object> keyRow = keyRows.get(0);
        assertThat(keyRow.get("key_hash")).isEqualTo(KeyRing.sha256Hex(secret));
        assertThat((String) keyRow.get("key_hash")).matches("[0-9a-f]{64}");
        assertThat(keyRow.get("hint")).isEqualTo(secret.substring(0, 10));
    }

    @Test
    void unknownKey_isRefused() {
        ring.issue("alice", Role.USER, null);

        assertThat(ring.authenticate("bk_" + "A".repeat(40))).isEmpty();
    }

    @Test
    void revokedKey_isRefused_immediately() {
        IssuedKey issued = ring.issue("alice", Role.USER, null);
        IssuedKey other = ring.issue("alice", Role.USER, null);
        assertThat(ring.authenticate(issued.secret())).isPresent();

        ring.revoke(issued.key().id());

        assertThat(ring.authenticate(issued.secret())).isEmpty();
        assertThat(ring.authenticate(other.secret()))
                .as("the account's other keys still work")
                .isPresent();
    }

    @Test
    void malformedOrBlankSecrets_areRefused() {
        IssuedKey issued = ring.issue("alice", Role.USER, null);
        String secret = issued.secret();

        List<String> bad = new ArrayList<>();
        bad.add(null);
        bad.add("");
        bad.add("   ");
        bad.add("bk_");
        bad.add(secret.substring(0, secret.length() - 1)); // too short
        bad.add(secret + "x"); // too long
        bad.add("sk_" + secret.substring(3)); // wrong prefix
        bad.add("BK_" + secret.substring(3)); // the prefix is case-sensitive
        bad.add(" " + secret.substring(1)); // a leading blank
        bad.add(secret.substring(0, 42) + "!"); // not base62
        bad.add(issued.key().hint()); // the hint is not the key
        bad.add(issued.key().id()); // nor is its id
        bad.add(KeyRing.sha256Hex(secret)); // nor is its hash

        for (String candidate : bad) {
            assertThat(ring.authenticate(candidate)).as("secret %s", candidate).isEmpty();
        }
        assertThat(ring.authenticate(secret)).isPresent();
    }

    @Test
    void existingAccount_withAnotherRole_isRefused_roleMismatch() {
        ring.issue("acme", Role.ADVERTISER, null);

        assertThatThrownBy(() -> ring.issue("acme", Role.OPERATOR, null))
                .isInstanceOfSatisfying(
                        AccessException.class, e -> assertThat(e.code()).isEqualTo("role_mismatch"))
                .hasMessageContaining("acme")
                .hasMessageContaining("advertiser")
                .hasMessageContaining("operator");
        assertThat(ring.keys("acme")).as("no key was issued").hasSize(1);
        assertThat(ring.account("acme").orElseThrow().role()).isEqualTo(Role.ADVERTISER);
    }

    @Test
    void invalidAccountNames_areRefused_namingTheRule() {
        List<String> bad = new ArrayList<>();
        bad.add(null);
        bad.add("");
        bad.add("a".repeat(65));
        bad.add("alice smith");
        bad.add(" alice");
        bad.add("alice/bob");
        bad.add("alice:1");
        bad.add("josé");
        bad.add("drop;table");
        bad.add("tab\tname");
        bad.add("line\nbreak");

        for (String name : bad) {
            assertThatThrownBy(() -> ring.issue(name, Role.USER, null))
                    .as("name %s", name)
                    .isInstanceOfSatisfying(
                            AccessException.class, e -> assertThat(e.code()).isEqualTo("invalid_account_name"))
                    .hasMessageContaining("1 to 64 characters");
        }
        assertThat(ring.accounts()).isEmpty();
    }

    @Test
    void namesAtTheEdgesOfTheRule_areAccepted() {
        for (String name : List.of("a", "z".repeat(64), "Ops.Team_1@example-corp", "-", "0")) {
            assertThat(ring.issue(name, Role.USER, null).account().name()).isEqualTo(name);
        }
        assertThat(ring.accounts()).hasSize(5);
    }

    @Test
    void sameName_reusesTheAccount_andEachIssueAddsAWorkingKey() {
        IssuedKey first = ring.issue("alice", Role.BUSINESS, null);
        clock.advance(Duration.ofMinutes(5));
        IssuedKey second = ring.issue("alice", Role.BUSINESS, null);
        IssuedKey third = ring.issue("alice", null, null);

        assertThat(second.account()).isEqualTo(first.account());
        assertThat(third.account().role()).as("a null role keeps the account's").isEqualTo(Role.BUSINESS);
        assertThat(second.key().createdAt())
                .isEqualTo(START.plus(Duration.ofMinutes(5)).toEpochMilli());
        assertThat(ring.accounts()).hasSize(1);
        for (IssuedKey issued : List.of(first, second, third)) {
            assertThat(ring.authenticate(issued.secret())
                            .orElseThrow()
                            .account()
                            .id())
                    .isEqualTo(first.account().id());
        }
    }

    @Test
    void newAccount_withoutRole_isAUser() {
        assertThat(ring.issue("bob", null, null).account().role()).isEqualTo(Role.USER);
    }

    @Test
    void plan_isSetByIssue_keptWhenNull_andChangedBySetPlan() {
        assertThat(ring.issue("alice", Role.USER, null).account().planId()).isNull();
        assertThat(ring.issue("alice", Role.USER, "pro").account().planId()).isEqualTo("pro");
        assertThat(ring.issue("alice", Role.USER, null).account().planId()).isEqualTo("pro");

        Account changed = ring.setPlan("alice", "enterprise");
        assertThat(changed.planId()).isEqualTo("enterprise");
        assertThat(ring.account(changed.id()).orElseThrow().planId()).isEqualTo("enterprise");

        assertThat(ring.setPlan(changed.id(), null).planId()).isNull();
        assertThat(ring.account("alice").orElseThrow().planId()).isNull();

        assertThatThrownBy(() -> ring.setPlan("nobody", "pro"))
                .isInstanceOfSatisfying(
                        AccessException.class, e -> assertThat(e.code()).isEqualTo("account_not_found"));
    }

    @Test
    void account_isFoundByNameOrId_andAccountsAreListedByName() {
        Account bob = ring.issue("bob", Role.USER, null).account();
        Account alice = ring.issue("alice", Role.OPERATOR, null).account();

        assertThat(ring.account("bob")).contains(bob);
        assertThat(ring.account(bob.id())).contains(bob);
        assertThat(ring.account("carol")).isEmpty();
        assertThat(ring.account(null)).isEmpty();
        assertThat(ring.account("")).isEmpty();
        assertThat(ring.accounts()).containsExactly(alice, bob);
    }

    @Test
    void keys_areListedPerAccount_orAll_andAnUnknownAccountIsRefused() {
        IssuedKey a1 = ring.issue("alice", Role.USER, null);
        clock.advance(Duration.ofSeconds(1));
        IssuedKey b1 = ring.issue("bob", Role.USER, null);
        clock.advance(Duration.ofSeconds(1));
        IssuedKey a2 = ring.issue("alice", Role.USER, null);

        assertThat(ring.keys("alice")).containsExactly(a1.key(), a2.key());
        assertThat(ring.keys(a1.account().id())).containsExactly(a1.key(), a2.key());
        assertThat(ring.keys("bob")).containsExactly(b1.key());
        assertThat(ring.keys(null)).containsExactly(a1.key(), b1.key(), a2.key());

        assertThatThrownBy(() -> ring.keys("carol"))
                .isInstanceOfSatisfying(
                        AccessException.class, e -> assertThat(e.code()).isEqualTo("account_not_found"))
                .hasMessageContaining("carol");
    }

    @Test
    void revoke_isIdempotent_keepingTheFirstRevocationTime() {
        IssuedKey issued = ring.issue("alice", Role.USER, null);
        clock.advance(Duration.ofHours(1));
        long revokedAt = clock.millis();

        ApiKey revoked = ring.revoke(issued.key().id());
        assertThat(revoked.revokedAt()).isEqualTo(revokedAt);
        assertThat(revoked.active()).isFalse();

        clock.advance(Duration.ofHours(1));
        ApiKey again = ring.revoke(issued.key().id());
        assertThat(again).isEqualTo(revoked);
        assertThat(ring.keys("alice")).containsExactly(revoked);
    }

    @Test
    void revokingAnUnknownKey_isRefused_keyNotFound() {
        assertThatThrownBy(() -> ring.revoke("key_doesnotexist"))
                .isInstanceOfSatisfying(
                        AccessException.class, e -> assertThat(e.code()).isEqualTo("key_not_found"))
                .hasMessageContaining("key_doesnotexist");
        assertThatThrownBy(() -> ring.revoke(null))
                .isInstanceOfSatisfying(
                        AccessException.class, e -> assertThat(e.code()).isEqualTo("key_not_found"));
    }

    @Test
    void issue_whenAnotherCallerCreatesTheAccountFirst_reusesIt_withoutASqlError() {
        Account theirs = ring.issue("alice", Role.USER, null).account();
        // A repository whose first look-up by name misses, as if the other caller's insert landed
        // just after our read: our insert then meets the unique name and must re-read.
        AccessRepository real = new JdbiAccessRepository(opened.db().jdbi());
        AtomicBoolean missed = new AtomicBoolean();
        AccessRepository staleFirstRead = (AccessRepository) Proxy.newProxyInstance(
                AccessRepository.class.getClassLoader(), new Class<?>[] {AccessRepository.class}, (proxy, m, args) -> {
                    if (m.getName().equals("findAccountByName") && missed.compareAndSet(false, true)) {
                        return Optional.empty();
                    }
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        IssuedKey ours = new KeyRing(staleFirstRead, new Ids(clock), clock).issue("alice", Role.USER, null);

        assertThat(missed).isTrue();
        assertThat(ours.account()).isEqualTo(theirs);
        assertThat(ring.accounts()).containsExactly(theirs);
        assertThat(ring.authenticate(ours.secret())).isPresent();
    }

    @Test
    void concurrentIssue_ofTheSameNewName_yieldsOneAccount_andEightWorkingKeys() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<IssuedKey>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return ring.issue("crowd", Role.USER, "free");
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();

            List<IssuedKey> issued = new ArrayList<>();
            for (Future<IssuedKey> f : futures) issued.add(f.get(60, TimeUnit.SECONDS));

            List<Account> accounts = ring.accounts();
            assertThat(accounts).hasSize(1);
            String accountId = accounts.get(0).id();
            assertThat(issued).allSatisfy(k -> assertThat(k.account().id()).isEqualTo(accountId));
            assertThat(issued).extracting(IssuedKey::secret).doesNotHaveDuplicates();
            assertThat(ring.keys("crowd")).hasSize(threads);
            for (IssuedKey k : issued) {
                assertThat(ring.authenticate(k.secret()).orElseThrow().account().id())
                        .isEqualTo(accountId);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
