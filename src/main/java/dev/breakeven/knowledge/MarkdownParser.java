package dev.breakeven.knowledge;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Markdown into paragraphs under their headings: ATX ({@code ## Plans}) and setext headings, fenced
 * code kept whole, tables and list items kept line by line, front matter and HTML comments left out.
 * Other syntax stays in the text as written.
 */
final class MarkdownParser {
    private static final Pattern ATX = Pattern.compile("^ {0,3}(#{1,6})(?:[ \\t]+(.*?))?(?:[ \\t]+#+)?[ \\t]*$");
    private static final Pattern FENCE = Pattern.compile("^ {0,3}(```+|~~~+)");
    private static final Pattern LIST_ITEM = Pattern.compile("^\\s*(?:[-*+]|\\d{1,9}[.)])\\s+\\S.*");
    private static final Pattern SETEXT_1 = Pattern.compile("^ {0,3}=+\\s*$");
    private static final Pattern SETEXT_2 = Pattern.compile("^ {0,3}-+\\s*$");
    private static final Pattern RULE = Pattern.compile("^ {0,3}([-*_])(?:[ \\t]*\\1){2,}[ \\t]*$");

    private final Headings headings = new Headings();
    private final List<Paragraph> out = new ArrayList<>();
    private final StringBuilder paragraph = new StringBuilder();
    private int paragraphOffset = -1;
    private int paragraphLines;
    private boolean table;

    static List<Paragraph> parse(String text) {
        return new MarkdownParser().run(text);
    }

    private List<Paragraph> run(String text) {
        String[] lines = text.split("\n", -1);
        int offset = 0;
        int i = 0;
        if (lines.length > 0 && lines[0].strip().equals("---")) { // front matter
            for (int j = 1; j < lines.length; j++) {
                if (lines[j].strip().equals("---") || lines[j].strip().equals("...")) {
                    for (int k = 0; k <= j; k++) offset += lines[k].length() + 1;
                    i = j + 1;
                    break;
                }
            }
        }
        boolean comment = false;
        for (; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            int lineOffset = offset;
            offset += lines[i].length() + 1;
            if (comment) {
                if (line.contains("-->")) comment = false;
                continue;
            }
            if (line.strip().startsWith("<!--")) {
                if (!line.contains("-->")) comment = true;
                continue;
            }
            Matcher fence = FENCE.matcher(line);
            if (fence.find()) {
                flush();
                String marker = fence.group(1);
                StringBuilder code = new StringBuilder();
                int codeOffset = offset;
                for (i++; i < lines.length; i++) {
                    String l = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
                    offset += lines[i].length() + 1;
                    if (l.strip().startsWith(marker)) break;
                    if (!code.isEmpty()) code.append('\n');
                    code.append(l);
                }
                if (!code.toString().isBlank())
                    out.add(new Paragraph(headings.section(), headings.path(), code.toString(), codeOffset, true));
                continue;
            }
            Matcher atx = ATX.matcher(line);
            if (atx.matches()) {
                flush();
                headings.set(atx.group(1).length(), atx.group(2) == null ? "" : atx.group(2));
                continue;
            }
            if (paragraphLines == 1
                    && !table
                    && (SETEXT_1.matcher(line).matches()
                            || SETEXT_2.matcher(line).matches())) {
                String title = paragraph.toString();
                paragraph.setLength(0);
                paragraphLines = 0;
                paragraphOffset = -1;
                headings.set(SETEXT_1.matcher(line).matches() ? 1 : 2, title);
                continue;
            }
            if (line.isBlank() || RULE.matcher(line).matches()) {
                flush();
                continue;
            }
            boolean tableLine = line.strip().startsWith("|");
            if (LIST_ITEM.matcher(line).matches() || tableLine != table) flush();
            table = tableLine;
            append(line, lineOffset);
        }
        flush();
        return out;
    }

    private void append(String line, int offset) {
        if (paragraphOffset < 0) paragraphOffset = offset;
        if (!paragraph.isEmpty()) paragraph.append(table ? '\n' : ' ');
        paragraph.append(line.strip());
        paragraphLines++;
    }

    private void flush() {
        String text = paragraph.toString().strip();
        if (!text.isEmpty()) out.add(new Paragraph(headings.section(), headings.path(), text, paragraphOffset, table));
        paragraph.setLength(0);
        paragraphLines = 0;
        paragraphOffset = -1;
        table = false;
    }
}
