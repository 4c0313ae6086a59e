package dev.breakeven.knowledge;

/** One passage of a document before it is embedded: its ordinal in the document, heading path, text and offset. */
record Chunk(int ordinal, String heading, String text, int offset) {
    /** What is embedded and keyword-indexed: the heading path, then the text. */
    String indexedText() {
        return heading.isEmpty() ? text : heading + "\n" + text;
    }
}
