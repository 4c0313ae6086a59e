package dev.breakeven.knowledge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Searches keep working, and keep seeing a whole committed base, while another thread ingests. */
class ConcurrentSearchTest {
    @TempDir
    Path dir;

    @Test
    void searchesDuringAnIngestion_allSucceed_andSeeTheNewDocumentsOnceItCommits() throws Exception {
        try (KnowledgeBases bases = new KnowledgeBases(dir.resolve("knowledge"), RealEmbedder.get())) {
            KnowledgeBase kb = bases.openOrCreate("kb");
            kb.ingest(List.of(Handbook.copyTo(dir)), IngestListener.NONE);
            Path more = more(dir.resolve("more"), 12);

            AtomicBoolean ingesting = new AtomicBoolean(true);
            AtomicInteger searches = new AtomicInteger();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<?>> searchers = java.util.stream.IntStream.range(0, 3)
                        .<Future<?>>mapToObj(i -> pool.submit(() -> {
                            while (ingesting.get()) {
                                try {
                                    List<Passage> found = kb.search("How are passwords stored?", 5);
                                    assertThat(found.getFirst().citation().heading())
                                            .isEqualTo("Security > Passwords");
                                    int documents = kb.stats().documents();
                                    assertThat(documents).isIn(5, 17); // before or after, never between
                                    searches.incrementAndGet();
                                } catch (Throwable t) {
                                    failures.add(t);
                                    return;
                                }
                            }
                        }))
                        .toList();
                IngestReport report;
                try {
                    report = kb.ingest(List.of(more), IngestListener.NONE);
                } finally {
                    ingesting.set(false);
                }
                for (Future<?> f : searchers) f.get();
                assertThat(failures).isEmpty();
                assertThat(searches.get()).isPositive();
                assertThat(report.added()).isEqualTo(12);
            } finally {
                pool.shutdownNow();
            }
            assertThat(kb.stats().documents()).isEqualTo(17);
            assertThat(kb.search("Which colour is the lamp in room 7?", 1)
                            .getFirst()
                            .citation()
                            .document())
                    .isEqualTo("more/room-07.md");
        }
    }

    static Path more(Path folder, int n) throws IOException {
        Files.createDirectories(folder);
        String[] colours = {"red", "green", "blue", "yellow", "purple", "orange"};
        for (int i = 1; i <= n; i++) {
            Files.writeString(
                    folder.resolve("room-%02d.md".formatted(i)),
                    "# Room %d\n\nThe lamp in room %d is %s, and the room seats %d people.\n"
                            .formatted(i, i, colours[i % colours.length], 4 + i));
        }
        return folder;
    }

    @Test
    void aSecondWriter_isRefusedAsBusy_whileOneIngests() throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.md"), "# Notes\n\nThe office parrot is called Kiwi.\n");
        try (KnowledgeBases first = new KnowledgeBases(dir.resolve("knowledge"), RealEmbedder.get());
                KnowledgeBases second = new KnowledgeBases(dir.resolve("knowledge"), RealEmbedder.get())) {
            KnowledgeBase a = first.openOrCreate("kb");
            KnowledgeBase b = second.open("kb");
            AtomicInteger refusals = new AtomicInteger();
            a.ingest(List.of(notes), new IngestListener() {
                @Override
                public void planned(int documents, int passages) {
                    try {
                        b.ingest(List.of(notes), IngestListener.NONE);
                    } catch (KnowledgeException e) {
                        assertThat(e.code()).isEqualTo("knowledge_base_busy");
                        assertThat(e).hasMessage("knowledge base 'kb' is being changed by another process");
                        refusals.incrementAndGet();
                    }
                }
            });
            assertThat(refusals).hasValue(1);
            assertThat(a.stats().documents()).isEqualTo(1);
        }
    }

    @Test
    void anotherOpenInstance_seesACommittedIngestionWithinASecond() throws Exception {
        Path notes = Files.writeString(dir.resolve("notes.md"), "# Notes\n\nThe office parrot is called Kiwi.\n");
        try (KnowledgeBases server = new KnowledgeBases(dir.resolve("knowledge"), RealEmbedder.get());
                KnowledgeBases cli = new KnowledgeBases(dir.resolve("knowledge"), RealEmbedder.get())) {
            KnowledgeBase serving = server.openOrCreate("kb");
            assertThat(serving.search("parrot", 1)).isEmpty();
            cli.open("kb").ingest(List.of(notes), IngestListener.NONE);
            Thread.sleep(1_100);
            assertThat(serving.search("What is the parrot called?", 1))
                    .singleElement()
                    .satisfies(p -> assertThat(p.text()).contains("Kiwi"));
        }
    }
}
