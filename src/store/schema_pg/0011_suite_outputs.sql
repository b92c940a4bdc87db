-- 0011_suite_outputs — what a result file said of a whole suite rather than
-- of one of its tests (JUnit's <testsuite>-level <system-out>/<system-err>);
-- see SQLite's 0011. Not partitioned: a run has a row per suite that wrote
-- output, not per result.
CREATE TABLE suite_outputs (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	run_id      uuid NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
	suite       text COLLATE "C" NOT NULL,
	stdout_text text,
	stderr_text text
);
CREATE INDEX suite_outputs_run_idx ON suite_outputs(run_id, suite);
