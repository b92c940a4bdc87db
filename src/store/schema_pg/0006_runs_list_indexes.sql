-- 0006 — the runs list filtered by verdict and environment reads only the
-- page it answers (as SQLite's 0006).
--
-- The list is newest first, ties broken by id (keyset pagination). Each
-- index below answers its filter in list order, so the query stops after
-- the page instead of sorting every run of an environment or a verdict.
DROP INDEX test_runs_environment_idx;
CREATE INDEX test_runs_environment_idx ON test_runs(environment, created_at, id);
CREATE INDEX test_runs_environment_status_idx ON test_runs(environment, status, created_at, id);
CREATE INDEX test_runs_status_created_idx ON test_runs(status, created_at, id);
