package dev.breakeven.billing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CSV form of an invoice, for spreadsheets (RFC 4180). */
class InvoiceCsvTest {
    static final String HEADER = "invoice_number,period,account_id,kind,description,model,input_tokens,output_tokens,"
            + "quantity,unit_price,input_price_per_million,output_price_per_million,amount,amount_micros,currency\r\n";

    @Test
    void sampleInvoice_rendersExactlyThus() {
        assertThat(csv(SampleInvoices.january()))
                .isEqualTo(HEADER
                        + "INV-2026-000001,2026-01,acct_01JH5Q3,subscription,Pro plan,,,,1,20.00,,,20.00,20000000,USD\r\n"
                        + "INV-2026-000001,2026-01,acct_01JH5Q3,usage,Chat,assistant,1200000,300000,1500000,,0.50,1.50,"
                        + "1.05,1050000,USD\r\n"
                        + "INV-2026-000001,2026-01,acct_01JH5Q3,usage,\"Chat, large model\",assistant-large,10000,2000,"
                        + "12000,,,,0.041234,41234,USD\r\n"
                        + "INV-2026-000001,2026-01,acct_01JH5Q3,adjustment,Goodwill for the outage of 12 January,,,,1,,,,"
                        + "-1.00,-1000000,USD\r\n"
                        + "INV-2026-000001,2026-01,acct_01JH5Q3,credit,Prepaid credits,,,,1,,,,-5.00,-5000000,USD\r\n"
                        + "INV-2026-000001,2026-01,acct_01JH5Q3,total,Total due,,,,,,,,15.091234,15091234,USD\r\n");
    }

    @Test
    void everyRow_hasEveryColumn_andTheLinesAddUpToTheTotalRow() throws Exception {
        List<List<String>> rows = parse(csv(SampleInvoices.january()));

        assertThat(rows).hasSize(1 + 5 + 1).allSatisfy(row -> assertThat(row).hasSize(15));
        long lines = rows.subList(1, 6).stream()
                .mapToLong(r -> Long.parseLong(r.get(13)))
                .sum();
        assertThat(rows.getLast().get(3)).isEqualTo("total");
        assertThat(Long.parseLong(rows.getLast().get(13))).isEqualTo(lines).isEqualTo(15_091_234);
    }

    @Test
    void fieldsWithCommasQuotesOrLineBreaks_areQuoted_withQuotesDoubled() throws Exception {
        String description = "Pro plan, \"annual\"\nsecond line\r\nthird";
        String rendered = csv(SampleInvoices.with("Acme", description));

        assertThat(rendered).contains(",\"Pro plan, \"\"annual\"\"\nsecond line\r\nthird\",");
        assertThat(parse(rendered).get(1).get(4)).isEqualTo(description);
    }

    @Test
    void plainFields_areNotQuoted() {
        String rendered = csv(SampleInvoices.with("Acme", "Pro plan: 20% off; it's good #1"));

        assertThat(rendered).contains(",subscription,Pro plan: 20% off; it's good #1,,");
    }

    @Test
    void textThatASpreadsheetWouldRunAsAFormula_isMadeText() throws Exception {
        for (String formula : List.of("=HYPERLINK(\"http://evil\")", "+1", "-1", "@SUM(A1)", "\tx")) {
            List<List<String>> rows = parse(csv(SampleInvoices.with("Acme", formula)));

            assertThat(rows.get(1).get(4)).isEqualTo("'" + formula);
        }
        // amounts are numbers, and stay so
        assertThat(parse(csv(SampleInvoices.january())).get(4).get(12)).isEqualTo("-1.00");
    }

    @Test
    void invoiceWithoutLines_hasTheHeaderAndAZeroTotal() {
        Invoice empty =
                Invoice.of("INV-9", "acct_9", "Acme", YearMonth.of(2026, 1), SampleInvoices.ISSUED_AT, List.of());

        assertThat(csv(empty)).isEqualTo(HEADER + "INV-9,2026-01,acct_9,total,Total due,,,,,,,,0.00,0,USD\r\n");
    }

    @Test
    void nonAsciiText_isUtf8_withoutAByteOrderMark() {
        byte[] bytes = InvoiceFormat.CSV.render(SampleInvoices.with("Acme", "Café \u4e2d"));

        assertThat(bytes[0]).isEqualTo((byte) 'i');
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("Café \u4e2d");
    }

    static String csv(Invoice invoice) {
        return new String(InvoiceFormat.CSV.render(invoice), StandardCharsets.UTF_8);
    }

    /** Reads CSV with an independent reader (Jackson's), as a spreadsheet would. */
    static List<List<String>> parse(String csv) throws Exception {
        CsvMapper mapper = new CsvMapper();
        mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        try (MappingIterator<List<String>> it =
                mapper.readerForListOf(String.class).readValues(csv)) {
            return it.readAll();
        }
    }
}
