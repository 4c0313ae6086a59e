-- The ledger: double-entry accounts and immutable transfers (docs/ledger.md). Amounts are micros,
-- times epoch milliseconds. An account's four totals are kept equal to the sums of its transfers
-- in the same transaction that stores them; `breakeven ledger check` recomputes and compares.

CREATE TABLE ledger_accounts (
    id              TEXT   PRIMARY KEY,
    kind            TEXT   NOT NULL,
    owner           TEXT   NULL,
    rule            TEXT   NOT NULL,
    debits_pending  BIGINT NOT NULL DEFAULT 0,
    debits_posted   BIGINT NOT NULL DEFAULT 0,
    credits_pending BIGINT NOT NULL DEFAULT 0,
    credits_posted  BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);

CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner);

-- phase: posted (single-phase), pending (reservation), post or void (resolves pending_id).
-- amount: for a post, the amount posted; for a void, the pending amount released.
CREATE TABLE ledger_transfers (
    id             TEXT   PRIMARY KEY,
    debit_account  TEXT   NOT NULL,
    credit_account TEXT   NOT NULL,
    amount         BIGINT NOT NULL,
    code           TEXT   NOT NULL,
    reference      TEXT   NULL,
    occurred_at    BIGINT NOT NULL,
    recorded_at    BIGINT NOT NULL,
    phase          TEXT   NOT NULL,
    pending_id     TEXT   NULL,
    timeout_at     BIGINT NULL,
    chain_id       TEXT   NULL
);

-- No foreign keys to ledger_accounts: every batch reads and locks the accounts it names and refuses
-- unknown ones, and the keys cost about 9 µs a row on PostgreSQL (bench/results/ledger-2026-11-28.md).
-- A pending transfer is resolved (posted or voided) at most once: enforced here, across processes.
CREATE UNIQUE INDEX ledger_transfers_resolution ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_account, occurred_at);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_account, occurred_at);
CREATE INDEX ledger_transfers_reference ON ledger_transfers (reference);
CREATE INDEX ledger_transfers_timeout ON ledger_transfers (timeout_at) WHERE timeout_at IS NOT NULL;
