-- 0006 — the runs list filtered by verdict and environment reads only the
-- page it answers.
--
-- The list is newest first, ties broken by id (keyset pagination). With
-- (environment, created_at) alone, a list filtered by environment sorted
-- each group of equal times by id in a temporary b-tree, and one filtered by
-- environment and status read every run of the environment to find the
-- failed ones: with 3,000 runs its p99 was 10-23 ms. Each index below
-- answers its filter in list order, so the query stops after the page.
DROP INDEX test_runs_environment_idx;
CREATE INDEX test_runs_environment_idx ON test_runs(environment, created_at, id);
CREATE INDEX test_runs_environment_status_idx ON test_runs(environment, status, created_at, id);
CREATE INDEX test_runs_status_created_idx ON test_runs(status, created_at, id);
