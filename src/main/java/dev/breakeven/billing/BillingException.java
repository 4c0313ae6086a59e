package dev.breakeven.billing;

/**
 * A billing operation was refused. The message is fit to show to a user; it never contains a
 * secret. Codes are stable:
 *
 * <ul>
 *   <li>{@code signature_missing}: a webhook came without a {@code Stripe-Signature} header, or
 *       the header holds no {@code v1} signature
 *   <li>{@code signature_malformed}: the signature header cannot be read
 *   <li>{@code signature_mismatch}: no {@code v1} signature matches the body under any configured
 *       secret
 *   <li>{@code signature_expired}: the signature is genuine but its timestamp is outside the
 *       tolerance (a replay, or a clock that is off)
 *   <li>{@code malformed_event}: a verified webhook body is not an event Breakeven can read; the
 *       message names the field
 *   <li>{@code unsupported_currency}: a payment in a currency other than USD
 *   <li>{@code insufficient_funds}: a wallet cannot cover what a generation may cost
 *   <li>{@code invalid_amount}: an amount that must be positive is not
 *   <li>{@code grant_conflict}: a grant or payment id already used for another amount or account
 *   <li>{@code invalid_invoice}: an invoice or invoice line whose fields disagree (totals that are
 *       not the sum of the lines, a credit line that charges, …)
 * </ul>
 */
public final class BillingException extends RuntimeException {
    private final String code;

    public BillingException(String code, String message) {
        super(message);
        this.code = code;
    }

    public BillingException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
