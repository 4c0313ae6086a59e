package dev.breakeven.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A server the benchmark runs in a JVM of its own, so that it shares neither heap nor GC with the
 * load generator. Its stdout and stderr go to files; {@link #start} returns once stdout shows the
 * line the caller waits for.
 */
final class ChildJvm implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path out;
    private final Path err;

    private ChildJvm(String name, Process process, Path out, Path err) {
        this.name = name;
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /**
     * Starts {@code mainClass} with this JVM's {@code java}, and waits until every predicate in
     * {@code ready} matched a line of its stdout.
     *
     * @param jvmOptions where {@code {name}} is replaced by {@code name} (for JFR file names)
     */
    static ChildJvm start(
            String name,
            List<String> jvmOptions,
            String classpath,
            String mainClass,
            List<String> args,
            Path logDir,
            Predicate<String> ready,
            Duration timeout) {
        Path out = logDir.resolve(name + ".out");
        Path err = logDir.resolve(name + ".err");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : jvmOptions) command.add(option.replace("{name}", name));
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        ChildJvm jvm = new ChildJvm(name, process, out, err);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (jvm.stdout().stream().anyMatch(ready)) return jvm;
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        name + " exited with " + process.exitValue() + " before it was ready:\n" + jvm.tail());
            }
            if (System.nanoTime() > deadline) {
                jvm.close();
                throw new IllegalStateException(name + " was not ready within " + timeout + ":\n" + jvm.tail());
            }
            sleep(20);
        }
    }

    /** The lines printed on stdout so far. */
    List<String> stdout() {
        try {
            return Files.readAllLines(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The first stdout line that starts with {@code prefix}, without the prefix. */
    String stdoutValue(String prefix) {
        return stdout().stream()
                .filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(prefix.length()).trim())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " printed no line starting with " + prefix));
    }

    long pid() {
        return process.pid();
    }

    /** CPU time (user + system, all threads) the JVM has used so far, from {@code /proc}; -1 if unknown. */
    long cpuNanos() {
        return cpuNanos(process.pid());
    }

    /**
     * CPU time the JVM's JIT compiler threads ({@code C1 CompilerThread…}, {@code C2
     * CompilerThread…}) have used so far, from {@code /proc/PID/task}; -1 where there is no /proc.
     */
    long compilerCpuNanos() {
        Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
        long ticks = 0;
        try (var threads = Files.list(tasks)) {
            for (Path task : threads.toList()) {
                try {
                    if (!Files.readString(task.resolve("comm")).contains("Compiler")) continue;
                    String stat = Files.readString(task.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return ticks * (1_000_000_000L / CLOCK_TICKS);
    }

    /** CPU time of a process from {@code /proc/PID/stat}, in nanoseconds; -1 where there is no /proc. */
    static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may hold spaces: count fields after its closing parenthesis
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
            return ticks * (1_000_000_000L / CLOCK_TICKS);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static final long CLOCK_TICKS = clockTicks();

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }

    /** The end of stderr, for error messages. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no stderr)";
        }
    }

    /** Asks the JVM to stop (SIGTERM, so shutdown hooks run), then kills it after 20 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the JVM at once if it still runs (for shutdown hooks). */
    void kill() {
        if (process.isAlive()) process.destroyForcibly();
    }

    /** JVM options from an environment variable, split on spaces; none if it is unset. */
    static List<String> optionsFrom(String variable) {
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) return List.of();
        return Arrays.stream(value.trim().split("\\s+")).toList();
    }

    /** This JVM's class path without test classes: what a production server would run with. */
    static String mainClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes") && !entry.endsWith("test-classes/"))
                .reduce((a, b) -> a + java.io.File.pathSeparator + b)
                .orElseThrow();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
