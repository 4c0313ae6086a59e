package dev.breakeven.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.billing.WalletBalance;

/** One JSON shape for a wallet, in {@code /v1/me} and the admin API. Amounts in micros. */
final class WalletView {
    private WalletView() {}

    static ObjectNode json(ObjectMapper mapper, WalletBalance w) {
        ObjectNode node = mapper.createObjectNode();
        node.put("object", "wallet");
        node.put("account_id", w.accountId());
        node.put("available_micros", w.available());
        node.put("paid_micros", w.paid());
        node.put("granted_micros", w.granted());
        node.put("reserved_micros", w.reserved());
        node.put("owed_micros", w.owed());
        return node;
    }
}
