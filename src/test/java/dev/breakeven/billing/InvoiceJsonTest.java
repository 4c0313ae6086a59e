package dev.breakeven.billing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.breakeven.ledger.Money;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The JSON form of an invoice, for programs. */
class InvoiceJsonTest {

    @Test
    void sampleInvoice_rendersExactlyThus() {
        String json = new String(InvoiceFormat.JSON.render(SampleInvoices.january()), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("""
                {
                  "object": "invoice",
                  "number": "INV-2026-000001",
                  "account_id": "acct_01JH5Q3",
                  "account_name": "Acme, Inc.",
                  "currency": "USD",
                  "period": "2026-01",
                  "period_start": 1767225600000,
                  "period_end": 1769904000000,
                  "issued_at": 1769925600000,
                  "lines": [
                    {
                      "kind": "subscription",
                      "description": "Pro plan",
                      "model": null,
                      "quantity": 1,
                      "input_tokens": 0,
                      "output_tokens": 0,
                      "unit_price_micros": 20000000,
                      "unit_price": "20.00",
                      "input_price_per_million_micros": null,
                      "input_price_per_million": null,
                      "output_price_per_million_micros": null,
                      "output_price_per_million": null,
                      "amount_micros": 20000000,
                      "amount": "20.00"
                    },
                    {
                      "kind": "usage",
                      "description": "Chat",
                      "model": "assistant",
                      "quantity": 1500000,
                      "input_tokens": 1200000,
                      "output_tokens": 300000,
                      "unit_price_micros": null,
                      "unit_price": null,
                      "input_price_per_million_micros": 500000,
                      "input_price_per_million": "0.50",
                      "output_price_per_million_micros": 1500000,
                      "output_price_per_million": "1.50",
                      "amount_micros": 1050000,
                      "amount": "1.05"
                    },
                    {
                      "kind": "usage",
                      "description": "Chat, large model",
                      "model": "assistant-large",
                      "quantity": 12000,
                      "input_tokens": 10000,
                      "output_tokens": 2000,
                      "unit_price_micros": null,
                      "unit_price": null,
                      "input_price_per_million_micros": null,
                      "input_price_per_million": null,
                      "output_price_per_million_micros": null,
                      "output_price_per_million": null,
                      "amount_micros": 41234,
                      "amount": "0.041234"
                    },
                    {
                      "kind": "adjustment",
                      "description": "Goodwill for the outage of 12 January",
                      "model": null,
                      "quantity": 1,
                      "input_tokens": 0,
                      "output_tokens": 0,
                      "unit_price_micros": null,
                      "unit_price": null,
                      "input_price_per_million_micros": null,
                      "input_price_per_million": null,
                      "output_price_per_million_micros": null,
                      "output_price_per_million": null,
                      "amount_micros": -1000000,
                      "amount": "-1.00"
                    },
                    {
                      "kind": "credit",
                      "description": "Prepaid credits",
                      "model": null,
                      "quantity": 1,
                      "input_tokens": 0,
                      "output_tokens": 0,
                      "unit_price_micros": null,
                      "unit_price": null,
                      "input_price_per_million_micros": null,
                      "input_price_per_million": null,
                      "output_price_per_million_micros": null,
                      "output_price_per_million": null,
                      "amount_micros": -5000000,
                      "amount": "-5.00"
                    }
                  ],
                  "input_tokens": 1210000,
                  "output_tokens": 302000,
                  "subtotal_micros": 20091234,
                  "subtotal": "20.091234",
                  "credits_applied_micros": 5000000,
                  "credits_applied": "5.00",
                  "total_due_micros": 15091234,
                  "total_due": "15.091234"
                }
                """);
    }

    @Test
    void everyAmount_isGivenInMicros_andAsTheSameDecimal() throws Exception {
        JsonNode root = read(SampleInvoices.january());

        for (String total : new String[] {"subtotal", "credits_applied", "total_due"}) {
            assertThat(Money.parse(root.get(total).asText()))
                    .isEqualTo(root.get(total + "_micros").asLong());
        }
        for (JsonNode line : root.get("lines")) {
            assertThat(Money.parse(line.get("amount").asText()))
                    .isEqualTo(line.get("amount_micros").asLong());
        }
    }

    @Test
    void lineAmounts_addUpToTheTotalDue() throws Exception {
        JsonNode root = read(SampleInvoices.january());

        long sum = 0;
        for (JsonNode line : root.get("lines")) sum += line.get("amount_micros").asLong();
        assertThat(sum).isEqualTo(root.get("total_due_micros").asLong());
    }

    @Test
    void anyText_survivesAsIs() throws Exception {
        String name = "<script>alert(\"x\")</script> \\ \u00e9\u4e2d\ud83d\ude00\n\u0000";
        JsonNode root = read(SampleInvoices.with(name, "line, \"quoted\"\nnext"));

        assertThat(root.get("account_name").asText()).isEqualTo(name);
        assertThat(root.at("/lines/0/description").asText()).isEqualTo("line, \"quoted\"\nnext");
    }

    static JsonNode read(Invoice invoice) throws Exception {
        return new ObjectMapper().readTree(InvoiceFormat.JSON.render(invoice));
    }
}
