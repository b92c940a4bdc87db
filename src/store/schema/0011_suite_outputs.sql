-- 0011_suite_outputs — what a result file said of a whole suite rather than
-- of one of its tests: JUnit's <testsuite>-level <system-out> and
-- <system-err>, where Ant, Gradle and many hand-rolled reporters write a
-- class's whole log. Until now it was kept only when the suite had a single
-- case (it became that case's output) and dropped otherwise. Each text is
-- bounded as a result's output is (head and tail). A suite read twice into
-- one run (two files, or --run) has two rows, in recording order.
CREATE TABLE suite_outputs (
	id          INTEGER PRIMARY KEY,   -- recording order
	run_id      TEXT NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
	suite       TEXT NOT NULL,         -- as its tests' names have it; "" = top level
	stdout_text TEXT,
	stderr_text TEXT
);
CREATE INDEX suite_outputs_run_idx ON suite_outputs(run_id, suite);
