package dev.breakeven.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.store.Ids;
import dev.breakeven.testing.TestClock;
import dev.breakeven.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short-lived cache of authenticated keys: changes made here apply at once, others within the TTL. */
class KeyRingCacheTest {
    @TempDir
    Path dir;

    TestDatabase.Opened db;
    TestClock clock;
    KeyRing cached;
    KeyRing otherProcess;

    @BeforeEach
    void open() {
        db = TestDatabase.SQLITE.open(dir);
        clock = new TestClock(java.time.Instant.parse("2026-11-28T00:00:00Z"));
        cached = new KeyRing(new JdbiAccessRepository(db.db().jdbi()), new Ids(clock), clock, Duration.ofSeconds(2));
        otherProcess = new KeyRing(new JdbiAccessRepository(db.db().jdbi()), new Ids(clock), clock);
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void revokeThroughTheSameKeyRing_appliesAtOnce() {
        IssuedKey key = cached.issue("alice", Role.USER, null);
        assertThat(cached.authenticate(key.secret())).isPresent();

        cached.revoke(key.key().id());

        assertThat(cached.authenticate(key.secret())).isEmpty();
    }

    @Test
    void revokeElsewhere_appliesOnceTheCacheEntryExpires() {
        IssuedKey key = cached.issue("alice", Role.USER, null);
        assertThat(cached.authenticate(key.secret())).isPresent();

        otherProcess.revoke(key.key().id());
        assertThat(cached.authenticate(key.secret()))
                .as("still trusted within the TTL")
                .isPresent();

        clock.advance(Duration.ofMillis(2001));
        assertThat(cached.authenticate(key.secret())).isEmpty();
    }

    @Test
    void unknownKeys_areNeverCached_soANewKeyWorksAtOnce() {
        IssuedKey fresh = otherProcess.issue("bob", Role.USER, null);

        assertThat(cached.authenticate(fresh.secret())).isPresent();
        assertThat(cached.authenticate("bk_" + "x".repeat(40))).isEmpty();
    }
}
