package dev.breakeven.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The machine a benchmark ran on, and helpers for reporting latencies. */
final class Machine {
    private Machine() {}

    static String describe() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .orElse(cpu);
        } catch (IOException ignored) {
            // not Linux
        }
        return "- cores (nproc): " + Runtime.getRuntime().availableProcessors() + "\n- CPU: " + cpu + "\n- JDK: "
                + System.getProperty("java.vm.vendor") + " " + Runtime.version() + "\n- max heap: "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB\n- JVM flags: "
                + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments())
                + "\n- load average at start: "
                + loadAverage();
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return String.format(
                    "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    /** "p50 1.23 ms, p95 …, p99 …, max …" of nanosecond samples. */
    static String percentiles(List<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return String.format(
                "p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms",
                ms(at(sorted, 0.50)), ms(at(sorted, 0.95)), ms(at(sorted, 0.99)), ms(sorted[sorted.length - 1]));
    }

    static long at(long[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }
}
