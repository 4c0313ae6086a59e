package dev.breakeven.ledger;

import java.util.Objects;

/**
 * An immutable movement of {@code amount} micros from a debit account to a credit account. Ids are
 * chosen by the caller and derived from what caused the transfer (an event id, a payment id), so
 * that submitting the same fact twice stores it once. Build transfers with the factories.
 *
 * @param id unique id (at most 200 characters)
 * @param debitAccount the account debited; for {@link Phase#POST} and {@link Phase#VOID}, null means
 *     "the pending transfer's"
 * @param creditAccount the account credited; null as for {@code debitAccount}
 * @param amount micros, positive, except a {@link Phase#VOID} which may give 0 (the whole pending
 *     amount is released either way)
 * @param code what the transfer is for ({@code usage}, {@code topup}, {@code grant}, …), for reports
 * @param reference what caused it (an event id, a payment id), or null
 * @param occurredAt epoch millis of the fact it records (an event's own time, so that a late event
 *     falls in its own period)
 * @param phase single-phase, or one of the two phases of a reservation
 * @param pendingId for {@code POST} and {@code VOID}: the pending transfer it resolves
 * @param timeoutAt for {@code PENDING}: epoch millis after which it can no longer be posted and is
 *     voided by {@link Ledger#expirePending}
 */
public record Transfer(
        String id,
        String debitAccount,
        String creditAccount,
        long amount,
        String code,
        String reference,
        long occurredAt,
        Phase phase,
        String pendingId,
        long timeoutAt) {

    /** How a transfer affects balances. */
    public enum Phase {
        /** Moves the amount at once (posted debits and credits). */
        POSTED,
        /** Reserves the amount (pending debits and credits) until posted, voided or timed out. */
        PENDING,
        /** Resolves a pending transfer: posts {@code amount} (at most the pending amount) and releases the rest. */
        POST,
        /** Resolves a pending transfer: releases all of it. */
        VOID;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** @throws IllegalArgumentException for an unknown name */
        public static Phase fromWire(String wire) {
            return Phase.valueOf(wire.toUpperCase(java.util.Locale.ROOT));
        }
    }

    public Transfer {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(phase, "phase");
    }

    public static Transfer posted(
            String id, String debit, String credit, long amount, String code, String reference, long occurredAt) {
        return new Transfer(id, debit, credit, amount, code, reference, occurredAt, Phase.POSTED, null, 0);
    }

    public static Transfer pending(
            String id,
            String debit,
            String credit,
            long amount,
            String code,
            String reference,
            long occurredAt,
            long timeoutAt) {
        return new Transfer(id, debit, credit, amount, code, reference, occurredAt, Phase.PENDING, null, timeoutAt);
    }

    /** Posts {@code amount} of pending transfer {@code pendingId}; the rest of it is released. */
    public static Transfer post(
            String id, String pendingId, long amount, String code, String reference, long occurredAt) {
        return new Transfer(id, null, null, amount, code, reference, occurredAt, Phase.POST, pendingId, 0);
    }

    /** Releases all of pending transfer {@code pendingId}. */
    public static Transfer voiding(String id, String pendingId, String code, String reference, long occurredAt) {
        return new Transfer(id, null, null, 0, code, reference, occurredAt, Phase.VOID, pendingId, 0);
    }

    /** This transfer with the accounts filled in (from its pending transfer) and {@code amount} as stored. */
    Transfer resolved(String debit, String credit, long storedAmount) {
        return new Transfer(id, debit, credit, storedAmount, code, reference, occurredAt, phase, pendingId, timeoutAt);
    }

    /**
     * Whether {@code stored} records the same request as this one: every field this one gives
     * equals the stored one's. Accounts left null on a post or void match the stored ones, and so
     * does a void's amount of 0.
     */
    boolean sameAs(Transfer stored) {
        return id.equals(stored.id)
                && (debitAccount == null
                        ? phase == Phase.POST || phase == Phase.VOID
                        : debitAccount.equals(stored.debitAccount))
                && (creditAccount == null
                        ? phase == Phase.POST || phase == Phase.VOID
                        : creditAccount.equals(stored.creditAccount))
                && (amount == stored.amount || (phase == Phase.VOID && amount == 0))
                && code.equals(stored.code)
                && Objects.equals(reference, stored.reference)
                && occurredAt == stored.occurredAt
                && phase == stored.phase
                && Objects.equals(pendingId, stored.pendingId)
                && timeoutAt == stored.timeoutAt;
    }
}
