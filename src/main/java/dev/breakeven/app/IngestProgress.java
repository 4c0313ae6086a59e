package dev.breakeven.app;

import dev.breakeven.knowledge.IngestListener;
import dev.breakeven.knowledge.IngestReport;
import dev.breakeven.knowledge.KnowledgeException;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows an ingestion's progress on {@code err}: a progress bar of passages embedded on a terminal,
 * one plain line per document otherwise (logs, pipes, CI). Skipped files are one line each.
 */
final class IngestProgress implements IngestListener, AutoCloseable {
    private final PrintStream err;
    private final boolean terminal;
    private ProgressBar bar;

    IngestProgress(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void skipped(String document, KnowledgeException reason) {
        err.println("skipped " + reason.getMessage());
    }

    @Override
    public void planned(int documents, int passages) {
        if (passages == 0) return;
        if (terminal) {
            bar = new ProgressBarBuilder()
                    .setTaskName("Embedding")
                    .setInitialMax(passages)
                    .setUnit(" passages", 1)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setConsumer(new ConsoleProgressBarConsumer(err))
                    .setUpdateIntervalMillis(250)
                    .showSpeed()
                    .build();
        } else {
            err.printf("Embedding %d passages of %d documents%n", passages, documents);
        }
    }

    @Override
    public void embedded(int passages) {
        if (bar != null) bar.stepBy(passages);
    }

    @Override
    public void changed(String document, IngestReport.Change change, int passages) {
        if (bar != null) {
            bar.setExtraMessage(document);
            return;
        }
        String what = change.name().toLowerCase();
        err.println(
                change == IngestReport.Change.REMOVED
                        ? what + " " + document
                        : what + " " + document + " (" + passages + (passages == 1 ? " passage)" : " passages)"));
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
        bar = null;
    }
}
