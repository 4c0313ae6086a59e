package dev.breakeven.knowledge;

/**
 * One block of text as a parser found it. {@code section} numbers the runs of text under one
 * heading (or one CSV row): the chunker packs paragraphs of one section together, never across
 * sections. {@code offset} is the block's first character in the document's text. {@code
 * preformatted} text (code, tables, CSV rows) keeps its line breaks.
 */
record Paragraph(int section, String heading, String text, int offset, boolean preformatted) {}
