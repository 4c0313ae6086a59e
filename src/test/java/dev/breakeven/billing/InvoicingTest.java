package dev.breakeven.billing;

import static dev.breakeven.billing.BillingStack.usage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.ledger.AccountKind;
import dev.breakeven.ledger.StoredTransfer;
import dev.breakeven.ledger.Transfer;
import dev.breakeven.ledger.TransferQuery;
import dev.breakeven.metering.UsageEvent.Outcome;
import dev.breakeven.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Invoices on each engine: totals from the ledger, gap-free numbers, idempotent runs, late events. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class InvoicingTest {
    static final YearMonth OCT = YearMonth.of(2026, 10);
    static final long OCT_START = Invoicing.startOf(OCT);
    static final long NOV_START = Invoicing.endOf(OCT);

    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    BillingStack s;
    Invoicing invoicing;
    JdbiInvoiceRepository repository;

    @BeforeEach
    void open() {
        s = new BillingStack(engine, dir);
        s.clock.set(OCT_START);
        s.price("assistant", 1_000_000, 2_000_000, 0);
        s.price("large", 5_000_000, 15_000_000, 0);
        repository = new JdbiInvoiceRepository(s.opened.db());
        invoicing = new Invoicing(s.ledger, s.journal, s.prices, repository);
    }

    @AfterEach
    void close() {
        s.close();
    }

    /** Usage in October for acc_a (partly paid by credits, rest owed) and acc_b (all owed). */
    void october() {
        s.wallets.grant("acc_a", 1_000, "g1", null, OCT_START);
        s.wallets.topUp("acc_a", 2_000, "stripe", "evt_1", OCT_START);
        s.append(
                usage("a1", "acc_a", "assistant", 1_000, 500, OCT_START + 10, Outcome.COMPLETED), // 2,000
                usage("a2", "acc_a", "large", 100, 100, OCT_START + 20, Outcome.COMPLETED), // 500 + 1,500
                usage("a3", "acc_a", "assistant", 999, 999, OCT_START + 30, Outcome.FAILED), // 0
                usage("b1", "acc_b", "assistant", 3_000, 0, OCT_START + 40, Outcome.COMPLETED)); // 3,000
        s.rater.drain();
    }

    long usageLegs(String account, AccountKind from) {
        long sum = 0;
        for (StoredTransfer t :
                s.ledger.transfers(TransferQuery.ofAccount(from.account(account).id()))) {
            Transfer x = t.transfer();
            if (x.code().equals("usage")
                    && x.phase() != Transfer.Phase.VOID
                    && x.debitAccount().equals(from.account(account).id())) sum += x.amount();
        }
        return sum;
    }

    @Test
    void invoiceTotals_equalTheLedger() {
        october();
        s.clock.set(NOV_START + 3_600_000);

        List<IssuedInvoice> issued = invoicing.run(OCT, id -> "name of " + id, s.clock.millis());

        assertThat(issued).extracting(IssuedInvoice::accountId).containsExactly("acc_a", "acc_b");
        IssuedInvoice a = issued.get(0);
        long charged = usageLegs("acc_a", AccountKind.USER_WALLET_GRANTED)
                + usageLegs("acc_a", AccountKind.USER_WALLET_PAID)
                + usageLegs("acc_a", AccountKind.USER_RECEIVABLE);
        assertThat(a.subtotal()).isEqualTo(charged).isEqualTo(4_000);
        assertThat(a.credits()).isEqualTo(3_000);
        assertThat(a.totalDue()).isEqualTo(s.wallets.balance("acc_a").owed()).isEqualTo(1_000);
        assertThat(issued.get(1).totalDue())
                .isEqualTo(s.wallets.balance("acc_b").owed())
                .isEqualTo(3_000);
        String json = new String(a.documents().get(InvoiceFormat.JSON), StandardCharsets.UTF_8);
        assertThat(json).contains("\"model\": \"large\"").contains("Granted credits applied");
    }

    @Test
    void runningAPeriodTwice_changesNothing_andNumbersHaveNoGaps() {
        october();
        s.clock.set(NOV_START + 1_000);
        List<IssuedInvoice> first = invoicing.run(OCT, id -> id, s.clock.millis());
        s.clock.set(NOV_START + 90_000_000);
        s.append(usage("a-late", "acc_a", "assistant", 1_000, 0, OCT_START + 50, Outcome.COMPLETED));
        s.rater.drain();

        List<IssuedInvoice> second = invoicing.run(OCT, id -> id, s.clock.millis());

        assertThat(first).extracting(IssuedInvoice::number).containsExactly("INV-2026-000001", "INV-2026-000002");
        assertThat(second)
                .extracting(IssuedInvoice::number)
                .isEqualTo(first.stream().map(IssuedInvoice::number).toList());
        for (int i = 0; i < first.size(); i++) {
            for (InvoiceFormat f : InvoiceFormat.values()) {
                assertThat(second.get(i).documents().get(f))
                        .isEqualTo(first.get(i).documents().get(f));
            }
        }
    }

    @Test
    void lateEvent_ofAnInvoicedMonth_isChargedOnTheNextInvoice() {
        october();
        s.clock.set(NOV_START + 1_000);
        invoicing.run(OCT, id -> id, s.clock.millis());
        s.clock.set(NOV_START + 5_000_000);
        s.append(usage("a-late", "acc_a", "assistant", 1_000, 0, OCT_START + 50, Outcome.COMPLETED)); // 1,000, owed
        s.rater.drain();
        s.clock.set(Invoicing.endOf(OCT.plusMonths(1)) + 1_000);

        List<IssuedInvoice> november = invoicing.run(OCT.plusMonths(1), id -> id, s.clock.millis());

        assertThat(november).hasSize(1);
        assertThat(november.get(0).number()).isEqualTo("INV-2026-000003");
        assertThat(november.get(0).totalDue()).isEqualTo(1_000);
        assertThat(new String(november.get(0).documents().get(InvoiceFormat.CSV), StandardCharsets.UTF_8))
                .contains("from earlier periods");
        long dueOnInvoices = repository.ofAccount("acc_a").stream()
                .mapToLong(IssuedInvoice::totalDue)
                .sum();
        assertThat(dueOnInvoices).isEqualTo(s.wallets.balance("acc_a").owed());
    }

    @Test
    void reversal_isAnAdjustment_andTheTotalStillEqualsTheReceivable() {
        october();
        s.ledger.submitOrThrow(List.of(Transfer.posted(
                "reverse:usage:b1:r",
                "revenue:compute",
                "receivable:acc_b",
                3_000,
                "correction",
                "usage:b1:r",
                OCT_START + 100)));
        s.clock.set(NOV_START + 3_600_000);

        IssuedInvoice b = invoicing.run(OCT, id -> id, s.clock.millis()).get(1);

        assertThat(b.subtotal()).isZero();
        assertThat(b.totalDue()).isZero().isEqualTo(s.wallets.balance("acc_b").owed());
    }

    @Test
    void aPeriodNotOver_cannotBeIssued_butCanBeDrafted() {
        october();
        s.clock.set(NOV_START - 1);

        assertThatThrownBy(() -> invoicing.run(OCT, id -> id, s.clock.millis()))
                .isInstanceOfSatisfying(
                        BillingException.class, e -> assertThat(e.code()).isEqualTo("period_not_over"));
        Invoice draft = invoicing.draft("acc_a", "A", OCT, s.clock.millis()).orElseThrow();
        assertThat(draft.number()).startsWith("DRAFT-");
        assertThat(draft.totalDueMicros()).isEqualTo(1_000);
        assertThat(repository.ofPeriod(OCT.toString())).isEmpty();
    }
}
