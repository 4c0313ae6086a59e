-- Issued invoices: numbered without gaps per year of issue, one per account and period, stored as
-- rendered so that running the same period again writes byte-identical files.
CREATE TABLE invoices (
    number      TEXT    PRIMARY KEY,
    year        INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    account_id  TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    period_end  BIGINT  NOT NULL,
    issued_at   BIGINT  NOT NULL,
    subtotal    BIGINT  NOT NULL,
    credits     BIGINT  NOT NULL,
    total_due   BIGINT  NOT NULL,
    json        TEXT    NOT NULL,
    csv         TEXT    NOT NULL,
    html        TEXT    NOT NULL,
    UNIQUE (year, seq),
    UNIQUE (account_id, period)
);

-- Which ledger transfers each invoice bills: a transfer is on one invoice at most (the primary key,
-- also across processes), and one not yet on any is billed by the account's next invoice.
CREATE TABLE invoice_transfers (
    transfer_id    TEXT PRIMARY KEY,
    invoice_number TEXT NOT NULL REFERENCES invoices (number)
);

CREATE INDEX invoice_transfers_invoice ON invoice_transfers (invoice_number);
