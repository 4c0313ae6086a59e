package dev.breakeven.billing;

import java.time.Instant;
import java.time.YearMonth;
import java.util.List;

/** Invoices the renderer tests share. */
final class SampleInvoices {
    static final long ISSUED_AT = Instant.parse("2026-02-01T06:00:00Z").toEpochMilli();

    private SampleInvoices() {}

    /** One line of every kind: $20 + $1.05 + $0.041234 − $1 charged, $5 of credit applied. */
    static Invoice january() {
        return Invoice.of(
                "INV-2026-000001",
                "acct_01JH5Q3",
                "Acme, Inc.",
                YearMonth.of(2026, 1),
                ISSUED_AT,
                List.of(
                        InvoiceLine.subscription("Pro plan", 1, 20_000_000),
                        InvoiceLine.usage("Chat", "assistant", 1_200_000, 300_000, 500_000L, 1_500_000L, 1_050_000),
                        InvoiceLine.usage("Chat, large model", "assistant-large", 10_000, 2_000, null, null, 41_234),
                        InvoiceLine.adjustment("Goodwill for the outage of 12 January", -1_000_000),
                        InvoiceLine.credit("Prepaid credits", 5_000_000)));
    }

    /** An invoice with the given account name and one subscription line described as given. */
    static Invoice with(String accountName, String description) {
        return Invoice.of(
                "INV-2026-000002",
                "acct_02",
                accountName,
                YearMonth.of(2026, 1),
                ISSUED_AT,
                List.of(InvoiceLine.subscription(description, 1, 1_500_000)));
    }
}
