-- The plans on offer (docs/plans.md): seeded from the configuration's plans: when absent, then
-- created and edited through the admin API. A plan is never deleted, only archived: accounts on
-- it keep it (and renew it), but nobody new can choose it. Limits of 0 mean none.
-- models holds the plan's model ids, one per line; position orders the catalog (ties in price are
-- broken by it). Times are epoch milliseconds.
CREATE TABLE plans (
    id                   TEXT     PRIMARY KEY,
    name                 TEXT     NOT NULL,
    monthly_price_micros BIGINT   NOT NULL CHECK (monthly_price_micros >= 0),
    models               TEXT     NOT NULL,
    max_context_tokens   BIGINT   NOT NULL,
    max_output_tokens    BIGINT   NOT NULL,
    tokens_per_day       BIGINT   NOT NULL,
    tokens_per_month     BIGINT   NOT NULL,
    requests_per_minute  BIGINT   NOT NULL,
    tokens_per_minute    BIGINT   NOT NULL,
    priority             TEXT     NOT NULL,
    ads                  SMALLINT NOT NULL,
    overage              TEXT     NOT NULL,
    position             BIGINT   NOT NULL,
    archived_at          BIGINT   NULL,
    created_at           BIGINT   NOT NULL,
    updated_at           BIGINT   NOT NULL
);
