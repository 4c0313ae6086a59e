package dev.breakeven.ledger;

/**
 * A transfer as the ledger holds it: accounts resolved, amount as applied (for a void, the amount
 * released).
 *
 * @param transfer the transfer
 * @param recordedAt epoch millis when the ledger stored it
 * @param chainId the id of the first transfer of its linked chain, or null if it was submitted alone
 */
public record StoredTransfer(Transfer transfer, long recordedAt, String chainId) {
    public String id() {
        return transfer.id();
    }
}
