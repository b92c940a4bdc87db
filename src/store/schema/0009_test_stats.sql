-- 0009_test_stats — importing no longer slows down as history grows.
--
-- Before, result_rows had an index on (test_id, seq): a test's history in
-- one place, for `assay tests` and the planner's durations. But a run adds
-- one entry per test, each at the end of that test's stretch, so a run of
-- T tests wrote into every leaf page of an index that grows with every
-- run: with a project's 30th import of the same 200,000 cases, each import
-- took 1.6x as long as the second (bench/history.sh), and the cost kept
-- growing until every run rewrote T pages.
--
-- Now what those readers want of a test's history is kept on its `tests`
-- row, updated as its results are recorded and as runs are pruned, and the
-- index on result_rows is by run first: ((seq >> 32), test_id), the run's
-- number (see 0004) and the test. A run's entries are one stretch at the
-- index's end, like its rows. It finds a test's result within a run (a
-- retry's earlier attempts, the flaky rule) and, one probe per run, the
-- newest result of a test whose newest run was pruned.
--
-- Timed statuses are those whose durations mean something: passed (0),
-- failed (1), error (2), skipped (4) (store/sqlite_results.c).
ALTER TABLE tests ADD COLUMN results INTEGER NOT NULL DEFAULT 0;  -- result rows, every attempt
ALTER TABLE tests ADD COLUMN timed INTEGER NOT NULL DEFAULT 0;    -- of them, with a timed status
ALTER TABLE tests ADD COLUMN timed_ms INTEGER NOT NULL DEFAULT 0; -- their durations, summed
ALTER TABLE tests ADD COLUMN last_seq INTEGER;     -- result_rows.seq of the newest result
ALTER TABLE tests ADD COLUMN last_status INTEGER;  -- its status code
ALTER TABLE tests ADD COLUMN last_started INTEGER; -- its started_at

UPDATE tests SET
	results = (SELECT count(*) FROM result_rows x WHERE x.test_id = tests.id),
	timed = (SELECT count(*) FROM result_rows x
	         WHERE x.test_id = tests.id AND x.status IN (0, 1, 2, 4)),
	timed_ms = (SELECT coalesce(sum(x.duration_ms), 0) FROM result_rows x
	            WHERE x.test_id = tests.id AND x.status IN (0, 1, 2, 4)),
	last_seq = (SELECT max(x.seq) FROM result_rows x WHERE x.test_id = tests.id);
UPDATE tests SET
	last_status = (SELECT x.status FROM result_rows x WHERE x.seq = tests.last_seq),
	last_started = (SELECT x.started_at FROM result_rows x WHERE x.seq = tests.last_seq)
WHERE last_seq IS NOT NULL;

CREATE INDEX result_rows_run_test_idx ON result_rows((seq >> 32), test_id);
DROP INDEX result_rows_test_idx;
