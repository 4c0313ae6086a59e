package dev.breakeven.billing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.ledger.Money;
import java.nio.charset.StandardCharsets;

/**
 * An invoice as JSON: snake_case fields in a fixed order, every field always present (null when it
 * does not apply), amounts both as integer micros ({@code amount_micros}) and as decimal text
 * ({@code amount}), times in epoch milliseconds; indented by two spaces, {@code \n} line ends.
 */
final class InvoiceJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter(
                    Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private InvoiceJson() {}

    static byte[] render(Invoice invoice) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("object", "invoice");
        root.put("number", invoice.number());
        root.put("account_id", invoice.accountId());
        root.put("account_name", invoice.accountName());
        root.put("currency", invoice.currency());
        root.put("period", invoice.period().toString());
        root.put("period_start", invoice.periodStart());
        root.put("period_end", invoice.periodEnd());
        root.put("issued_at", invoice.issuedAt());
        ArrayNode lines = root.putArray("lines");
        for (InvoiceLine line : invoice.lines()) lines.add(line(line));
        root.put("input_tokens", invoice.inputTokens());
        root.put("output_tokens", invoice.outputTokens());
        money(root, "subtotal", invoice.subtotalMicros());
        money(root, "credits_applied", invoice.creditsAppliedMicros());
        money(root, "total_due", invoice.totalDueMicros());
        try {
            return (WRITER.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    private static ObjectNode line(InvoiceLine line) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("kind", line.kind().wireName());
        node.put("description", line.description());
        node.put("model", line.model());
        node.put("quantity", line.quantity());
        node.put("input_tokens", line.inputTokens());
        node.put("output_tokens", line.outputTokens());
        money(node, "unit_price", line.unitPriceMicros());
        money(node, "input_price_per_million", line.inputPricePerMillionMicros());
        money(node, "output_price_per_million", line.outputPricePerMillionMicros());
        money(node, "amount", line.amountMicros());
        return node;
    }

    /** {@code <name>_micros} as an integer and {@code <name>} as decimal text; both null for null. */
    private static void money(ObjectNode node, String name, Long micros) {
        node.put(name + "_micros", micros);
        node.put(name, micros == null ? null : Money.format(micros));
    }
}
