package dev.breakeven.ledger;

/**
 * What became of one submitted transfer.
 *
 * @param id the transfer's id
 * @param status created, already there (same content: nothing changed), or refused
 * @param code for a refusal, a stable reason: {@code exists_with_different_content}, {@code
 *     invalid_transfer}, {@code account_not_found}, {@code accounts_must_differ}, {@code
 *     exceeds_credits}, {@code exceeds_debits}, {@code pending_not_found}, {@code
 *     pending_already_posted}, {@code pending_already_voided}, {@code pending_expired}, {@code
 *     exceeds_pending_amount}, {@code linked_transfer_failed} (another transfer of its chain was
 *     refused); null otherwise
 * @param message for a refusal, a sentence for people; null otherwise
 */
public record TransferResult(String id, Status status, String code, String message) {

    public enum Status {
        CREATED,
        EXISTS,
        REFUSED
    }

    public static TransferResult created(String id) {
        return new TransferResult(id, Status.CREATED, null, null);
    }

    public static TransferResult exists(String id) {
        return new TransferResult(id, Status.EXISTS, null, null);
    }

    public static TransferResult refused(String id, String code, String message) {
        return new TransferResult(id, Status.REFUSED, code, message);
    }

    /** Created now or before, with the same content. */
    public boolean ok() {
        return status != Status.REFUSED;
    }
}
