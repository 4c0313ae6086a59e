package dev.breakeven.app;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table with aligned columns, for the CLI. */
final class Table {
    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = headers;
    }

    void row(Object... cells) {
        String[] row = new String[headers.length];
        for (int i = 0; i < headers.length; i++)
            row[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "-";
        rows.add(row);
    }

    void print(PrintStream out) {
        int[] widths = new int[headers.length];
        for (int i = 0; i < headers.length; i++) widths[i] = headers[i].length();
        for (String[] row : rows) for (int i = 0; i < row.length; i++) widths[i] = Math.max(widths[i], row[i].length());
        line(out, headers, widths);
        for (String[] row : rows) line(out, row, widths);
    }

    private static void line(PrintStream out, String[] cells, int[] widths) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) b.append("  ");
            b.append(cells[i]);
            if (i < cells.length - 1) b.append(" ".repeat(widths[i] - cells[i].length()));
        }
        out.println(b);
    }
}
