-- 0001_init — assay's first schema, PostgreSQL dialect. The same logical
-- model as store/schema/0001_init.sql (read that file for what each table
-- and column means); what differs is how PostgreSQL stores it:
--
-- * Times stay bigint milliseconds since the Unix epoch (UTC), NULL when not
--   set, exactly as the API shows them, so both backends answer alike.
-- * Run, result and attachment ids are `uuid` (16 bytes, not 36 of text);
--   projects, tests and the rest have bigint identity keys.
-- * A result's status is an enum (4 bytes, read back as its name).
-- * `results` is partitioned by month of its run's creation (run_at, a copy
--   of test_runs.created_at): a run's results all land in one partition, a
--   read of one run touches one partition, and retention drops whole months.
--   Partitions are made by the backend when a run of a new month is
--   recorded (results_yYYYYmMM).
--
-- The backend runs this file inside one transaction, under an advisory
-- lock, and records it in schema_version; no BEGIN/COMMIT here. Later
-- changes go in new files, numbered like the SQLite set's so that one
-- version number means one logical schema on both backends.

CREATE TABLE schema_version (
	version    integer PRIMARY KEY,
	applied_at bigint NOT NULL
);

CREATE TABLE projects (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       text NOT NULL UNIQUE,
	created_at bigint NOT NULL
);

CREATE TABLE tests (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	project_id bigint NOT NULL REFERENCES projects(id),
	name       text NOT NULL,
	parent     text,
	created_at bigint NOT NULL,
	UNIQUE (project_id, name)
);

-- Seed 002's test_runs first, then what assay adds (see the SQLite file).
CREATE TABLE test_runs (
	id                 uuid PRIMARY KEY,
	test_definition_id text,
	status             text NOT NULL,
	started_at         bigint,
	completed_at       bigint,
	environment        text,
	triggered_by       text,

	project_id         bigint NOT NULL REFERENCES projects(id),
	title              text,
	description        text,
	milestone          text,
	pool               text,
	context_json       text,
	lifecycle          text NOT NULL,
	lifecycle_code     integer NOT NULL,
	created_at         bigint NOT NULL,
	duration_ms        bigint NOT NULL DEFAULT 0,
	total              bigint NOT NULL DEFAULT 0,
	reason             text,
	host               text,
	pid                bigint,
	pid_start          bigint,

	n_passed           bigint NOT NULL DEFAULT 0,
	n_failed           bigint NOT NULL DEFAULT 0,
	n_error            bigint NOT NULL DEFAULT 0,
	n_blocked          bigint NOT NULL DEFAULT 0,
	n_skipped          bigint NOT NULL DEFAULT 0,
	n_invalid          bigint NOT NULL DEFAULT 0,
	n_untested         bigint NOT NULL DEFAULT 0,
	n_retest           bigint NOT NULL DEFAULT 0,
	sub_n_passed       bigint NOT NULL DEFAULT 0,
	sub_n_failed       bigint NOT NULL DEFAULT 0,
	sub_n_error        bigint NOT NULL DEFAULT 0,
	sub_n_blocked      bigint NOT NULL DEFAULT 0,
	sub_n_skipped      bigint NOT NULL DEFAULT 0,
	sub_n_invalid      bigint NOT NULL DEFAULT 0,
	sub_n_untested     bigint NOT NULL DEFAULT 0,
	sub_n_retest       bigint NOT NULL DEFAULT 0
);

CREATE INDEX test_runs_definition_idx ON test_runs(test_definition_id);
CREATE INDEX test_runs_status_idx ON test_runs(status);
CREATE INDEX test_runs_created_idx ON test_runs(created_at, id);
CREATE INDEX test_runs_project_idx ON test_runs(project_id, created_at);
CREATE INDEX test_runs_environment_idx ON test_runs(environment, created_at);

CREATE TABLE run_events (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	run_id         uuid NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
	at             bigint NOT NULL,
	lifecycle_code integer NOT NULL,
	lifecycle      text NOT NULL,
	message        text
);
CREATE INDEX run_events_run_idx ON run_events(run_id, at);

-- model/status.c's result statuses, in its order.
CREATE TYPE result_status AS ENUM
	('passed', 'failed', 'error', 'blocked', 'skipped', 'invalid', 'untested', 'retest');

-- Fixed-width columns first: PostgreSQL aligns each one, so this order
-- wastes no padding.
CREATE TABLE results (
	seq            bigint GENERATED ALWAYS AS IDENTITY, -- recording order
	run_at         bigint NOT NULL,      -- the run's created_at: the partition key
	id             uuid NOT NULL,
	run_id         uuid NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
	test_id        bigint NOT NULL REFERENCES tests(id),
	duration_ms    bigint NOT NULL DEFAULT 0,
	stdout_dropped bigint NOT NULL DEFAULT 0,
	stderr_dropped bigint NOT NULL DEFAULT 0,
	started_at     bigint,
	completed_at   bigint,
	attempt        integer NOT NULL DEFAULT 1,
	exit_code      integer,
	status         result_status NOT NULL,
	test           text NOT NULL,
	parent         text,
	message        text,
	stdout_text    text,
	stderr_text    text,
	-- A unique key on a partitioned table must hold the partition key.
	UNIQUE (id, run_at)
) PARTITION BY RANGE (run_at);
CREATE INDEX results_run_idx ON results(run_id, seq);
-- A test's history by run, also where a new attempt finds the one it supersedes.
CREATE INDEX results_test_idx ON results(test_id, run_id);

CREATE TABLE attachments (
	id            uuid PRIMARY KEY,
	result_id     uuid NOT NULL,
	result_run_at bigint NOT NULL,
	name          text NOT NULL,
	media_type    text,
	size          bigint NOT NULL,
	data          bytea,
	created_at    bigint NOT NULL,
	FOREIGN KEY (result_id, result_run_at) REFERENCES results(id, run_at) ON DELETE CASCADE
);
CREATE INDEX attachments_result_idx ON attachments(result_id);
