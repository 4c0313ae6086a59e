package dev.breakeven.billing;

import dev.breakeven.ledger.Money;
import dev.breakeven.store.Ids;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The price book: what every model's tokens, every plan's month (and later kinds) cost at any
 * moment, past or future, kept as a history that only grows.
 *
 * <p>A price is set with an effective time; it is in force from then (inclusive) until the next
 * price of the same kind and subject. Setting one never changes or removes a stored row, so any
 * past charge can be explained by the prices stored today. Setting a price again for the same kind,
 * subject and effective time with the same amount returns the stored one; with another amount it
 * is refused ({@code price_exists}): set the correction with its own effective time instead.
 *
 * <p>Lookups ({@link #at}, {@link #modelRates}, {@link #current}) read an in-memory copy of the
 * whole table, so a rater may call them for every event: a hash lookup and a binary search, no
 * database. The copy is reloaded after every {@link #set} through this instance, and otherwise when
 * it is older than {@code maxAge} (by the clock), so a price set by another process (the CLI,
 * another node) is seen within {@code maxAge}. One caller reloads while the others go on with the
 * copy they have. {@link #history} reads the database. Safe for concurrent use.
 *
 * <p>Refusals throw {@link PriceException}; database failures pass through as {@link
 * dev.breakeven.store.StoreException}.
 */
public final class PriceBook {
    /** How old the in-memory copy may get before a lookup reloads it, unless told otherwise. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(1);

    static final int MAX_SUBJECT_LENGTH = 200;
    static final int MAX_NOTE_LENGTH = 1000;

    private final PriceRepository repo;
    private final Ids ids;
    private final Clock clock;
    private final long maxAgeMillis;
    private final ReentrantLock loading = new ReentrantLock();
    private volatile Snapshot snapshot;

    /** A new price, as given to {@link #setAll}; the arguments are those of {@link #set}. */
    public record Change(PriceKind kind, String subject, long micros, long effectiveFrom, String note) {}

    public PriceBook(PriceRepository repo, Ids ids, Clock clock) {
        this(repo, ids, clock, DEFAULT_MAX_AGE);
    }

    /**
     * @param maxAge how long the in-memory copy is used before a lookup reloads it; zero reloads on
     *     every lookup that does not find another caller already reloading
     */
    public PriceBook(PriceRepository repo, Ids ids, Clock clock, Duration maxAge) {
        this.repo = Objects.requireNonNull(repo, "repo");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxAge.isNegative()) throw new IllegalArgumentException("maxAge must not be negative");
        this.maxAgeMillis = maxAge.toMillis();
    }

    /**
     * Sets a price from {@code effectiveFrom} on, which may be in the past (a late or corrective
     * price: lookups of earlier times change) or in the future (not in force until then).
     *
     * @param kind what is priced
     * @param subject the model id or plan id: non-blank, at most 200 characters, no surrounding
     *     blanks or control characters
     * @param micros the amount in micros, ≥ 0, in the kind's unit
     * @param effectiveFrom epoch millis, ≥ 0
     * @param note why, or null (blank counts as null); at most 1000 characters
     * @return the stored price: the new row, or the identical one already stored for that instant
     * @throws PriceException {@code invalid_price}, or {@code price_exists} when another amount is
     *     already set for that kind, subject and effective time
     */
    public Price set(PriceKind kind, String subject, long micros, long effectiveFrom, String note) {
        return setAll(List.of(new Change(kind, subject, micros, effectiveFrom, note)))
                .getFirst();
    }

    /** {@link #set} with the effective time now, by the clock. */
    public Price set(PriceKind kind, String subject, long micros, String note) {
        return set(kind, subject, micros, clock.millis(), note);
    }

    /**
     * Sets several prices at once, all or none (e.g. a model's input and output prices).
     *
     * @return the stored prices, in the order given
     * @throws PriceException as {@link #set}; if any is refused, none is stored
     */
    public List<Price> setAll(List<Change> changes) {
        long now = clock.millis();
        List<Price> rows = new ArrayList<>(changes.size());
        for (Change c : changes) {
            rows.add(new Price(
                    ids.next("price_"),
                    requireKind(c.kind()),
                    requireSubject(c.subject()),
                    requireMicros(c.micros()),
                    requireEffectiveFrom(c.effectiveFrom()),
                    now,
                    note(c.note())));
        }
        PriceRepository.Insertion insertion = repo.insert(rows);
        if (!insertion.succeeded()) throw exists(insertion.conflicts().getFirst());
        reloadNow();
        return insertion.stored();
    }

    /**
     * Sets a price in force since the beginning of time (effective 0) only if its kind and subject
     * have no price at all yet, in force or future: how configured prices are seeded at start-up,
     * so that prices set later (by the CLI or the API) are never overridden by the file.
     *
     * @return true if this call stored it; false if the kind and subject already had a price (or a
     *     concurrent seeder stored one first)
     * @throws PriceException {@code invalid_price}
     */
    public boolean seed(PriceKind kind, String subject, long micros, String note) {
        Price row = new Price(
                ids.next("price_"),
                requireKind(kind),
                requireSubject(subject),
                requireMicros(micros),
                0,
                clock.millis(),
                note(note));
        if (repo.exists(kind, subject)) return false;
        PriceRepository.Insertion insertion = repo.insert(List.of(row));
        boolean stored =
                insertion.succeeded() && insertion.stored().getFirst().id().equals(row.id());
        if (stored) reloadNow();
        return stored;
    }

    /** The time now by this price book's clock, in epoch millis: the effective time {@link #set} defaults to. */
    public long now() {
        return clock.millis();
    }

    /**
     * The price of {@code subject}'s {@code kind} in force at {@code time}: the one with the
     * greatest effective time not after {@code time}; empty if none was in force yet.
     */
    public Optional<Price> at(PriceKind kind, String subject, long time) {
        Objects.requireNonNull(kind, "kind");
        if (subject == null) return Optional.empty();
        Series series = snapshot().byKind().get(kind).get(subject);
        return series == null ? Optional.empty() : Optional.ofNullable(series.at(time));
    }

    /**
     * A model's token prices at {@code time}. A kind with no price in force counts 0 (a model
     * nobody priced is free), so this never fails for want of a price.
     */
    public ModelRates modelRates(String model, long time) {
        Snapshot s = snapshot();
        return new ModelRates(
                micros(s, PriceKind.MODEL_INPUT, model, time), micros(s, PriceKind.MODEL_OUTPUT, model, time));
    }

    /**
     * Every price in force at {@code time}: one per kind and subject that had a price by then, by
     * kind (in {@link PriceKind} order), then subject.
     */
    public List<Price> current(long time) {
        List<Price> out = new ArrayList<>();
        for (Map<String, Series> subjects : snapshot().byKind().values()) {
            List<String> names = new ArrayList<>(subjects.keySet());
            names.sort(Comparator.naturalOrder());
            for (String name : names) {
                Price price = subjects.get(name).at(time);
                if (price != null) out.add(price);
            }
        }
        return out;
    }

    /**
     * Every stored price, newest effective time first (then latest set first, then by kind and
     * subject), of one kind and/or one subject when these are not null; read from the database, so it includes changes made elsewhere at once.
     */
    public List<Price> history(PriceKind kindOrNull, String subjectOrNull) {
        return repo.history(kindOrNull, subjectOrNull);
    }

    private static long micros(Snapshot s, PriceKind kind, String subject, long time) {
        if (subject == null) return 0;
        Series series = s.byKind().get(kind).get(subject);
        Price price = series == null ? null : series.at(time);
        return price == null ? 0 : price.micros();
    }

    private Snapshot snapshot() {
        Snapshot s = snapshot;
        if (s != null && clock.millis() - s.loadedAt() < maxAgeMillis) return s;
        if (s == null) {
            loading.lock(); // nothing to go on with: wait for the first load
        } else if (!loading.tryLock()) {
            return s; // another caller is reloading: this copy is at most one reload older
        }
        try {
            Snapshot current = snapshot;
            if (current != null && current != s) return current; // reloaded while we waited
            return load();
        } finally {
            loading.unlock();
        }
    }

    /** Reloads after a change made here, so that this instance's next lookup sees it. */
    private void reloadNow() {
        loading.lock();
        try {
            load();
        } finally {
            loading.unlock();
        }
    }

    /** Reads the whole table; only under {@link #loading}, so that an older read never replaces a newer one. */
    private Snapshot load() {
        long started = clock.millis();
        Snapshot fresh = Snapshot.of(repo.all(), started);
        snapshot = fresh;
        return fresh;
    }

    /** The whole table in memory: for each kind, each subject's prices in effective order. */
    private record Snapshot(Map<PriceKind, Map<String, Series>> byKind, long loadedAt) {
        static Snapshot of(List<Price> rows, long loadedAt) {
            Map<PriceKind, Map<String, List<Price>>> grouped = new EnumMap<>(PriceKind.class);
            for (PriceKind kind : PriceKind.values()) grouped.put(kind, new HashMap<>());
            for (Price p : rows) {
                grouped.get(p.kind())
                        .computeIfAbsent(p.subject(), k -> new ArrayList<>())
                        .add(p);
            }
            Map<PriceKind, Map<String, Series>> byKind = new EnumMap<>(PriceKind.class);
            grouped.forEach((kind, subjects) -> {
                Map<String, Series> series = new HashMap<>();
                subjects.forEach((subject, prices) -> series.put(subject, Series.of(prices)));
                byKind.put(kind, series);
            });
            return new Snapshot(byKind, loadedAt);
        }
    }

    /** One kind and subject's prices, sorted by effective time (unique per kind and subject). */
    private record Series(long[] from, Price[] prices) {
        static Series of(List<Price> prices) {
            Price[] sorted = prices.toArray(Price[]::new);
            Arrays.sort(sorted, Comparator.comparingLong(Price::effectiveFrom));
            long[] from = new long[sorted.length];
            for (int i = 0; i < sorted.length; i++) from[i] = sorted[i].effectiveFrom();
            return new Series(from, sorted);
        }

        /** The price with the greatest effective time ≤ {@code time}, or null. */
        Price at(long time) {
            int i = Arrays.binarySearch(from, time);
            if (i < 0) i = -i - 2; // insertion point - 1: the last one before time
            return i >= 0 ? prices[i] : null;
        }
    }

    private static PriceKind requireKind(PriceKind kind) {
        if (kind == null) throw PriceException.invalid("kind", "kind is required: one of " + PriceKind.wireNames());
        return kind;
    }

    private static String requireSubject(String subject) {
        if (subject == null || subject.isBlank()) {
            throw PriceException.invalid("subject", "subject is required: the model id or plan id the price is for");
        }
        if (subject.length() > MAX_SUBJECT_LENGTH) {
            throw PriceException.invalid(
                    "subject", "subject must be at most " + MAX_SUBJECT_LENGTH + " characters long");
        }
        if (!subject.equals(subject.strip()) || subject.chars().anyMatch(Character::isISOControl)) {
            throw PriceException.invalid(
                    "subject", "subject '" + subject + "' must not have surrounding blanks or control characters");
        }
        return subject;
    }

    private static long requireMicros(long micros) {
        if (micros < 0) throw PriceException.invalid("micros", "a price cannot be negative, got " + micros + " micros");
        return micros;
    }

    private static long requireEffectiveFrom(long effectiveFrom) {
        if (effectiveFrom < 0) {
            throw PriceException.invalid(
                    "effective_from", "the effective time must be epoch milliseconds ≥ 0, got " + effectiveFrom);
        }
        return effectiveFrom;
    }

    private static String note(String note) {
        if (note == null || note.isBlank()) return null;
        String stripped = note.strip();
        if (stripped.length() > MAX_NOTE_LENGTH) {
            throw PriceException.invalid("note", "the note must be at most " + MAX_NOTE_LENGTH + " characters long");
        }
        return stripped;
    }

    private static PriceException exists(PriceRepository.Conflict conflict) {
        Price wanted = conflict.wanted();
        Price existing = conflict.existing();
        return new PriceException(
                "price_exists",
                wanted.kind().wireName() + " of " + wanted.kind().subjectName() + " '" + wanted.subject()
                        + "' is already " + Money.format(existing.micros()) + " (" + existing.micros()
                        + " micros) from " + Instant.ofEpochMilli(existing.effectiveFrom())
                        + "; stored prices never change: set the new one with another effective time",
                "effective_from");
    }
}
