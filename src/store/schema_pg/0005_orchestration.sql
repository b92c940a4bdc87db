-- 0005_orchestration — runs queued on pools of servers, PostgreSQL dialect.
-- The same logical model as store/schema/0005_orchestration.sql (read that
-- file for what each table and column means). What differs:
--
-- * Times are bigint milliseconds, as everywhere in this backend.
-- * Archives are bytea; run ids are uuid, as in test_runs.
-- * The claim (pg_orch.c) picks its row with SELECT ... FOR UPDATE SKIP
--   LOCKED over run_orders_queue_idx: workers claiming at once each lock a
--   different queued order and never wait on one another.

CREATE TABLE blobs (
	digest     text PRIMARY KEY,     -- "sha256:<64 hex>"
	size       bigint NOT NULL,
	created_at bigint NOT NULL,
	data       bytea NOT NULL
);

CREATE TABLE packages (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	created_at  bigint NOT NULL,
	name        text NOT NULL,
	version     text NOT NULL,
	digest      text NOT NULL REFERENCES blobs(digest),
	install     text,
	run         text,
	protocol    text NOT NULL DEFAULT 'exit',
	description text,
	UNIQUE (name, version)
);

CREATE TABLE pools (
	name             text PRIMARY KEY,
	expected_servers bigint NOT NULL DEFAULT 1,
	keep_runs        bigint NOT NULL DEFAULT 0,
	created_at       bigint NOT NULL,
	description      text,
	labels_json      text NOT NULL DEFAULT '[]',
	suites_json      text NOT NULL DEFAULT '[]',
	hook_provision   text,
	hook_upgrade     text,
	hook_teardown    text,
	hook_health      text
);

CREATE TABLE workers (
	name            text PRIMARY KEY,
	slots           bigint NOT NULL DEFAULT 1,
	registered_at   bigint NOT NULL,
	heartbeat_at    bigint NOT NULL,
	health_failures bigint NOT NULL DEFAULT 0,
	infra_failures  bigint NOT NULL DEFAULT 0,
	pool            text NOT NULL,
	host            text,
	offline_reason  text,
	last_error      text
);

CREATE TABLE run_orders (
	run_id         uuid PRIMARY KEY REFERENCES test_runs(id) ON DELETE CASCADE,
	priority       bigint NOT NULL DEFAULT 0, -- higher first
	claim          bigint NOT NULL DEFAULT 0,
	lost           bigint NOT NULL DEFAULT 0,
	queued_at      bigint NOT NULL,
	claimed_at     bigint,
	pool           text NOT NULL,
	suite          text,
	packages_json  text NOT NULL DEFAULT '[]',
	upgrade_digest text REFERENCES blobs(digest),
	upgrade_name   text,
	state          text NOT NULL,              -- queued, claimed, done
	worker         text
);
-- The claim: the oldest queued run of a pool with the highest priority.
CREATE INDEX run_orders_queue_idx ON run_orders(pool, state, priority DESC, queued_at, run_id);
CREATE INDEX run_orders_worker_idx ON run_orders(worker, state);
-- Lease expiry looks at the claimed orders only, however many are done.
CREATE INDEX run_orders_claimed_idx ON run_orders(state) WHERE state = 'claimed';
-- Retention walks a pool's finished runs oldest first.
CREATE INDEX test_runs_pool_idx ON test_runs(pool, created_at);
