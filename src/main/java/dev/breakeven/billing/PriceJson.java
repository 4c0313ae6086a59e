package dev.breakeven.billing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.ledger.Money;

/** The one JSON shape of a price, shared by the API and the CLI. */
public final class PriceJson {
    private PriceJson() {}

    public static ObjectNode of(ObjectMapper json, Price p) {
        ObjectNode node = json.createObjectNode();
        node.put("id", p.id());
        node.put("object", "price");
        node.put("kind", p.kind().wireName());
        node.put("subject", p.subject());
        node.put("micros", p.micros());
        node.put("amount", Money.format(p.micros()));
        node.put("unit", p.kind().unit().wireName());
        node.put("effective_from", p.effectiveFrom());
        node.put("created_at", p.createdAt());
        node.put("note", p.note());
        return node;
    }
}
