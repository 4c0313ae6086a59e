package dev.breakeven.inference;

import static dev.breakeven.inference.LlamaBackendTest.gen;
import static dev.breakeven.inference.LlamaBackendTest.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.testing.TestModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Slots: a client that leaves frees its slot at once, and requests beyond capacity wait their turn. */
class LlamaSlotsTest {
    static final Duration LIMIT = Duration.ofSeconds(60);

    static LlamaBackend one; // 1 slot
    static LlamaBackend two; // 2 slots

    @BeforeAll
    static void load() {
        if (TestModel.find() == null) return; // each test is then skipped, saying why
        one = LlamaBackend.open(new LlamaBackend.Settings("one", TestModel.find(), 1, 2048, 1));
        two = LlamaBackend.open(new LlamaBackend.Settings("two", TestModel.find(), 1, 512, 2));
    }

    @BeforeEach
    void needsTheModel() {
        TestModel.require();
    }

    @AfterAll
    static void close() {
        if (one != null) one.close();
        if (two != null) two.close();
    }

    /** Greedy decoding of this prompt never ends by itself within 1500 tokens: only the limit or a cancel stops it. */
    static ChatRequest longStory() {
        return request(",\"temperature\":0,\"max_tokens\":1500,\"stream\":true", "Once upon a time");
    }

    @Test
    void aClientThatLeaves_stopsTheGeneration_andFreesTheSlotAtOnce() {
        assertTimeoutPreemptively(LIMIT, () -> {
            long start = System.nanoTime();
            StreamEnd whole = one.stream(gen(longStory()), chunk -> {});
            long wholeNanos = System.nanoTime() - start;
            assertThat(whole.usage().completionTokens()).isEqualTo(1500);

            AtomicInteger chunks = new AtomicInteger();
            AtomicLong leftAt = new AtomicLong();
            assertThatThrownBy(() -> one.stream(gen(longStory()), chunk -> {
                        if (chunks.incrementAndGet() == 4) {
                            leftAt.set(System.nanoTime());
                            throw new ClientGoneException(null);
                        }
                    }))
                    .isInstanceOf(ClientGoneException.class);
            long stoppingNanos = System.nanoTime() - leftAt.get();

            assertThat(one.freeSlots()).isEqualTo(1);
            assertThat(chunks.get()).isEqualTo(4); // nothing more was sent after the client left
            // stopping took a token's time, not the remaining ~1500 tokens'
            assertThat(stoppingNanos).isLessThan(wholeNanos / 5);
            Completion next = one.complete(gen(request(",\"max_tokens\":5", "Once upon a time")));
            assertThat(next.usage().completionTokens()).isEqualTo(5);
        });
    }

    @Test
    void aRequestWaitingForTheOnlySlot_getsItWhenTheClientBeforeItLeaves() {
        assertTimeoutPreemptively(LIMIT, () -> {
            ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
            CountDownLatch firstIsGenerating = new CountDownLatch(1);
            CountDownLatch leave = new CountDownLatch(1);
            Future<?> first = threads.submit(() -> one.stream(gen(longStory()), chunk -> {
                firstIsGenerating.countDown();
                await(leave);
                throw new ClientGoneException(null);
            }));
            firstIsGenerating.await();
            Future<Completion> second =
                    threads.submit(() -> one.complete(gen(request(",\"max_tokens\":5", "Once upon a time"))));

            Thread.sleep(300);
            assertThat(second.isDone()).as("waits while the slot is taken").isFalse();
            leave.countDown();

            assertThat(second.get().usage().completionTokens()).isEqualTo(5);
            assertThatThrownBy(first::get).hasCauseInstanceOf(ClientGoneException.class);
            threads.close();
            assertThat(one.freeSlots()).isEqualTo(1);
        });
    }

    @Test
    void requestsBeyondCapacity_waitForASlot_andAllComplete() {
        assertTimeoutPreemptively(LIMIT, () -> {
            // each generation's tokens arrive while it holds a slot: from its first chunk to its last token
            List<long[]> windows = new ArrayList<>();
            List<Future<StreamEnd>> answers = new ArrayList<>();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 6; i++) {
                    ChatRequest r =
                            request(",\"max_tokens\":60,\"seed\":" + i + ",\"stream\":true", "Once upon a time");
                    answers.add(threads.submit(() -> {
                        long[] window = {-1, -1};
                        StreamEnd end = two.stream(gen(r), chunk -> {
                            JsonNode choice = chunk.path("choices").path(0);
                            if (choice.isMissingNode()
                                    || !choice.get("finish_reason").isNull()) return;
                            long now = System.nanoTime();
                            if (window[0] < 0) window[0] = now;
                            window[1] = now;
                        });
                        synchronized (windows) {
                            windows.add(window);
                        }
                        return end;
                    }));
                }
                for (Future<StreamEnd> answer : answers) {
                    assertThat(answer.get().usage()).isEqualTo(new Usage(5, 60, false));
                }
            }
            assertThat(mostAtOnce(windows)).isBetween(1, 2);
            assertThat(two.freeSlots()).isEqualTo(2);
        });
    }

    /** The largest number of windows that overlap at one instant. */
    private static int mostAtOnce(List<long[]> windows) {
        int most = 0;
        for (long[] w : windows) {
            int overlapping = 0;
            for (long[] other : windows) if (other[0] <= w[0] && w[0] <= other[1]) overlapping++;
            most = Math.max(most, overlapping);
        }
        return most;
    }

    @Test
    void close_waitsForRunningGenerations_thenRefusesNewOnes() throws Exception {
        LlamaBackend backend = LlamaBackend.open(new LlamaBackend.Settings("c", TestModel.require(), 1, 512, 1));
        CountDownLatch generating = new CountDownLatch(1);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<StreamEnd> running = threads.submit(() -> backend.stream(
                    gen(request(",\"max_tokens\":300,\"stream\":true", "Once upon a time")),
                    chunk -> generating.countDown()));
            assertThat(generating.await(30, TimeUnit.SECONDS)).isTrue();

            backend.close();

            assertThat(running.get().usage().completionTokens()).isEqualTo(300);
        }
        assertThatThrownBy(() -> backend.complete(gen(request("", "Hi"))))
                .isInstanceOfSatisfying(
                        InferenceException.class, e -> assertThat(e.code()).isEqualTo("upstream_unavailable"));
        backend.close(); // twice is harmless
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
