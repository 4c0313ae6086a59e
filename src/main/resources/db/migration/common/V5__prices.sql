-- The price book: every price that ever applied, as a versioned history. Portable SQL: runs
-- unchanged on SQLite and PostgreSQL. Rows are never updated or deleted: a change of price is a new
-- row with a later (or earlier, for a correction) effective_from, and the price in force at time T
-- is the row of that (kind, subject) with the greatest effective_from <= T.
--
-- kind is a wire name (model_input, model_output, plan_fee, ...): stored as text, so a new kind is
-- a new value, not a migration. subject is what the price is for (a model id, a plan id).
-- micros is an amount in micro-units of the currency, in the unit its kind defines (per million
-- tokens, per month). Times are epoch milliseconds.

CREATE TABLE prices (
    id             TEXT   PRIMARY KEY,
    kind           TEXT   NOT NULL,
    subject        TEXT   NOT NULL,
    micros         BIGINT NOT NULL CHECK (micros >= 0),
    effective_from BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    note           TEXT   NULL
);

-- One price per (kind, subject) and instant: a second one is refused (or, with the same micros,
-- is the same price set twice). The index also serves every lookup, which is by these columns.
CREATE UNIQUE INDEX prices_kind_subject_effective ON prices (kind, subject, effective_from);
