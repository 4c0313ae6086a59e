package dev.breakeven.billing;

import dev.breakeven.ledger.Money;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * An invoice as one self-contained HTML page: inline CSS, no scripts, no external assets, laid out
 * for A4 or Letter paper when printed. Accessible: a language, landmarks, one {@code h1}, a table
 * with a caption and header cells scoped to their columns and rows, amounts right-aligned with
 * tabular figures, text contrast above 7:1. Every piece of text from the invoice is HTML-escaped.
 * Dates are in English and UTC; numbers use {@code ,} for thousands.
 */
final class InvoiceHtml {
    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("d MMMM uuuu", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ISO_DAY =
            DateTimeFormatter.ofPattern("uuuu-MM-dd", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("MMMM uuuu", Locale.ENGLISH);
    private static final String MINUS = "\u2212";

    private static final String STYLE = """
            :root { color: #1a1a1a; background: #fff; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
            body { margin: 0; }
            main { max-width: 60rem; margin: 0 auto; padding: 2.5rem 2rem; }
            h1 { font-size: 1.75rem; margin: 0 0 1.5rem; }
            h1 .number { font-weight: 400; color: #4a4a4a; }
            .parties { display: flex; flex-wrap: wrap; gap: 1.5rem 3rem; justify-content: space-between; margin-bottom: 2rem; }
            dl { display: grid; grid-template-columns: max-content auto; gap: .25rem 1rem; margin: 0; }
            dt { color: #4a4a4a; }
            dd { margin: 0; }
            .due { border: 2px solid #1a1a1a; padding: .75rem 1.25rem; text-align: right; align-self: flex-start; }
            .due p { margin: 0; }
            .due .amount { font-size: 1.6rem; font-weight: 700; }
            table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
            caption { text-align: left; font-weight: 700; font-size: 1.1rem; padding-bottom: .5rem; }
            th, td { padding: .45rem .5rem; vertical-align: top; text-align: left; }
            thead th { border-bottom: 2px solid #1a1a1a; font-weight: 600; }
            tbody td, tbody th { border-bottom: 1px solid #bdbdbd; }
            tbody th { font-weight: 400; }
            .num { text-align: right; white-space: nowrap; }
            .text { white-space: pre-line; overflow-wrap: anywhere; }
            .detail { color: #4a4a4a; font-size: .9em; }
            tfoot th { text-align: right; font-weight: 400; }
            tfoot tr.total th, tfoot tr.total td { font-weight: 700; border-top: 2px solid #1a1a1a; }
            footer { margin-top: 2rem; color: #4a4a4a; font-size: .9em; }
            @page { size: auto; margin: 15mm; }
            @media print {
              :root { font-size: 10.5pt; }
              main { max-width: none; padding: 0; }
              tr { break-inside: avoid; }
              thead { display: table-header-group; }
            }
            """;

    private InvoiceHtml() {}

    static byte[] render(Invoice invoice) {
        StringBuilder h = new StringBuilder(8192);
        String month = MONTH.format(invoice.period());
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.append("<title>Invoice ")
                .append(esc(invoice.number()))
                .append(" \u2013 ")
                .append(esc(invoice.accountName()))
                .append(" \u2013 ")
                .append(esc(month))
                .append("</title>\n");
        h.append("<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n<main>\n");

        h.append("<h1>Invoice <span class=\"number\">")
                .append(esc(invoice.number()))
                .append("</span></h1>\n");
        h.append("<div class=\"parties\">\n<dl>\n");
        term(h, "Billed to", esc(invoice.accountName()));
        term(h, "Account", esc(invoice.accountId()));
        term(h, "Invoice number", esc(invoice.number()));
        term(h, "Issued", time(invoice.issuedAt()));
        term(h, "Period", time(invoice.periodStart()) + " \u2013 " + time(invoice.periodEnd() - 86_400_000L));
        if (invoice.inputTokens() + invoice.outputTokens() > 0) {
            term(h, "Tokens", count(invoice.inputTokens()) + " input, " + count(invoice.outputTokens()) + " output");
        }
        term(h, "Currency", "US dollars (" + esc(invoice.currency()) + ")");
        h.append("</dl>\n");
        h.append("<div class=\"due\"><p>Total due</p><p class=\"amount\">")
                .append(usd(invoice.totalDueMicros()))
                .append("</p></div>\n</div>\n");

        h.append("<table>\n<caption>Charges for ").append(esc(month)).append("</caption>\n");
        h.append("<thead>\n<tr><th scope=\"col\">Type</th><th scope=\"col\">Description</th>"
                + "<th scope=\"col\">Model</th><th scope=\"col\" class=\"num\">Quantity</th>"
                + "<th scope=\"col\" class=\"num\">Unit price</th><th scope=\"col\" class=\"num\">Amount</th></tr>\n"
                + "</thead>\n<tbody>\n");
        if (invoice.lines().isEmpty()) {
            h.append("<tr><td colspan=\"6\">No charges in this period.</td></tr>\n");
        }
        for (InvoiceLine line : invoice.lines()) line(h, line);
        h.append("</tbody>\n<tfoot>\n");
        total(h, "", "Subtotal", usd(invoice.subtotalMicros()));
        total(
                h,
                "",
                "Credits applied",
                invoice.creditsAppliedMicros() == 0 ? usd(0) : usd(-invoice.creditsAppliedMicros()));
        total(h, " class=\"total\"", "Total due", usd(invoice.totalDueMicros()));
        h.append("</tfoot>\n</table>\n");

        h.append("<footer>\n<p>All amounts are in US dollars. Dates are in UTC; the period runs from the"
                + " start of its first day to the end of its last. Usage is rated request by request at the"
                + " prices shown, so a line's amount can differ from its tokens times its price by rounding."
                + "</p>\n</footer>\n");
        h.append("</main>\n</body>\n</html>\n");
        return h.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder h, InvoiceLine line) {
        boolean usage = line.kind() == InvoiceLine.Kind.USAGE;
        h.append("<tr><td>").append(kindLabel(line.kind())).append("</td>");
        h.append("<th scope=\"row\" class=\"text\">").append(esc(line.description()));
        if (usage) {
            h.append("<br><span class=\"detail\">")
                    .append(count(line.inputTokens()))
                    .append(" input + ")
                    .append(count(line.outputTokens()))
                    .append(" output tokens</span>");
        }
        h.append("</th>");
        h.append("<td class=\"text\">")
                .append(line.model() == null ? "" : esc(line.model()))
                .append("</td>");
        h.append("<td class=\"num\">")
                .append(count(line.quantity()))
                .append(usage ? " tokens" : "")
                .append("</td>");
        h.append("<td class=\"num\">");
        if (usage) {
            String in = perMillion(line.inputPricePerMillionMicros(), "input");
            String out = perMillion(line.outputPricePerMillionMicros(), "output");
            h.append(in);
            if (!in.isEmpty() && !out.isEmpty()) h.append("<br>");
            h.append(out);
        } else if (line.unitPriceMicros() != null) {
            h.append(usd(line.unitPriceMicros()));
        }
        h.append("</td>");
        h.append("<td class=\"num\">").append(usd(line.amountMicros())).append("</td></tr>\n");
    }

    private static void term(StringBuilder h, String term, String html) {
        h.append("<dt>").append(term).append("</dt><dd>").append(html).append("</dd>\n");
    }

    private static void total(StringBuilder h, String rowAttributes, String label, String amount) {
        h.append("<tr")
                .append(rowAttributes)
                .append("><th scope=\"row\" colspan=\"5\">")
                .append(label)
                .append("</th><td class=\"num\">")
                .append(amount)
                .append("</td></tr>\n");
    }

    private static String kindLabel(InvoiceLine.Kind kind) {
        return switch (kind) {
            case SUBSCRIPTION -> "Subscription";
            case USAGE -> "Usage";
            case CREDIT -> "Credit";
            case ADJUSTMENT -> "Adjustment";
        };
    }

    private static String perMillion(Long micros, String direction) {
        return micros == null ? "" : usd(micros) + " per 1M " + direction;
    }

    private static String time(long epochMillis) {
        Instant instant = Instant.ofEpochMilli(epochMillis);
        return "<time datetime=\"" + ISO_DAY.format(instant) + "\">" + DAY.format(instant) + "</time>";
    }

    /** {@code $1,234.50}, {@code −$5.00} (with a true minus sign), {@code $0.000150}. */
    static String usd(long micros) {
        String text = Money.format(micros);
        boolean negative = text.startsWith("-");
        if (negative) text = text.substring(1);
        int dot = text.indexOf('.');
        String whole = text.substring(0, dot);
        return (negative ? MINUS : "") + "$" + group(whole) + text.substring(dot);
    }

    private static String count(long n) {
        return group(Long.toString(n));
    }

    private static String group(String digits) {
        StringBuilder out = new StringBuilder(digits.length() + digits.length() / 3);
        for (int i = 0; i < digits.length(); i++) {
            if (i > 0 && (digits.length() - i) % 3 == 0) out.append(',');
            out.append(digits.charAt(i));
        }
        return out.toString();
    }

    /**
     * Text made safe anywhere in the page, in element content and in quoted attributes: the five
     * characters HTML gives meaning to become references, and characters HTML forbids (controls
     * other than tab, LF and CR; unpaired surrogates; noncharacters) become U+FFFD.
     */
    static String esc(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (forbidden(c)) out.append('\uFFFD');
                    else out.appendCodePoint(c);
                }
            }
        }
        return out.toString();
    }

    private static boolean forbidden(int c) {
        if (c == '\t' || c == '\n' || c == '\r') return false;
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return true;
        if (c >= 0xD800 && c <= 0xDFFF) return true; // a lone surrogate
        return (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
    }
}
