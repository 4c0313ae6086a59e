package dev.breakeven.billing;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;

/** Storage of issued invoices. Methods throw a {@link RuntimeException} when the database refuses. */
public interface InvoiceRepository {

    /** The account's invoice for the period, if issued. */
    Optional<IssuedInvoice> find(String accountId, String period);

    /** Every invoice of the account, oldest period first. */
    List<IssuedInvoice> ofAccount(String accountId);

    /** Every invoice of a period, by number. */
    List<IssuedInvoice> ofPeriod(String period);

    /** Which of these transfer ids are on an invoice already. */
    Set<String> billed(Collection<String> transferIds);

    /** An invoice ready to store, and the ids of the transfers it bills. */
    record Issue(IssuedInvoice invoice, List<String> transferIds) {}

    /**
     * Issues an invoice in one transaction: takes the next number of {@code year} (one more than
     * the greatest issued, so numbers have no gaps), builds the invoice for it with {@code build},
     * stores it with the transfers it bills, and returns it. If the account's invoice for the
     * period exists already (issued meanwhile by another process), returns that one and stores
     * nothing; if another invoice claimed one of the transfers meanwhile, builds it again.
     */
    IssuedInvoice issue(String accountId, String period, int year, IntFunction<Issue> build);
}
