-- The journal of billable events: immutable, one row per event id, in one global order (seq) that
-- the rater reads. Usage has typed columns; later types (ad impressions and clicks, business
-- messages, subscription periods, credit purchases) fill the columns that apply and put their
-- extras in payload (JSON text). Time is epoch milliseconds; booleans are 0/1 SMALLINT.
-- Keep in step with postgresql/V2__journal.sql: only the seq column differs.

CREATE TABLE journal (
    seq               INTEGER  PRIMARY KEY AUTOINCREMENT,
    event_id          TEXT     NOT NULL UNIQUE,
    type              TEXT     NOT NULL,
    occurred_at       BIGINT   NOT NULL,
    recorded_at       BIGINT   NOT NULL,
    account_id        TEXT     NULL,
    key_id            TEXT     NULL,
    model             TEXT     NULL,
    backend           TEXT     NULL,
    upstream_model    TEXT     NULL,
    prompt_tokens     BIGINT   NULL,
    completion_tokens BIGINT   NULL,
    estimated         SMALLINT NULL,
    ttft_ms           BIGINT   NULL,
    duration_ms       BIGINT   NULL,
    outcome           TEXT     NULL,
    streamed          SMALLINT NULL,
    error_code        TEXT     NULL,
    payload           TEXT     NULL
);

CREATE INDEX journal_account_occurred ON journal (account_id, occurred_at);
CREATE INDEX journal_occurred ON journal (occurred_at);
