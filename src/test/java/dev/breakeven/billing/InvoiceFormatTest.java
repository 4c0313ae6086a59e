package dev.breakeven.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.TimeZone;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every format renders deterministically: running invoices again changes no byte. */
class InvoiceFormatTest {

    @ParameterizedTest
    @EnumSource(InvoiceFormat.class)
    void sameInvoice_givesTheSameBytes(InvoiceFormat format) {
        byte[] first = format.render(SampleInvoices.january());

        assertThat(format.render(SampleInvoices.january())).isEqualTo(first);
        assertThat(format.render(SampleInvoices.january())).isEqualTo(format.render(SampleInvoices.january()));
    }

    @ParameterizedTest
    @EnumSource(InvoiceFormat.class)
    void output_doesNotDependOnTheMachinesLocaleOrTimeZone(InvoiceFormat format) {
        byte[] expected = format.render(SampleInvoices.january());
        Locale locale = Locale.getDefault();
        TimeZone zone = TimeZone.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("de-DE"));
            TimeZone.setDefault(TimeZone.getTimeZone("Pacific/Kiritimati"));
            assertThat(format.render(SampleInvoices.january())).isEqualTo(expected);
            Locale.setDefault(Locale.forLanguageTag("ar-EG-u-nu-arab"));
            TimeZone.setDefault(TimeZone.getTimeZone("America/Los_Angeles"));
            assertThat(format.render(SampleInvoices.january())).isEqualTo(expected);
        } finally {
            Locale.setDefault(locale);
            TimeZone.setDefault(zone);
        }
    }

    @ParameterizedTest
    @EnumSource(InvoiceFormat.class)
    void eachFormat_namesItsFileAndMediaType(InvoiceFormat format) {
        assertThat(format.fileName(SampleInvoices.january())).isEqualTo("INV-2026-000001." + format.extension());
        assertThat(format.mediaType())
                .isEqualTo(
                        switch (format) {
                            case JSON -> "application/json";
                            case CSV -> "text/csv; charset=utf-8; header=present";
                            case HTML -> "text/html; charset=utf-8";
                        });
    }
}
