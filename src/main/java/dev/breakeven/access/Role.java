package dev.breakeven.access;

import java.util.Locale;

/** What an account may do. A key carries its account's role. */
public enum Role {
    OPERATOR,
    USER,
    ADVERTISER,
    BUSINESS;

    /** Parses {@code user}, {@code operator}, … case-insensitively; null if unknown. */
    public static Role parse(String text) {
        if (text == null) return null;
        try {
            return Role.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
