package dev.breakeven.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;

/**
 * Writes one streamed completion as server-sent events, one flush per event, at the pace the
 * settings ask for, and stops where a drop or stall is planned. It reports what happened; closing
 * the connection is the caller's job.
 */
final class MockStream {

    /** How a stream ended. */
    enum Outcome {
        /** Everything up to {@code [DONE]} was written. */
        COMPLETED,
        /** A planned drop point was reached: close the connection without {@code [DONE]}. */
        DROP,
        /** A planned stall point was reached: send nothing more until released. */
        STALL
    }

    /** Thrown when a write fails because the client went away. */
    static final class ClientGoneException extends Exception {
        ClientGoneException(Throwable cause) {
            super("client closed the stream", cause);
        }
    }

    private final MockCompletion completion;
    private final Pacing pacing;
    private final int dropAfter;
    private final int stallAfter;
    private int written;

    MockStream(MockCompletion completion, Pacing pacing, int dropAfter, int stallAfter) {
        this.completion = completion;
        this.pacing = pacing;
        this.dropAfter = dropAfter;
        this.stallAfter = stallAfter;
    }

    /** Writes the events to {@code out}; the first one waits for the time to first token. */
    Outcome writeTo(OutputStream out) throws ClientGoneException, InterruptedException {
        pacing.awaitToken(0);
        if (!send(out, completion.roleEvent())) {
            return stopPoint();
        }
        for (int i = 0; i < completion.completionTokens; i++) {
            pacing.awaitToken(i);
            if (!send(out, completion.tokenEvent(i))) {
                return stopPoint();
            }
        }
        if (!send(out, completion.finishEvent())) {
            return stopPoint();
        }
        if (completion.includeUsage && !send(out, completion.usageEvent())) {
            return stopPoint();
        }
        return send(out, MockCompletion.doneEvent()) ? Outcome.COMPLETED : stopPoint();
    }

    /** Sends one event unless a stop point comes first; false at a stop point. */
    private boolean send(OutputStream out, byte[] event) throws ClientGoneException {
        if (written == dropAfter || written == stallAfter) {
            return false;
        }
        try {
            out.write(event);
            out.flush();
        } catch (IOException | RuntimeException e) {
            throw new ClientGoneException(e);
        }
        written++;
        return true;
    }

    private Outcome stopPoint() {
        return written == dropAfter ? Outcome.DROP : Outcome.STALL;
    }

    /**
     * When each token is due: token {@code i} at start + time to first token + i / rate, measured
     * from the request's arrival so that delays do not drift.
     */
    record Pacing(long startNanos, long firstTokenNanos, long intervalNanos) {

        static Pacing of(long startNanos, MockSettings settings) {
            double rate = settings.tokensPerSecond();
            long interval = rate > 0 ? Math.round(1e9 / rate) : 0;
            return new Pacing(startNanos, settings.timeToFirstToken().toNanos(), interval);
        }

        /** Sleeps until token {@code i} is due (token 0 also marks the first byte). */
        void awaitToken(int i) throws InterruptedException {
            long due = startNanos + firstTokenNanos + i * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(Duration.ofNanos(wait));
            }
        }

        /** Sleeps until a completion of {@code tokens} tokens would be finished. */
        void awaitCompletion(int tokens) throws InterruptedException {
            awaitToken(Math.max(0, tokens - 1));
        }
    }
}
