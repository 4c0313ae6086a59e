package dev.breakeven.billing;

import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/** Storage of issued invoices. Methods throw a {@link RuntimeException} when the database refuses. */
public interface InvoiceRepository {

    /** The account's invoice for the period, if issued. */
    Optional<IssuedInvoice> find(String accountId, String period);

    /** Every invoice of the account, oldest period first. */
    List<IssuedInvoice> ofAccount(String accountId);

    /** Every invoice of a period, by number. */
    List<IssuedInvoice> ofPeriod(String period);

    /**
     * Issues an invoice in one transaction: takes the next number of {@code year} (one more than
     * the greatest issued, so numbers have no gaps), builds the invoice for it with {@code
     * build}, stores it and returns it. If the account's invoice for the period exists already
     * (issued meanwhile by another process), returns that one and stores nothing.
     */
    IssuedInvoice issue(String accountId, String period, int year, IntFunction<IssuedInvoice> build);
}
