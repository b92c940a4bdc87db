-- 0003_api — what `assay serve` keeps for its API clients (see the SQLite
-- file of the same name for what each table is for).

CREATE TABLE idempotency_keys (
	scope        text NOT NULL,
	key          text NOT NULL,
	request_hash text NOT NULL,
	status       integer NOT NULL,
	body         text NOT NULL,
	created_at   bigint NOT NULL,
	PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys(created_at);

CREATE TABLE tokens (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       text NOT NULL,
	role       text NOT NULL,
	hash       text NOT NULL UNIQUE,
	created_at bigint NOT NULL,
	revoked_at bigint
);
CREATE UNIQUE INDEX tokens_active_name_idx ON tokens(name) WHERE revoked_at IS NULL;

CREATE TABLE share_links (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	run_id     uuid NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
	hash       text NOT NULL UNIQUE,
	created_at bigint NOT NULL,
	revoked_at bigint
);
CREATE INDEX share_links_run_idx ON share_links(run_id);
