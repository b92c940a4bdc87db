-- 0012_suite_output_claims — which worker claim sent a suite output (0: not
-- a worker's); a later claim's output of a suite replaces an earlier one's.
-- See SQLite's 0012.
ALTER TABLE suite_outputs ADD COLUMN claim bigint NOT NULL DEFAULT 0;
