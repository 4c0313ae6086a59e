package dev.breakeven.app;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the CLI's points in time: ISO instants or dates (UTC), ages like {@code 24h}, or epoch millis. */
final class TimeArgument {
    private static final Pattern AGE = Pattern.compile("(\\d+)([smhd])");

    private TimeArgument() {}

    static long parse(String text, Clock clock) {
        String t = text.strip();
        Matcher age = AGE.matcher(t);
        if (age.matches()) {
            long n = Long.parseLong(age.group(1));
            Duration d =
                    switch (age.group(2)) {
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        case "h" -> Duration.ofHours(n);
                        default -> Duration.ofDays(n);
                    };
            return clock.millis() - d.toMillis();
        }
        if (t.matches("\\d{10,}")) return Long.parseLong(t);
        try {
            return Instant.parse(t).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(t)
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant()
                        .toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException(
                        "'" + text + "' is not a time: use 2026-11-28, 2026-11-28T10:00:00Z, 24h, 7d or epoch millis");
            }
        }
    }
}
