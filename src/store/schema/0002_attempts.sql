-- Retried tests (Surefire reruns, pytest-rerunfailures, CTRF retries, retests)
-- keep every attempt as its own row. Only the last attempt of a test in a run
-- counts towards the run's counters; the earlier ones are marked superseded,
-- so a test that failed and then passed is one passed result whose earlier
-- failures stay visible.
ALTER TABLE results ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
-- Top-level results that passed only after earlier failed attempts (flaky).
ALTER TABLE test_runs ADD COLUMN n_flaky INTEGER NOT NULL DEFAULT 0;
-- A test's current result in a run: where a new attempt finds the one it
-- supersedes.
CREATE INDEX results_run_test_idx ON results(run_id, test_id);
