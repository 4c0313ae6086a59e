package dev.breakeven.knowledge;

/**
 * Where a passage comes from: the {@code document} (its path relative to the folder that was
 * ingested, or its file name), the {@code heading} path above it ("Plans > Plus", empty if none),
 * its {@code passage} number in the document (from 1) and the {@code offset} of its first character
 * in the document's text (in the text extracted from HTML; where the row starts in CSV).
 */
public record Citation(String document, String heading, int passage, int offset) {
    /** "docs/plans.md › Plans > Plus", for people. */
    public String label() {
        return heading.isEmpty() ? document : document + " › " + heading;
    }
}
