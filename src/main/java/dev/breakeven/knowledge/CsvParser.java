package dev.breakeven.knowledge;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser.Feature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A CSV file with a header row into one paragraph per row: {@code column: value} lines, blank
 * values left out. A row's heading is its first column's value. Offsets are where rows start in
 * the file. Throws {@link KnowledgeException} {@code not_text} for malformed CSV.
 */
final class CsvParser {
    private static final CsvMapper MAPPER = new CsvMapper();

    private CsvParser() {}

    static List<Paragraph> parse(String text, String document) {
        List<Paragraph> out = new ArrayList<>();
        try (var parser = MAPPER.getFactory().createParser(text)) {
            parser.enable(Feature.WRAP_AS_ARRAY); // one array per record, blank lines included
            List<Integer> starts = recordStarts(text);
            List<String> header = null;
            int row = 0;
            int record = -1;
            JsonToken token = parser.nextToken(); // the array of rows
            if (token != JsonToken.START_ARRAY) return out;
            while ((token = parser.nextToken()) == JsonToken.START_ARRAY) {
                record++;
                int offset = record < starts.size() ? starts.get(record) : 0;
                List<String> cells = new ArrayList<>();
                while (parser.nextToken() == JsonToken.VALUE_STRING)
                    cells.add(parser.getText().strip());
                if (cells.stream().allMatch(String::isEmpty)) continue;
                if (header == null) {
                    header = cells;
                    continue;
                }
                row++;
                StringBuilder lines = new StringBuilder();
                for (int i = 0; i < cells.size(); i++) {
                    if (cells.get(i).isEmpty()) continue;
                    String name = i < header.size() && !header.get(i).isEmpty() ? header.get(i) : "column " + (i + 1);
                    if (!lines.isEmpty()) lines.append('\n');
                    lines.append(name).append(": ").append(cells.get(i));
                }
                String heading =
                        cells.get(0).isEmpty() ? "row " + row : cells.get(0).replaceAll("\\s+", " ");
                if (heading.length() > 80) heading = heading.substring(0, 79) + "…";
                out.add(new Paragraph(row, heading, lines.toString(), offset, true));
            }
        } catch (IOException | RuntimeException e) {
            throw new KnowledgeException(
                    "not_text", document + ": not a readable CSV file: " + firstLine(e.getMessage()), e);
        }
        return out;
    }

    /**
     * Where each record starts, blank lines included (the parser returns a row for each): after a
     * line break outside quotes. A last line that is empty is no record.
     */
    static List<Integer> recordStarts(String text) {
        List<Integer> starts = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') quoted = !quoted;
            else if (c == '\n' && !quoted) {
                starts.add(start);
                start = i + 1;
            }
        }
        if (start < text.length()) starts.add(start);
        return starts;
    }

    private static String firstLine(String message) {
        if (message == null) return "malformed";
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
