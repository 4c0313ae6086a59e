-- What an account on a paid plan has paid for (docs/plans.md#renewals). The plan in effect stays
-- accounts.plan_id; this row says until when it is paid and whether a renewal failed.
-- status: active (paid through paid_through) or past_due (a renewal could not be paid; the plan
-- stays until grace_until, then the account falls to the default plan). Periods are UTC months:
-- paid_through is the first instant of the month after the last one paid. Epoch milliseconds.
CREATE TABLE subscriptions (
    account_id   TEXT   PRIMARY KEY,
    plan_id      TEXT   NOT NULL,
    status       TEXT   NOT NULL,
    paid_through BIGINT NOT NULL,
    grace_until  BIGINT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE INDEX subscriptions_paid_through ON subscriptions (paid_through);
