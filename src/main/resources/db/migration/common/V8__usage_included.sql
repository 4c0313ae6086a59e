-- Whether a usage event's tokens are covered by the account's plan (1) or charged to its wallet at
-- price-book rates (0; NULL for events recorded before plans existed, which were all charged).
ALTER TABLE journal ADD COLUMN included SMALLINT NULL;
