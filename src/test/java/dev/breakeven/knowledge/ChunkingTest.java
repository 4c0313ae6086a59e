package dev.breakeven.knowledge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** How each format becomes passages: headings kept, furniture dropped, sizes bounded, offsets true. */
class ChunkingTest {
    final Chunker chunker = new Chunker(200, 40);

    @Test
    void markdownPassages_carryTheirHeadingPath_andOffsetsPointAtTheirText() {
        String text = Handbook.read("plans.md");
        List<Chunk> chunks = chunker.chunk(MarkdownParser.parse(text));

        assertThat(chunks)
                .extracting(Chunk::heading)
                .containsExactly(
                        "Plans", "Plans > Free", "Plans > Plus", "Plans > Pro", "Plans > Pro > Changing plans");
        assertThat(chunks).extracting(Chunk::ordinal).containsExactly(0, 1, 2, 3, 4);
        assertThat(chunks.get(2).text()).startsWith("The Plus plan costs 12 dollars a month");
        for (Chunk c : chunks) {
            String firstWords = c.text().substring(0, 20);
            assertThat(text.substring(c.offset())).startsWith(firstWords);
        }
        assertThat(chunks).noneMatch(c -> c.text().contains("title: Plans")); // front matter
    }

    @Test
    void markdownSetextHeadings_codeFences_andComments() {
        String text = """
                Guide
                =====

                Intro text.

                Install
                -------

                <!-- a note for editors,
                     not for readers -->
                Run this:

                ```sh
                # not a heading
                ./breakeven demo
                ```
                """;
        List<Chunk> chunks = chunker.chunk(MarkdownParser.parse(text));
        assertThat(chunks).extracting(Chunk::heading).containsExactly("Guide", "Guide > Install");
        assertThat(chunks.get(1).text()).isEqualTo("Run this:\n\n# not a heading\n./breakeven demo");
        assertThat(chunks.get(1).text()).doesNotContain("editors");
    }

    @Test
    void html_keepsTitleAndHeadings_andDropsScriptsAndNavigation() {
        List<Chunk> chunks = chunker.chunk(HtmlParser.parse(Handbook.read("security.html")));

        assertThat(chunks)
                .extracting(Chunk::heading)
                .containsExactly(
                        "Security",
                        "Security > Passwords",
                        "Security > Two-factor authentication",
                        "Security > Reporting a vulnerability");
        String all = chunks.stream().map(Chunk::text).collect(Collectors.joining("\n"));
        assertThat(all).doesNotContain("trackingId", "tracking pixel", "Home", "Log in", "font-family");
        assertThat(chunks.get(1).text())
                .isEqualTo("Passwords are never stored. We keep only a salted Argon2id hash"
                        + " of each password, so even our own staff cannot read it.");
        assertThat(chunks.get(2).text()).contains("phone.\n\nRecovery codes are shown once; print them.");
    }

    @Test
    void csv_makesOnePassagePerRow_withColumnNames_headedByTheFirstColumn() {
        String text = Handbook.read("errors.csv");
        List<Chunk> chunks = chunker.chunk(CsvParser.parse(text, "errors.csv"));

        assertThat(chunks).hasSize(12);
        Chunk first = chunks.getFirst();
        assertThat(first.heading()).isEqualTo("E1042");
        assertThat(first.text()).isEqualTo("""
                        code: E1042
                        name: quota_exceeded
                        meaning: You used every request your plan allows today
                        fix: Wait until midnight UTC or move to a bigger plan""");
        assertThat(text.substring(first.offset())).startsWith("E1042,");
        assertThat(text.substring(chunks.get(5).offset())).startsWith("E3107,");
    }

    @Test
    void csv_quotedValuesMayHoldCommasAndLineBreaks_andExtraCellsAreNumbered() {
        String text = "name,notes\n\"Plus, yearly\",\"two\nlines\",extra\n\nPro,,\n";
        List<Chunk> chunks = chunker.chunk(CsvParser.parse(text, "plans.csv"));
        assertThat(chunks).extracting(Chunk::heading).containsExactly("Plus, yearly", "Pro");
        assertThat(chunks.get(0).text()).isEqualTo("name: Plus, yearly\nnotes: two\nlines\ncolumn 3: extra");
        assertThat(chunks.get(1).text()).isEqualTo("name: Pro");
        assertThat(text.substring(chunks.get(1).offset())).startsWith("Pro,");
    }

    @Test
    void text_isSplitIntoParagraphs_withoutHeadings() {
        String text = Handbook.read("shipping.txt");
        List<Chunk> chunks = chunker.chunk(TextParser.parse(text));
        assertThat(chunks).hasSize(1);
        assertThat(chunks.getFirst().heading()).isEmpty();
        assertThat(chunks.getFirst().text()).contains("next business day.\n\nEvery package");
    }

    @Test
    void longSections_areSplitBetweenSentences_withASmallOverlap_andSectionsNeverShareAPassage() {
        String sentences = IntStream.range(0, 60)
                .mapToObj(i -> "Sentence number " + i + " says a few more words here.")
                .collect(Collectors.joining(" "));
        String text = "# One\n\n" + sentences + "\n\n# Two\n\nShort.\n";
        List<Chunk> chunks = chunker.chunk(MarkdownParser.parse(text));

        List<Chunk> one = chunks.stream().filter(c -> c.heading().equals("One")).toList();
        assertThat(one).hasSizeGreaterThan(2);
        for (Chunk c : one) {
            assertThat(Chunker.words(c.text())).isLessThanOrEqualTo(200);
            assertThat(c.text()).startsWith("Sentence number").endsWith("here.");
        }
        // the next passage starts with the last sentences of the one before
        String lastOfFirst = one.get(0).text().substring(one.get(0).text().lastIndexOf("Sentence number"));
        assertThat(one.get(1).text()).startsWith(lastOfFirst.substring(0, 0)).contains(lastOfFirst);
        assertThat(Chunker.words(
                        one.get(1).text().substring(0, one.get(1).text().indexOf(lastOfFirst))))
                .isLessThanOrEqualTo(40);
        assertThat(chunks.getLast().heading()).isEqualTo("Two");
        assertThat(chunks.getLast().text()).isEqualTo("Short.");
    }

    @Test
    void aSentenceLongerThanAPassage_isSplitBetweenWords() {
        String words = IntStream.range(0, 450).mapToObj(i -> "w" + i).collect(Collectors.joining(" "));
        List<Chunk> chunks = chunker.chunk(TextParser.parse(words));
        assertThat(chunks).hasSize(3);
        assertThat(chunks).allMatch(c -> Chunker.words(c.text()) <= 200);
        assertThat(chunks.getFirst().text()).startsWith("w0 ").endsWith(" w199");
    }
}
