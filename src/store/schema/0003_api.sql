-- 0003_api — what `assay serve` keeps for its API clients.

-- Requests that carried an Idempotency-Key header, with the answer given,
-- written in the same transaction as what the request recorded. A client
-- that retries (its connection broke before it saw the answer) sends the
-- same key and gets the stored answer back; nothing is recorded twice.
CREATE TABLE idempotency_keys (
	scope        TEXT NOT NULL,     -- what the key is for, e.g. "results:<run id>"
	key          TEXT NOT NULL,     -- the client's Idempotency-Key
	request_hash TEXT NOT NULL,     -- of the request body: a reused key with
	                                -- another body is refused, not answered
	status       INTEGER NOT NULL,  -- the HTTP status answered
	body         TEXT NOT NULL,     -- the answer's body
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (scope, key)
);
-- For a retention sweep of old keys.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys(created_at);

-- API tokens (`assay token create`). Only a hash of each secret is kept: a
-- copy of the database does not hand out access. Revoked tokens stay, with
-- the time, so `assay token list` shows what existed; a name is unique among
-- the tokens not revoked.
CREATE TABLE tokens (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL,        -- read, write or admin
	hash       TEXT NOT NULL UNIQUE, -- hex BLAKE2b-256 of the secret
	created_at INTEGER NOT NULL,
	revoked_at INTEGER               -- NULL while valid
);
CREATE UNIQUE INDEX tokens_active_name_idx ON tokens(name) WHERE revoked_at IS NULL;

-- Share links (seed 003 "Share report"): an unguessable read-only link to
-- one run and nothing else. As with tokens, only a hash of the secret is
-- kept. Revoking a run's sharing revokes all its links.
CREATE TABLE share_links (
	id         INTEGER PRIMARY KEY,
	run_id     TEXT NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
	hash       TEXT NOT NULL UNIQUE, -- hex BLAKE2b-256 of the secret
	created_at INTEGER NOT NULL,
	revoked_at INTEGER               -- NULL while the link works
);
CREATE INDEX share_links_run_idx ON share_links(run_id);
