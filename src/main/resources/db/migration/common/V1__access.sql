-- Accounts, roles and API keys. Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- Time is epoch milliseconds (BIGINT). Roles are stored by their wire name (user, operator, ...).

CREATE TABLE accounts (
    id         TEXT   PRIMARY KEY,
    name       TEXT   NOT NULL UNIQUE,
    role       TEXT   NOT NULL,
    plan_id    TEXT   NULL,
    created_at BIGINT NOT NULL
);

-- Only the SHA-256 (lowercase hex) of a secret is kept; the secret itself is shown once at issue.
CREATE TABLE api_keys (
    id         TEXT   PRIMARY KEY,
    account_id TEXT   NOT NULL REFERENCES accounts (id),
    key_hash   TEXT   NOT NULL UNIQUE,
    hint       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT NULL
);

CREATE INDEX api_keys_account_id ON api_keys (account_id);
