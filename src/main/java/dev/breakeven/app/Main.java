package dev.breakeven.app;

import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code breakeven} — the command line. Exit codes: 0 success, 1 failure, 2 bad usage. */
@Command(
        name = "breakeven",
        mixinStandardHelpOptions = true,
        version = "Breakeven 0.1.0",
        description = "An AI assistant platform that knows what every answer costs.",
        subcommands = {
            ServeCommand.class,
            DemoCommand.class,
            KeysCommand.class,
            UsageCommand.class,
            PricesCommand.class,
            KnowledgeCommand.class,
            CreditsCommand.class,
            LedgerCommand.class,
            InvoicesCommand.class,
            PlansCommand.class,
            SubscriptionsCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    // JUL holds loggers weakly: keep the ones we quieten, or their levels are forgotten.
    private static final Logger HIKARI = Logger.getLogger("com.zaxxer.hikari");
    private static final Logger FLYWAY = Logger.getLogger("org.flywaydb");
    // the embedding runtime probes for CUDA; Lucene suggests --add-modules jdk.incubator.vector (docs/knowledge.md)
    private static final Logger DJL = Logger.getLogger("ai.djl");
    private static final Logger LUCENE_VECTORS = Logger.getLogger("org.apache.lucene.internal.vectorization");

    @Option(names = "--verbose", description = "Print stack traces for errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        HIKARI.setLevel(Level.WARNING);
        FLYWAY.setLevel(Level.WARNING);
        DJL.setLevel(Level.SEVERE);
        LUCENE_VECTORS.setLevel(Level.SEVERE);
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean verbose = false;
            for (var p = parseResult; p != null; p = p.subcommand()) verbose |= p.hasMatchedOption("--verbose");
            if (verbose) e.printStackTrace(commandLine.getErr());
            commandLine.getErr().println("breakeven: " + oneLine(e));
            return 1;
        });
        return cli.execute(args);
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replace('\n', ' ');
    }
}
