-- Retried tests (Surefire reruns, pytest-rerunfailures, CTRF retries, retests)
-- keep every attempt as its own row. Only the last attempt of a test in a run
-- counts towards the run's counters; the earlier ones are marked superseded,
-- so a test that failed and then passed is one passed result whose earlier
-- failures stay visible.
ALTER TABLE results ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
-- Top-level results that passed only after earlier failed attempts (flaky).
ALTER TABLE test_runs ADD COLUMN n_flaky INTEGER NOT NULL DEFAULT 0;
-- A test's history, by run (UUIDv7 run ids are in time order), which is
-- also where a new attempt finds the result it supersedes. It replaces the
-- index by (test_id, started_at): one index fewer on every insert.
DROP INDEX results_test_idx;
CREATE INDEX results_test_idx ON results(test_id, run_id);
