-- 0009_test_stats — nothing changes on PostgreSQL. SQLite's 0009 keeps a
-- test's result count, timed durations and newest result on its `tests`
-- row and indexes result_rows by run first, because its (test_id, seq)
-- history index made every run write into every page of an index growing
-- with each run. Here the same counts on `tests` would be row locks: two
-- workers recording runs of the same tests at once would wait on each
-- other's rows until commit (SQLite has one writer anyway). `results` is
-- partitioned by month of runs, so its (test_id, run_id) index grows only
-- within a month, and `assay tests` here still reads the results
-- themselves. This file exists so that schema version 9 names the same
-- logical schema on both backends (the columns SQLite adds are a summary
-- of `results`, not new facts); the statement only documents that (0004).
COMMENT ON TABLE tests IS
	'Every test that ever produced a result (schema 0001; 0009 left it as it was)';
