-- 0001_init — assay's first schema (SQLite dialect).
--
-- Conventions: times are INTEGER milliseconds since the Unix epoch (UTC) and
-- NULL when not set; enumerations are stored by name (what a person reading
-- the database or the API expects) and, for the run lifecycle, also by its
-- QAOps code. Run, result and attachment ids are UUIDv7 text, so they sort by
-- creation time; projects and tests are internal and use integer ids.
--
-- The backend runs this file inside one transaction and records it in
-- schema_version; do not put BEGIN/COMMIT here. Later changes go in new files
-- (0002_<what>.sql, ...), never in this one.

-- One row per migration applied; the highest version is the schema's version.
-- An assay that finds a version newer than its own refuses the database.
CREATE TABLE schema_version (
	version    INTEGER PRIMARY KEY,  -- NNNN of store/schema/NNNN_<what>.sql
	applied_at INTEGER NOT NULL      -- when this database got it
);

-- A project is the catalog's `project:` name; runs and tests belong to one.
CREATE TABLE projects (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
);

-- Every test that ever produced a result, created on first sight. A
-- sub-result (a TAP point, a JUnit case inside one test) is a test too, named
-- "parent/child", with its parent's name kept alongside.
CREATE TABLE tests (
	id         INTEGER PRIMARY KEY,
	project_id INTEGER NOT NULL REFERENCES projects(id),
	name       TEXT NOT NULL,
	parent     TEXT,                 -- the parent test's name; NULL for a top-level test
	created_at INTEGER NOT NULL,
	UNIQUE (project_id, name)
);

-- One execution of a selection of tests. The first seven columns are seed
-- 002's `test_runs`; the rest are what assay adds (struct run). The counters
-- are kept by the store as results are recorded, in the same transaction, so
-- a summary never needs to scan `results`.
CREATE TABLE test_runs (
	id                 TEXT PRIMARY KEY,     -- UUIDv7
	test_definition_id TEXT,                 -- what was run: the selection, e.g. "unit all"
	status             TEXT NOT NULL,        -- the verdict: running, passed, failed, cancelled, error
	started_at         INTEGER,              -- when the first test started
	completed_at       INTEGER,              -- when the run reached a terminal state
	environment        TEXT,                 -- local, ci, dev, staging, prod, ...
	triggered_by       TEXT,                 -- user@host, or the CI system

	project_id         INTEGER NOT NULL REFERENCES projects(id),
	title              TEXT,
	description        TEXT,
	milestone          TEXT,
	pool               TEXT,                 -- the pool (QAOps configuration) it ran on
	context_json       TEXT,                 -- the run's context properties, a JSON object
	lifecycle          TEXT NOT NULL,        -- lifecycle state by name: queued, in_progress, ...
	lifecycle_code     INTEGER NOT NULL,     -- the same as its QAOps code (-1 queued, 0..10, 99)
	created_at         INTEGER NOT NULL,     -- when the run was recorded; the listing order
	duration_ms        INTEGER NOT NULL DEFAULT 0, -- wall time from start to completion
	total              INTEGER NOT NULL DEFAULT 0, -- tests planned
	reason             TEXT,                 -- why it failed (99) or was cancelled
	host               TEXT,                 -- host of the process executing the run, with
	pid                INTEGER,              -- its pid and the pid's kernel start time, so a
	pid_start          INTEGER,              -- dead owner can be told from a reused pid

	-- Top-level results of the run, one counter per result status.
	n_passed           INTEGER NOT NULL DEFAULT 0,
	n_failed           INTEGER NOT NULL DEFAULT 0,
	n_error            INTEGER NOT NULL DEFAULT 0,
	n_blocked          INTEGER NOT NULL DEFAULT 0,
	n_skipped          INTEGER NOT NULL DEFAULT 0,
	n_invalid          INTEGER NOT NULL DEFAULT 0,
	n_untested         INTEGER NOT NULL DEFAULT 0,
	n_retest           INTEGER NOT NULL DEFAULT 0,
	-- Sub-results (TAP points, JUnit cases), counted apart so that a test
	-- with 500 TAP points does not drown the run's own summary.
	sub_n_passed       INTEGER NOT NULL DEFAULT 0,
	sub_n_failed       INTEGER NOT NULL DEFAULT 0,
	sub_n_error        INTEGER NOT NULL DEFAULT 0,
	sub_n_blocked      INTEGER NOT NULL DEFAULT 0,
	sub_n_skipped      INTEGER NOT NULL DEFAULT 0,
	sub_n_invalid      INTEGER NOT NULL DEFAULT 0,
	sub_n_untested     INTEGER NOT NULL DEFAULT 0,
	sub_n_retest       INTEGER NOT NULL DEFAULT 0
);

-- Seed 002's two indexes, by its names: runs of one definition, runs by verdict.
CREATE INDEX test_runs_definition_idx ON test_runs(test_definition_id);
CREATE INDEX test_runs_status_idx ON test_runs(status);
-- Listings are newest first, overall, per project and per environment.
CREATE INDEX test_runs_created_idx ON test_runs(created_at, id);
CREATE INDEX test_runs_project_idx ON test_runs(project_id, created_at);
CREATE INDEX test_runs_environment_idx ON test_runs(environment, created_at);

-- Every lifecycle transition of a run with its time, including the phases a
-- run passed straight through; the run's timeline.
CREATE TABLE run_events (
	id             INTEGER PRIMARY KEY,  -- recording order, breaks ties in `at`
	run_id         TEXT NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
	at             INTEGER NOT NULL,
	lifecycle_code INTEGER NOT NULL,
	lifecycle      TEXT NOT NULL,
	message        TEXT
);
CREATE INDEX run_events_run_idx ON run_events(run_id, at);

-- One outcome of one test in one run. Retests add rows (attempt 2, 3, ...),
-- never overwrite. The test's name and parent are copied here so that reading
-- a run's results needs no join.
CREATE TABLE results (
	seq            INTEGER PRIMARY KEY,  -- insertion order within the database
	id             TEXT NOT NULL UNIQUE, -- UUIDv7
	run_id         TEXT NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
	test_id        INTEGER NOT NULL REFERENCES tests(id),
	test           TEXT NOT NULL,        -- full name; a sub-result is "parent/child"
	parent         TEXT,                 -- parent test's name for a sub-result, else NULL
	status         TEXT NOT NULL,        -- passed, failed, error, blocked, skipped, invalid, untested, retest
	duration_ms    INTEGER NOT NULL DEFAULT 0,
	message        TEXT,                 -- why it is not passed; TAP YAML; JUnit failure text
	stdout_text    TEXT,                 -- captured output, bounded to head + tail
	stderr_text    TEXT,
	stdout_dropped INTEGER NOT NULL DEFAULT 0, -- bytes left out of the middle
	stderr_dropped INTEGER NOT NULL DEFAULT 0,
	attempt        INTEGER NOT NULL DEFAULT 1, -- 1 for a test's first result in the run
	exit_code      INTEGER,              -- NULL when it does not apply; 128+N for signal N
	started_at     INTEGER,
	completed_at   INTEGER
);
-- A run's results in the order they were recorded.
CREATE INDEX results_run_idx ON results(run_id, seq);
-- A test's history, newest last (durations, flakiness, last status).
CREATE INDEX results_test_idx ON results(test_id, started_at);

-- Files attached to a result (screenshots, logs, core dumps); filled later.
CREATE TABLE attachments (
	id         TEXT PRIMARY KEY,         -- UUIDv7
	result_id  TEXT NOT NULL REFERENCES results(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,            -- file name as the test gave it
	media_type TEXT,                     -- e.g. image/png
	size       INTEGER NOT NULL,         -- bytes
	data       BLOB,
	created_at INTEGER NOT NULL
);
CREATE INDEX attachments_result_idx ON attachments(result_id);
