package dev.breakeven.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.testing.TestDatabase;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Three operating-system processes write random chains to one ledger at once — on PostgreSQL each
 * with its own writer, locks and retries; on SQLite queued on the file's one write lock — then the
 * audit: no lost update, no deadlock left unhandled (every process finishes), no wallet below zero,
 * and the money that came in is exactly what the wallets and revenue hold.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class LedgerMultiProcessTest {
    static final int PROCESSES = 3;
    static final int CHAINS = 600;

    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    TestDatabase.Opened opened;

    @BeforeEach
    void open() {
        opened = engine.open(dir);
    }

    @AfterEach
    void close() {
        if (opened != null) opened.close();
    }

    String url() {
        return opened.schema() == null
                ? "jdbc:sqlite:" + dir.resolve("test.db")
                : opened.baseUrl() + (opened.baseUrl().contains("?") ? "&" : "?") + "currentSchema=" + opened.schema();
    }

    @Test
    void processesWritingAtOnce_loseNoUpdate_andEveryInvariantHolds() throws Exception {
        JdbiLedgerRepository repository = new JdbiLedgerRepository(opened.db());
        try (GroupCommitLedger ledger = new GroupCommitLedger(repository, Clock.systemUTC())) {
            RandomChains.openAccounts(ledger);
        }
        List<Process> processes = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        for (int p = 0; p < PROCESSES; p++) {
            Path out = dir.resolve("writer-" + p + ".out");
            outputs.add(out);
            processes.add(new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-XX:TieredStopAtLevel=1",
                            "--enable-native-access=ALL-UNNAMED",
                            "-cp",
                            System.getProperty("java.class.path"),
                            LedgerWriterProcess.class.getName(),
                            url(),
                            "p" + p,
                            Integer.toString(CHAINS),
                            "4")
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(dir.resolve("writer-" + p + ".err").toFile())
                    .start());
        }
        long toppedUp = 0;
        long refused = 0;
        for (int p = 0; p < PROCESSES; p++) {
            assertThat(processes.get(p).waitFor(180, TimeUnit.SECONDS))
                    .as("writer %d finished", p)
                    .isTrue();
            String report = Files.readString(outputs.get(p)).strip();
            assertThat(processes.get(p).exitValue())
                    .as("writer %d: %s", p, report)
                    .isZero();
            String[] words = report.split(" ");
            toppedUp += Long.parseLong(words[1]);
            refused += Long.parseLong(words[3]);
        }
        try (GroupCommitLedger ledger = new GroupCommitLedger(repository, Clock.systemUTC())) {
            ledger.expirePending(Long.MAX_VALUE);
            assertThat(new LedgerAudit(repository).check()).isEmpty();
            long held = ledger.balance(RandomChains.REVENUE).orElseThrow().creditBalance();
            for (int i = 0; i < RandomChains.WALLETS; i++) {
                Balance w = ledger.balance(RandomChains.wallet(i)).orElseThrow();
                assertThat(w.debitsPending()).isZero();
                held += w.creditBalance();
            }
            assertThat(held).isEqualTo(toppedUp);
            assertThat(ledger.balance(RandomChains.CLEARING).orElseThrow().debitBalance())
                    .isEqualTo(toppedUp);
        }
        assertThat(refused).as("the processes must press on the limits").isPositive();
    }
}
