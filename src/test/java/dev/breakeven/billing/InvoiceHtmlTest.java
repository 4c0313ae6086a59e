package dev.breakeven.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.util.List;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

/** The HTML form of an invoice: one printable, accessible page that needs nothing else. */
class InvoiceHtmlTest {

    @Test
    void page_showsTheInvoice() {
        Document page = page(SampleInvoices.january());

        assertThat(page.title()).isEqualTo("Invoice INV-2026-000001 \u2013 Acme, Inc. \u2013 January 2026");
        assertThat(page.select("h1").text()).isEqualTo("Invoice INV-2026-000001");
        assertThat(terms(page))
                .containsExactly(
                        "Billed to: Acme, Inc.",
                        "Account: acct_01JH5Q3",
                        "Invoice number: INV-2026-000001",
                        "Issued: 1 February 2026",
                        "Period: 1 January 2026 \u2013 31 January 2026",
                        "Tokens: 1,210,000 input, 302,000 output",
                        "Currency: US dollars (USD)");
        assertThat(page.select(".due").text()).isEqualTo("Total due $15.091234");
    }

    @Test
    void table_hasOneRowPerLine_andTheTotals() {
        Document page = page(SampleInvoices.january());

        assertThat(page.select("table caption").text()).isEqualTo("Charges for January 2026");
        assertThat(rows(page, "thead tr"))
                .containsExactly(List.of("Type", "Description", "Model", "Quantity", "Unit price", "Amount"));
        assertThat(rows(page, "tbody tr"))
                .containsExactly(
                        List.of("Subscription", "Pro plan", "", "1", "$20.00", "$20.00"),
                        List.of(
                                "Usage",
                                "Chat 1,200,000 input + 300,000 output tokens",
                                "assistant",
                                "1,500,000 tokens",
                                "$0.50 per 1M input $1.50 per 1M output",
                                "$1.05"),
                        List.of(
                                "Usage",
                                "Chat, large model 10,000 input + 2,000 output tokens",
                                "assistant-large",
                                "12,000 tokens",
                                "",
                                "$0.041234"),
                        List.of("Adjustment", "Goodwill for the outage of 12 January", "", "1", "", "\u2212$1.00"),
                        List.of("Credit", "Prepaid credits", "", "1", "", "\u2212$5.00"));
        assertThat(rows(page, "tfoot tr"))
                .containsExactly(
                        List.of("Subtotal", "$20.091234"),
                        List.of("Credits applied", "\u2212$5.00"),
                        List.of("Total due", "$15.091234"));
    }

    @Test
    void largeAmounts_areGroupedByThousands() {
        Invoice invoice = Invoice.of(
                "INV-3",
                "acct_3",
                "Acme",
                YearMonth.of(2026, 1),
                SampleInvoices.ISSUED_AT,
                List.of(InvoiceLine.subscription("Enterprise", 1_000, 1_234_567_890)));

        assertThat(page(invoice).select(".due .amount").text()).isEqualTo("$1,234,567.89");
        assertThat(InvoiceHtml.usd(-1_000_000_000_000L)).isEqualTo("\u2212$1,000,000.00");
        assertThat(InvoiceHtml.usd(150)).isEqualTo("$0.00015");
    }

    @Test
    void hostileText_isEscaped_andShownAsText() {
        String name = "<script>alert('pwned')</script>";
        String description = "\"><img src=x onerror=alert(1)> & <b>bold</b>";
        String html = html(SampleInvoices.with(name, description));
        Document page = Jsoup.parse(html);

        assertThat(html).doesNotContain("<script>").doesNotContain("<img").doesNotContain("<b>");
        assertThat(html).contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;");
        assertThat(page.select("script, img, b")).isEmpty();
        assertThat(page.title()).contains(name);
        assertThat(terms(page)).contains("Billed to: " + name);
        assertThat(page.select("tbody th").text()).isEqualTo(description);
    }

    @Test
    void charactersHtmlForbids_becomeReplacementCharacters() {
        assertThat(InvoiceHtml.esc("a\u0000b\u0007c\u007fd\u0085e\ud800f\uffffg\tline\nbreak"))
                .isEqualTo("a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg\tline\nbreak");
        assertThat(InvoiceHtml.esc("\ud83d\ude00 caf\u00e9")).isEqualTo("\ud83d\ude00 caf\u00e9");
    }

    @Test
    void page_isSelfContained() {
        Document page = page(SampleInvoices.january());

        assertThat(page.select("script, link, img, iframe, object, embed, svg image"))
                .isEmpty();
        assertThat(page.select("[src], [href]")).isEmpty();
        assertThat(page.select("style").html()).doesNotContain("url(").doesNotContain("@import");
        assertThat(page.select("meta[charset]").attr("charset")).isEqualTo("utf-8");
        assertThat(html(SampleInvoices.january())).startsWith("<!DOCTYPE html>\n");
    }

    @Test
    void page_isAccessible_andPrintable() {
        Document page = page(SampleInvoices.january());

        assertThat(page.select("html").attr("lang")).isEqualTo("en");
        assertThat(page.select("main")).hasSize(1);
        assertThat(page.select("h1")).hasSize(1);
        assertThat(page.select("thead th"))
                .allSatisfy(th -> assertThat(th.attr("scope")).isEqualTo("col"));
        assertThat(page.select("tbody tr"))
                .allSatisfy(tr -> assertThat(tr.select("th[scope=row]")).hasSize(1));
        assertThat(page.select("tfoot th"))
                .allSatisfy(th -> assertThat(th.attr("scope")).isEqualTo("row"));
        assertThat(page.select("time").eachAttr("datetime")).containsExactly("2026-02-01", "2026-01-01", "2026-01-31");
        assertThat(page.select("style").html()).contains("@media print").contains("@page");
    }

    @Test
    void invoiceWithoutLines_saysSo() {
        Invoice empty =
                Invoice.of("INV-9", "acct_9", "Acme", YearMonth.of(2026, 2), SampleInvoices.ISSUED_AT, List.of());
        Document page = page(empty);

        assertThat(page.select("tbody").text()).isEqualTo("No charges in this period.");
        assertThat(terms(page)).contains("Period: 1 February 2026 \u2013 28 February 2026");
        assertThat(terms(page)).noneMatch(term -> term.startsWith("Tokens"));
        assertThat(page.select(".due .amount").text()).isEqualTo("$0.00");
    }

    static String html(Invoice invoice) {
        return new String(InvoiceFormat.HTML.render(invoice), StandardCharsets.UTF_8);
    }

    static Document page(Invoice invoice) {
        return Jsoup.parse(html(invoice));
    }

    /** The header's {@code dt: dd} pairs, as text. */
    static List<String> terms(Document page) {
        return page.select("dt").stream()
                .map(dt -> dt.text() + ": " + dt.nextElementSibling().text())
                .toList();
    }

    /** Each row's cells as text; a line break reads as a space. */
    static List<List<String>> rows(Document page, String selector) {
        return page.select(selector).stream()
                .map(tr -> tr.children().stream().map(Element::text).toList())
                .toList();
    }
}
