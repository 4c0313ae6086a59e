-- How long the backend spent generating (first token to last), for cost accounting; NULL when unknown.
ALTER TABLE journal ADD COLUMN generation_ms BIGINT;
