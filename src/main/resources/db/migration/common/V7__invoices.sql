-- Issued invoices: numbered without gaps per year of issue, one per account and period, stored as
-- rendered so that running the same period again writes byte-identical files. `cutoff`: the
-- invoice holds the account's transfers recorded before it (later ones go to the next invoice).
CREATE TABLE invoices (
    number      TEXT    PRIMARY KEY,
    year        INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    account_id  TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    period_end  BIGINT  NOT NULL,
    issued_at   BIGINT  NOT NULL,
    cutoff      BIGINT  NOT NULL,
    subtotal    BIGINT  NOT NULL,
    credits     BIGINT  NOT NULL,
    total_due   BIGINT  NOT NULL,
    json        TEXT    NOT NULL,
    csv         TEXT    NOT NULL,
    html        TEXT    NOT NULL,
    UNIQUE (year, seq),
    UNIQUE (account_id, period)
);
