package dev.breakeven.cluster;

import java.time.LocalDate;
import java.util.Locale;

/**
 * How a counter forgets what was used: a {@link Bucket} refills continuously, a {@link Utc} period
 * starts from zero at each UTC calendar boundary. A counter is named by its key and its window, so
 * the same key can count per minute and per day at once.
 */
public sealed interface Window permits Window.Bucket, Window.Utc {

    /** A token bucket that refills its whole limit over one minute: requests or tokens per minute. */
    Bucket MINUTE = new Bucket(60_000);

    /** From 00:00 UTC to the next 00:00 UTC. */
    Utc UTC_DAY = Utc.DAY;

    /** From the first of a month, 00:00 UTC, to the first of the next. */
    Utc UTC_MONTH = Utc.MONTH;

    /** A short stable name, e.g. for keys in a shared store: {@code minute}, {@code day}, {@code month}. */
    String id();

    /**
     * A token bucket (GCRA): it holds {@code limit} at most and refills at {@code limit} per {@code
     * periodMillis}, continuously, so the limit holds over every period-long stretch of time (no
     * burst of twice the limit across a boundary, as fixed windows allow), and the time until an
     * amount fits is exact.
     */
    record Bucket(long periodMillis) implements Window {
        public Bucket {
            if (periodMillis < 1) throw ClusterException.invalid("a bucket's period must be at least 1 ms");
        }

        @Override
        public String id() {
            return periodMillis == 60_000 ? "minute" : "bucket_" + periodMillis + "ms";
        }
    }

    /** A UTC calendar period: what was used counts until the period ends, then the counter is zero. */
    enum Utc implements Window {
        DAY,
        MONTH;

        private static final long DAY_MILLIS = 86_400_000L;

        @Override
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The start (epoch millis, inclusive) of the period that holds {@code at}. */
        public long start(long at) {
            long day = Math.floorDiv(at, DAY_MILLIS);
            if (this == DAY) return day * DAY_MILLIS;
            return LocalDate.ofEpochDay(day).withDayOfMonth(1).toEpochDay() * DAY_MILLIS;
        }

        /** The end (epoch millis, exclusive: the next period's start) of the period that holds {@code at}. */
        public long end(long at) {
            long day = Math.floorDiv(at, DAY_MILLIS);
            if (this == DAY) return (day + 1) * DAY_MILLIS;
            return LocalDate.ofEpochDay(day).withDayOfMonth(1).plusMonths(1).toEpochDay() * DAY_MILLIS;
        }
    }
}
