package dev.breakeven.knowledge;

import java.util.ArrayList;
import java.util.List;

/** Plain text into paragraphs (separated by blank lines), with no headings. */
final class TextParser {
    private TextParser() {}

    static List<Paragraph> parse(String text) {
        List<Paragraph> out = new ArrayList<>();
        StringBuilder paragraph = new StringBuilder();
        int start = -1;
        int offset = 0;
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (line.isEmpty()) {
                if (!paragraph.isEmpty()) out.add(new Paragraph(0, "", paragraph.toString(), start, false));
                paragraph.setLength(0);
                start = -1;
            } else {
                if (start < 0) start = offset;
                if (!paragraph.isEmpty()) paragraph.append(' ');
                paragraph.append(line);
            }
            offset += raw.length() + 1;
        }
        if (!paragraph.isEmpty()) out.add(new Paragraph(0, "", paragraph.toString(), start, false));
        return out;
    }
}
