package dev.breakeven.billing;

/**
 * The formats an {@link Invoice} can be rendered in. Rendering is deterministic: the same invoice
 * gives the same bytes, always (no clock, no locale or platform defaults), so running invoices
 * again changes no file. Every format is UTF-8.
 */
public enum InvoiceFormat {
    /** For programs: see docs/billing.md for the fields. */
    JSON("application/json", "json"),
    /** For spreadsheets: RFC 4180, a header row, one row per line and a total row. */
    CSV("text/csv; charset=utf-8; header=present", "csv"),
    /** For people: one printable page, nothing loaded from elsewhere. */
    HTML("text/html; charset=utf-8", "html");

    private final String mediaType;
    private final String extension;

    InvoiceFormat(String mediaType, String extension) {
        this.mediaType = mediaType;
        this.extension = extension;
    }

    /** The {@code Content-Type} to serve it with. */
    public String mediaType() {
        return mediaType;
    }

    /** {@code json}, {@code csv} or {@code html}. */
    public String extension() {
        return extension;
    }

    /** The file name for {@code invoice} in this format, e.g. {@code INV-2026-000001.html}. */
    public String fileName(Invoice invoice) {
        return invoice.number() + "." + extension;
    }

    /** The invoice in this format, as UTF-8 bytes. Never fails for a valid {@link Invoice}. */
    public byte[] render(Invoice invoice) {
        return switch (this) {
            case JSON -> InvoiceJson.render(invoice);
            case CSV -> InvoiceCsv.render(invoice);
            case HTML -> InvoiceHtml.render(invoice);
        };
    }
}
