package dev.breakeven.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.billing.InvoiceLine.Kind;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An {@link Invoice}'s totals are always those of its lines, and its lines are self-consistent. */
class InvoiceTest {
    static final YearMonth JANUARY = YearMonth.of(2026, 1);
    static final long ISSUED = SampleInvoices.ISSUED_AT;

    @Test
    void totals_areComputedFromTheLines() {
        Invoice invoice = SampleInvoices.january();

        assertThat(invoice.subtotalMicros()).isEqualTo(20_000_000 + 1_050_000 + 41_234 - 1_000_000);
        assertThat(invoice.creditsAppliedMicros()).isEqualTo(5_000_000);
        assertThat(invoice.totalDueMicros()).isEqualTo(15_091_234);
        assertThat(invoice.lines().stream().mapToLong(InvoiceLine::amountMicros).sum())
                .isEqualTo(invoice.totalDueMicros());
        assertThat(invoice.currency()).isEqualTo("USD");
        assertThat(invoice.inputTokens()).isEqualTo(1_210_000);
        assertThat(invoice.outputTokens()).isEqualTo(302_000);
    }

    @Test
    void period_isTheCalendarMonthInUtc_endExclusive() {
        Invoice invoice = SampleInvoices.january();

        assertThat(invoice.periodStart())
                .isEqualTo(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
        assertThat(invoice.periodEnd())
                .isEqualTo(Instant.parse("2026-02-01T00:00:00Z").toEpochMilli());
    }

    @Test
    void totalsThatDisagreeWithTheLines_cannotBeConstructed() {
        Invoice good = SampleInvoices.january();

        assertInvalid(
                () -> copy(good, good.subtotalMicros() + 1, good.creditsAppliedMicros(), good.totalDueMicros() + 1),
                "not those of its lines");
        assertInvalid(() -> copy(good, good.subtotalMicros(), 0, good.subtotalMicros()), "not those of its lines");
        assertInvalid(
                () -> copy(good, good.subtotalMicros(), good.creditsAppliedMicros(), 0), "not those of its lines");
        assertThat(copy(good, good.subtotalMicros(), good.creditsAppliedMicros(), good.totalDueMicros()))
                .isEqualTo(good);
    }

    @Test
    void linesCannotBeChangedAfterwards() {
        List<InvoiceLine> lines = new ArrayList<>(List.of(InvoiceLine.subscription("Pro plan", 1, 20_000_000)));
        Invoice invoice = Invoice.of("INV-1", "acct_1", "Acme", JANUARY, ISSUED, lines);

        lines.add(InvoiceLine.subscription("Sneaked in", 1, 1));
        assertThat(invoice.lines()).hasSize(1);
        assertThat(invoice.lines()).isUnmodifiable();
    }

    @Test
    void invoiceWithNoLines_isDueNothing() {
        Invoice invoice = Invoice.of("INV-1", "acct_1", "Acme", JANUARY, ISSUED, List.of());

        assertThat(invoice.totalDueMicros()).isZero();
        assertThat(invoice.subtotalMicros()).isZero();
    }

    @Test
    void creditsMayCoverTheCharges_butNotExceedThem() {
        InvoiceLine plan = InvoiceLine.subscription("Pro plan", 1, 20_000_000);

        Invoice covered = Invoice.of(
                "INV-1", "acct_1", "Acme", JANUARY, ISSUED, List.of(plan, InvoiceLine.credit("Prepaid", 20_000_000)));
        assertThat(covered.totalDueMicros()).isZero();
        assertInvalid(
                () -> Invoice.of(
                        "INV-1",
                        "acct_1",
                        "Acme",
                        JANUARY,
                        ISSUED,
                        List.of(plan, InvoiceLine.credit("Prepaid", 20_000_001))),
                "more credit than it charges");
        assertInvalid(
                () -> Invoice.of(
                        "INV-1", "acct_1", "Acme", JANUARY, ISSUED, List.of(InvoiceLine.adjustment("Refund", -1))),
                "negative subtotal");
    }

    @Test
    void totalsThatOverflow_areRefused() {
        InvoiceLine huge = InvoiceLine.subscription("Huge", 1, Long.MAX_VALUE);

        assertInvalid(() -> Invoice.of("INV-1", "acct_1", "Acme", JANUARY, ISSUED, List.of(huge, huge)), "too large");
        assertInvalid(() -> InvoiceLine.subscription("Huge", 2, Long.MAX_VALUE), "too large");
        assertInvalid(
                () -> InvoiceLine.usage("Chat", "assistant", Long.MAX_VALUE, 1, null, null, 0), "too many tokens");
    }

    @Test
    void headerFields_areRequired() {
        List<InvoiceLine> none = List.of();

        assertInvalid(() -> Invoice.of(null, "acct_1", "Acme", JANUARY, ISSUED, none), "invoice number");
        assertInvalid(() -> Invoice.of("", "acct_1", "Acme", JANUARY, ISSUED, none), "invoice number");
        assertInvalid(() -> Invoice.of("INV 1", "acct_1", "Acme", JANUARY, ISSUED, none), "invoice number");
        assertInvalid(() -> Invoice.of("INV/1", "acct_1", "Acme", JANUARY, ISSUED, none), "invoice number");
        assertInvalid(() -> Invoice.of("-INV", "acct_1", "Acme", JANUARY, ISSUED, none), "invoice number");
        assertInvalid(() -> Invoice.of("I".repeat(65), "acct_1", "Acme", JANUARY, ISSUED, none), "invoice number");
        assertInvalid(() -> Invoice.of("INV-1", " ", "Acme", JANUARY, ISSUED, none), "no account");
        assertInvalid(() -> Invoice.of("INV-1", "acct_1", null, JANUARY, ISSUED, none), "no account name");
        assertInvalid(() -> Invoice.of("INV-1", "acct_1", "Acme", null, ISSUED, none), "no period");
        assertInvalid(() -> Invoice.of("INV-1", "acct_1", "Acme", YearMonth.of(1969, 12), 0, none), "1970 to 9999");
        assertInvalid(() -> Invoice.of("INV-1", "acct_1", "Acme", JANUARY, ISSUED, null), "no list of lines");
        assertInvalid(
                () -> Invoice.of("INV-1", "acct_1", "Acme", JANUARY, ISSUED, Arrays.asList((InvoiceLine) null)),
                "empty line");
        assertInvalid(
                () -> Invoice.of(
                        "INV-1",
                        "acct_1",
                        "Acme",
                        JANUARY,
                        Instant.parse("2025-12-31T23:59:59Z").toEpochMilli(),
                        none),
                "issued before its period");
        assertInvalid(
                () -> new Invoice("INV-1", "acct_1", "Acme", JANUARY, ISSUED, "EUR", none, 0, 0, 0), "not in USD");
        // an invoice issued during its own period (an interim invoice) is fine
        assertThat(Invoice.of(
                        "INV-1",
                        "acct_1",
                        "Acme",
                        JANUARY,
                        Instant.parse("2026-01-01T00:00:00Z").toEpochMilli(),
                        none))
                .isNotNull();
    }

    @Test
    void factories_setTheLineFields() {
        assertThat(InvoiceLine.subscription("Pro plan", 3, 20_000_000))
                .isEqualTo(new InvoiceLine(
                        Kind.SUBSCRIPTION, "Pro plan", null, 3, 20_000_000L, 60_000_000, 0, 0, null, null));
        assertThat(InvoiceLine.usage("Chat", "assistant", 1_000, 500, 500_000L, 1_500_000L, 1_250))
                .isEqualTo(new InvoiceLine(
                        Kind.USAGE, "Chat", "assistant", 1_500, null, 1_250, 1_000, 500, 500_000L, 1_500_000L));
        assertThat(InvoiceLine.credit("Prepaid", 5_000_000))
                .isEqualTo(new InvoiceLine(Kind.CREDIT, "Prepaid", null, 1, null, -5_000_000, 0, 0, null, null));
        assertThat(InvoiceLine.adjustment("Goodwill", -1_000_000))
                .isEqualTo(new InvoiceLine(Kind.ADJUSTMENT, "Goodwill", null, 1, null, -1_000_000, 0, 0, null, null));
        assertThat(Kind.SUBSCRIPTION.wireName()).isEqualTo("subscription");
    }

    @Test
    void linesThatContradictThemselves_areRefused() {
        assertInvalid(() -> new InvoiceLine(null, "x", null, 1, null, 0, 0, 0, null, null), "no kind");
        assertInvalid(() -> InvoiceLine.adjustment(" ", 0), "no description");
        assertInvalid(() -> InvoiceLine.subscription("Pro", 1, -1), "negative amount");
        assertInvalid(() -> InvoiceLine.subscription("Pro", 0, 1), "quantity below 1");
        assertInvalid(
                () -> new InvoiceLine(Kind.SUBSCRIPTION, "Pro", null, 2, 10L, 21, 0, 0, null, null),
                "is not its amount");
        assertInvalid(() -> InvoiceLine.credit("Prepaid", -1), "negative credit");
        assertInvalid(() -> new InvoiceLine(Kind.CREDIT, "Prepaid", null, 1, null, 1, 0, 0, null, null), "charges");
        assertInvalid(
                () -> new InvoiceLine(Kind.CREDIT, "Prepaid", "assistant", 1, null, -1, 0, 0, null, null),
                "only usage lines");
        assertInvalid(
                () -> new InvoiceLine(Kind.ADJUSTMENT, "Fix", null, 1, null, 1, 5, 0, null, null), "only usage lines");
        assertInvalid(
                () -> new InvoiceLine(Kind.ADJUSTMENT, "Fix", null, 1, null, 1, 0, 0, 1L, null), "only usage lines");
    }

    @Test
    void usageLinesThatContradictThemselves_areRefused() {
        assertInvalid(() -> InvoiceLine.usage("Chat", null, 1, 1, null, null, 0), "names no model");
        assertInvalid(() -> InvoiceLine.usage("Chat", "assistant", -1, 1, null, null, 0), "negative tokens");
        assertInvalid(() -> InvoiceLine.usage("Chat", "assistant", 1, 1, -1L, null, 0), "negative price");
        assertInvalid(() -> InvoiceLine.usage("Chat", "assistant", 1, 1, null, null, -1), "negative amount");
        assertInvalid(
                () -> new InvoiceLine(Kind.USAGE, "Chat", "assistant", 3, null, 0, 1, 1, null, null),
                "not input plus output");
        assertInvalid(
                () -> new InvoiceLine(Kind.USAGE, "Chat", "assistant", 2, 1L, 2, 1, 1, null, null), "per million");
    }

    static Invoice copy(Invoice i, long subtotal, long credits, long totalDue) {
        return new Invoice(
                i.number(),
                i.accountId(),
                i.accountName(),
                i.period(),
                i.issuedAt(),
                i.currency(),
                i.lines(),
                subtotal,
                credits,
                totalDue);
    }

    static void assertInvalid(Runnable action, String mention) {
        try {
            action.run();
        } catch (BillingException e) {
            assertThat(e.code()).isEqualTo("invalid_invoice");
            assertThat(e.getMessage()).contains(mention);
            return;
        }
        throw new AssertionError("expected invalid_invoice mentioning '" + mention + "'");
    }
}
