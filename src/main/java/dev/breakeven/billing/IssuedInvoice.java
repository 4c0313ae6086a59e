package dev.breakeven.billing;

import java.util.Map;

/**
 * An invoice as issued and stored: its numbers and its rendered documents, which never change.
 *
 * @param number e.g. {@code INV-2026-000001}
 * @param accountId the account billed
 * @param period {@code YYYY-MM}
 * @param periodEnd epoch millis, exclusive end of the period
 * @param issuedAt epoch millis
 * @param subtotal micros charged
 * @param credits micros of credit applied
 * @param totalDue micros due
 * @param documents the rendered invoice by format
 */
public record IssuedInvoice(
        String number,
        String accountId,
        String period,
        long periodEnd,
        long issuedAt,
        long subtotal,
        long credits,
        long totalDue,
        Map<InvoiceFormat, byte[]> documents) {}
