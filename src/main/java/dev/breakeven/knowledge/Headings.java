package dev.breakeven.knowledge;

import java.util.ArrayList;
import java.util.List;

/** The headings above the current point of a document, levels 0 (a page title) to 6. */
final class Headings {
    private final String[] levels = new String[7];
    private int section;

    /** Sets the heading of {@code level} and forgets the deeper ones; starts a new section. */
    void set(int level, String text) {
        levels[level] = text.strip();
        for (int i = level + 1; i < levels.length; i++) levels[i] = null;
        section++;
    }

    int section() {
        return section;
    }

    /** "Plans > Plus": the headings from the top, blank ones and repeats of the one above left out. */
    String path() {
        List<String> parts = new ArrayList<>();
        for (String level : levels) {
            if (level == null || level.isEmpty()) continue;
            if (!parts.isEmpty() && parts.getLast().equals(level)) continue;
            parts.add(level);
        }
        return String.join(" > ", parts);
    }
}
