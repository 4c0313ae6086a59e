-- How far the rater has read the journal: every event with seq at or below `seq` is rated.
CREATE TABLE billing_cursor (
    name       TEXT   PRIMARY KEY,
    seq        BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
