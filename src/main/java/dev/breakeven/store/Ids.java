package dev.breakeven.store;

import java.security.SecureRandom;
import java.time.Clock;

/**
 * Generates our own identifiers: 26 characters of Crockford base32, 48 bits of milliseconds
 * followed by 80 random bits, so that ids sort by creation time and never collide in practice.
 */
public final class Ids {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public Ids(Clock clock) {
        this.clock = clock;
    }

    /** A new id with the given prefix, e.g. {@code next("acct_")}. */
    public String next(String prefix) {
        long millis = clock.millis();
        byte[] bytes = new byte[10];
        random.nextBytes(bytes);
        char[] out = new char[26];
        for (int i = 9; i >= 0; i--) {
            out[9 - i] = ALPHABET[(int) ((millis >>> (i * 5)) & 31)];
        }
        // 80 random bits = 16 base32 characters
        long hi = 0;
        for (int i = 0; i < 5; i++) hi = (hi << 8) | (bytes[i] & 0xff);
        long lo = 0;
        for (int i = 5; i < 10; i++) lo = (lo << 8) | (bytes[i] & 0xff);
        for (int i = 0; i < 8; i++) {
            out[10 + i] = ALPHABET[(int) ((hi >>> ((7 - i) * 5)) & 31)];
            out[18 + i] = ALPHABET[(int) ((lo >>> ((7 - i) * 5)) & 31)];
        }
        return prefix + new String(out);
    }
}
