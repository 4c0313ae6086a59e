package dev.breakeven.plans;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * What an account on a plan other than the default one has paid for. Periods are UTC months.
 *
 * @param planId the plan being paid for (the account's plan)
 * @param status {@link Status#ACTIVE} while paid; {@link Status#PAST_DUE} once a renewal could not be paid
 * @param paidThrough the first instant (epoch ms) not paid for: the start of the month after the last one paid
 * @param graceUntil while past due, when the account falls to the default plan (epoch ms); null otherwise
 * @param updatedAt when this row last changed (epoch ms)
 */
public record Subscription(
        String accountId, String planId, Status status, long paidThrough, Long graceUntil, long updatedAt) {

    public enum Status {
        ACTIVE,
        PAST_DUE;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException for an unknown name */
        public static Status parse(String wire) {
            return valueOf(wire.toUpperCase(Locale.ROOT));
        }
    }

    public Subscription {
        if ((status == Status.PAST_DUE) != (graceUntil != null))
            throw new IllegalArgumentException("a grace period belongs to a past-due subscription, and only to one");
    }

    /** A subscription paid until the end of the month of {@code now}. */
    static Subscription paidForMonthOf(String accountId, String planId, long now) {
        return new Subscription(accountId, planId, Status.ACTIVE, nextMonthStart(now), null, now);
    }

    /** The start of the month after the one holding {@code time} (UTC). */
    static long nextMonthStart(long time) {
        return month(time)
                .plusMonths(1)
                .atDay(1)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant()
                .toEpochMilli();
    }

    /** The UTC month holding {@code time}. */
    static YearMonth month(long time) {
        return YearMonth.from(Instant.ofEpochMilli(time).atZone(ZoneOffset.UTC));
    }
}
