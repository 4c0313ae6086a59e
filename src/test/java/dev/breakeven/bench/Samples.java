package dev.breakeven.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** A growable array of long samples (nanoseconds) and the percentiles the benchmarks report. */
final class Samples {
    private long[] values;
    private int size;
    private boolean sorted;

    Samples() {
        this(1024);
    }

    Samples(int capacity) {
        values = new long[Math.max(16, capacity)];
    }

    synchronized void add(long value) {
        if (size == values.length) values = Arrays.copyOf(values, values.length * 2);
        values[size++] = value;
        sorted = false;
    }

    synchronized void addAll(Samples other) {
        long[] copy;
        int n;
        synchronized (other) {
            copy = other.values;
            n = other.size;
        }
        for (int i = 0; i < n; i++) add(copy[i]);
    }

    synchronized int size() {
        return size;
    }

    /** The p-th percentile (0 &lt; p ≤ 100), nearest-rank; 0 when empty. */
    synchronized long percentile(double p) {
        if (size == 0) return 0;
        if (!sorted) {
            Arrays.sort(values, 0, size);
            sorted = true;
        }
        int rank = (int) Math.ceil(p / 100.0 * size);
        return values[Math.min(size, Math.max(1, rank)) - 1];
    }

    synchronized long max() {
        return percentile(100);
    }

    /** The median of some numbers (the mean of the middle two for an even count). */
    static double median(List<? extends Number> numbers) {
        double[] v = numbers.stream().mapToDouble(Number::doubleValue).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    /** Nanoseconds as microseconds with no decimals, e.g. {@code 184 µs}. */
    static String micros(double nanos) {
        return String.format(Locale.ROOT, "%,.0f µs", nanos / 1_000.0);
    }

    /** A formatted number with a plus sign unless it is negative. */
    static String signed(String formatted) {
        return formatted.startsWith("-") ? formatted : "+" + formatted;
    }

    /** Nanoseconds as milliseconds with two decimals, e.g. {@code 1.25 ms}. */
    static String millis(double nanos) {
        return String.format(Locale.ROOT, "%.2f ms", nanos / 1_000_000.0);
    }
}
