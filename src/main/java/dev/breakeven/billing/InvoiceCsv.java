package dev.breakeven.billing;

import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.breakeven.ledger.Money;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * An invoice as CSV (RFC 4180): a header row, one row per line, then a {@code total} row whose
 * amount is the total due. Every row repeats the invoice number, period and account, so the rows
 * of many invoices can be put in one sheet. Lines end in CRLF; a field is quoted when it holds a
 * comma, a double quote, CR or LF, with quotes doubled. Amounts appear as decimal text ({@code
 * amount}) and integer micros ({@code amount_micros}).
 *
 * <p>A description or model that begins with {@code =}, {@code +}, {@code -}, {@code @}, a tab or
 * CR gets a leading apostrophe, so a spreadsheet shows it as text instead of running it as a
 * formula (OWASP's advice against CSV injection). The JSON format carries such text unchanged.
 */
final class InvoiceCsv {
    static final List<String> HEADER = List.of(
            "invoice_number",
            "period",
            "account_id",
            "kind",
            "description",
            "model",
            "input_tokens",
            "output_tokens",
            "quantity",
            "unit_price",
            "input_price_per_million",
            "output_price_per_million",
            "amount",
            "amount_micros",
            "currency");

    /** Quotes a field only when it must (RFC 4180); CRLF after every row. */
    private static final ObjectWriter WRITER = CsvMapper.builder()
            .enable(CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING)
            .build()
            .writer(CsvSchema.emptySchema().withLineSeparator("\r\n"));

    private InvoiceCsv() {}

    static byte[] render(Invoice invoice) {
        StringWriter out = new StringWriter();
        try (SequenceWriter rows = WRITER.writeValues(out)) {
            row(rows, HEADER);
            for (InvoiceLine line : invoice.lines()) {
                boolean usage = line.kind() == InvoiceLine.Kind.USAGE;
                row(
                        rows,
                        Arrays.asList(
                                invoice.number(),
                                invoice.period().toString(),
                                invoice.accountId(),
                                line.kind().wireName(),
                                text(line.description()),
                                text(line.model()),
                                usage ? Long.toString(line.inputTokens()) : null,
                                usage ? Long.toString(line.outputTokens()) : null,
                                Long.toString(line.quantity()),
                                money(line.unitPriceMicros()),
                                money(line.inputPricePerMillionMicros()),
                                money(line.outputPricePerMillionMicros()),
                                Money.format(line.amountMicros()),
                                Long.toString(line.amountMicros()),
                                invoice.currency()));
            }
            String[] total = new String[HEADER.size()];
            total[0] = invoice.number();
            total[1] = invoice.period().toString();
            total[2] = invoice.accountId();
            total[3] = "total";
            total[4] = "Total due";
            total[12] = Money.format(invoice.totalDueMicros());
            total[13] = Long.toString(invoice.totalDueMicros());
            total[14] = invoice.currency();
            row(rows, Arrays.asList(total));
        } catch (IOException e) {
            throw new UncheckedIOException("writing CSV to memory failed", e);
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One record; a null field is written as an empty one (Jackson would leave it out). */
    private static void row(SequenceWriter rows, List<String> fields) throws IOException {
        rows.write(fields.stream().map(f -> f == null ? "" : f).toList());
    }

    /** Free text, kept from being read as a spreadsheet formula. */
    static String text(String value) {
        if (value == null || value.isEmpty()) return value;
        char first = value.charAt(0);
        boolean formula =
                first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r';
        return formula ? "'" + value : value;
    }

    private static String money(Long micros) {
        return micros == null ? null : Money.format(micros);
    }
}
