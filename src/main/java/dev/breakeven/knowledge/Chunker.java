package dev.breakeven.knowledge;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Packs a document's paragraphs into passages of at most {@code maxWords} words, sized for
 * MiniLM's 256-token window. Paragraphs of one section (one heading, one CSV row) share passages;
 * sections never do. A paragraph too long for one passage is split between sentences (a sentence
 * too long, between words), and a passage that continues a split section starts with up to {@code
 * overlapWords} words of whole sentences from the end of the one before.
 */
final class Chunker {
    private final int maxWords;
    private final int overlapWords;

    Chunker(int maxWords, int overlapWords) {
        if (maxWords < 10) throw new IllegalArgumentException("passages need at least 10 words");
        if (overlapWords < 0 || overlapWords >= maxWords / 2)
            throw new IllegalArgumentException("overlap must be between 0 and half the passage size");
        this.maxWords = maxWords;
        this.overlapWords = overlapWords;
    }

    /** A sentence (or a whole paragraph) that is never split further, unless it is too long. */
    private record Unit(String text, int words, int offset, int paragraph, boolean preformatted) {}

    List<Chunk> chunk(List<Paragraph> paragraphs) {
        List<Chunk> out = new ArrayList<>();
        int i = 0;
        while (i < paragraphs.size()) {
            int section = paragraphs.get(i).section();
            String heading = paragraphs.get(i).heading();
            List<Unit> units = new ArrayList<>();
            for (; i < paragraphs.size() && paragraphs.get(i).section() == section; i++) {
                units.addAll(units(paragraphs.get(i), i));
            }
            pack(heading, units, out);
        }
        return out;
    }

    private void pack(String heading, List<Unit> units, List<Chunk> out) {
        List<Unit> current = new ArrayList<>();
        int words = 0;
        boolean fresh = true; // current holds nothing but overlap
        for (Unit unit : units) {
            if (words + unit.words() > maxWords && !fresh) {
                out.add(chunk(out.size(), heading, current));
                List<Unit> overlap = new ArrayList<>();
                int overlapCount = 0;
                for (int j = current.size() - 1; j > 0; j--) {
                    Unit u = current.get(j);
                    if (u.preformatted() || overlapCount + u.words() > overlapWords) break;
                    overlap.addFirst(u);
                    overlapCount += u.words();
                }
                while (!overlap.isEmpty() && overlapCount + unit.words() > maxWords)
                    overlapCount -= overlap.removeFirst().words();
                current = overlap;
                words = overlapCount;
                fresh = true;
            }
            current.add(unit);
            words += unit.words();
            fresh = false;
        }
        if (!fresh) out.add(chunk(out.size(), heading, current));
    }

    private static Chunk chunk(int ordinal, String heading, List<Unit> units) {
        StringBuilder text = new StringBuilder();
        Unit previous = null;
        for (Unit u : units) {
            if (previous != null)
                text.append(previous.paragraph() != u.paragraph() ? "\n\n" : u.preformatted() ? "\n" : " ");
            text.append(u.text());
            previous = u;
        }
        return new Chunk(ordinal, heading, text.toString(), units.getFirst().offset());
    }

    private List<Unit> units(Paragraph p, int index) {
        List<Unit> out = new ArrayList<>();
        int words = words(p.text());
        if (words <= maxWords) {
            out.add(new Unit(p.text(), words, p.offset(), index, p.preformatted()));
            return out;
        }
        if (p.preformatted()) { // code, tables, rows: split between lines, then words
            int start = 0;
            for (String line : p.text().split("\n", -1)) {
                addSentence(out, line, p.offset() + start, index, true);
                start += line.length() + 1;
            }
            return merge(out);
        }
        BreakIterator sentences = BreakIterator.getSentenceInstance(Locale.ROOT);
        sentences.setText(p.text());
        int start = sentences.first();
        for (int end = sentences.next(); end != BreakIterator.DONE; start = end, end = sentences.next()) {
            addSentence(out, p.text().substring(start, end), p.offset() + start, index, false);
        }
        return out;
    }

    /** Lines of preformatted text, joined back while they fit, so that overlap and packing see blocks. */
    private List<Unit> merge(List<Unit> lines) {
        List<Unit> out = new ArrayList<>();
        for (Unit line : lines) {
            if (!out.isEmpty() && out.getLast().words() + line.words() <= maxWords) {
                Unit last = out.removeLast();
                out.add(new Unit(
                        last.text() + "\n" + line.text(),
                        last.words() + line.words(),
                        last.offset(),
                        last.paragraph(),
                        true));
            } else {
                out.add(line);
            }
        }
        return out;
    }

    private void addSentence(List<Unit> out, String sentence, int offset, int paragraph, boolean preformatted) {
        String text = preformatted ? sentence.stripTrailing() : sentence.strip();
        if (text.isBlank()) return;
        offset += preformatted ? 0 : sentence.indexOf(text.charAt(0));
        String[] words = text.split("\\s+");
        if (words.length <= maxWords) {
            out.add(new Unit(text, words.length, offset, paragraph, preformatted));
            return;
        }
        for (int w = 0; w < words.length; w += maxWords) {
            int to = Math.min(words.length, w + maxWords);
            out.add(new Unit(
                    String.join(" ", Arrays.copyOfRange(words, w, to)), to - w, offset, paragraph, preformatted));
        }
    }

    static int words(String text) {
        int count = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !inWord) count++;
            inWord = !space;
        }
        return count;
    }
}
