package dev.breakeven.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.store.Ids;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Secrets that cannot be ours are refused without asking the database. */
class KeyRingSecretFormatTest {

    private final AccessRepository untouchable = (AccessRepository) Proxy.newProxyInstance(
            AccessRepository.class.getClassLoader(), new Class<?>[] {AccessRepository.class}, (proxy, method, args) -> {
                throw new AssertionError("the database was asked: " + method.getName() + Arrays.toString(args));
            });

    private final KeyRing ring = new KeyRing(untouchable, new Ids(Clock.systemUTC()), Clock.systemUTC());

    @Test
    void malformedSecrets_areRefused_beforeTouchingTheDatabase() {
        List<String> bad = Arrays.asList(
                null,
                "",
                " ",
                "\t\n",
                "bk_",
                "bk_" + "a".repeat(39),
                "bk_" + "a".repeat(41),
                "xx_" + "a".repeat(40),
                "bk-" + "a".repeat(40),
                "bk_" + "a".repeat(39) + "=",
                "bk_" + "a".repeat(39) + "é",
                "Bearer bk_" + "a".repeat(40));

        for (String secret : bad) {
            assertThat(ring.authenticate(secret)).as("secret %s", secret).isEmpty();
        }
    }
}
