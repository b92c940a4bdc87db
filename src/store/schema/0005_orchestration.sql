-- 0005_orchestration — runs queued on pools of servers (issue 5, seeds 000
-- and 001): pools (QAOps configurations), content-addressed archives (test
-- packages and upgrade artifacts), the workers that serve a pool, and each
-- queued run's order: what it needs and who has claimed it.

-- Archives by the SHA-256 of their bytes: a package pushed twice, or an
-- upgrade artifact given to many runs, is stored once.
CREATE TABLE blobs (
	digest     TEXT PRIMARY KEY,     -- "sha256:<64 hex>"
	size       INTEGER NOT NULL,     -- bytes
	data       BLOB NOT NULL,
	created_at INTEGER NOT NULL
);

-- Test packages (QAOps .dmtest): a .tar.gz with an assay.yaml naming the
-- package and its `install` and `run` hooks. name@version is unique and
-- never changes its bytes once pushed.
CREATE TABLE packages (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL,
	version     TEXT NOT NULL,
	digest      TEXT NOT NULL REFERENCES blobs(digest),
	install     TEXT,                -- shell command run in the unpacked folder (phase 4)
	run         TEXT,                -- shell command run as the package's test (phase 6)
	protocol    TEXT NOT NULL DEFAULT 'exit', -- how the run hook reports: exit, tap, junit
	description TEXT,
	created_at  INTEGER NOT NULL,
	UNIQUE (name, version)
);

-- A pool (QAOps configuration): a named kind of server with its expected
-- number of servers, the suites it offers, how many finished runs it keeps,
-- and hooks run on its servers (shell commands, by the worker).
CREATE TABLE pools (
	name             TEXT PRIMARY KEY,
	description      TEXT,
	expected_servers INTEGER NOT NULL DEFAULT 1,
	labels_json      TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
	suites_json      TEXT NOT NULL DEFAULT '[]', -- JSON array: the suites offered ([] = any)
	keep_runs        INTEGER NOT NULL DEFAULT 0, -- "maximum test runs to keep"; 0 = no limit
	hook_provision   TEXT,           -- before each run: bring the server to a clean state
	hook_upgrade     TEXT,           -- applies a run's upgrade artifact ($ASSAY_UPGRADE_FILE)
	hook_teardown    TEXT,           -- after each run
	hook_health      TEXT,           -- periodic health check of an idle server
	created_at       INTEGER NOT NULL
);

-- A worker: one `assay worker` process serving one server of a pool. Its
-- state as shown (idle, busy, offline, lost) is derived: offline when
-- `offline_reason` is set, lost when its heartbeat is older than the lease,
-- busy when it holds a run, else idle.
CREATE TABLE workers (
	name            TEXT PRIMARY KEY,
	pool            TEXT NOT NULL,
	slots           INTEGER NOT NULL DEFAULT 1,
	host            TEXT,
	registered_at   INTEGER NOT NULL,
	heartbeat_at    INTEGER NOT NULL,
	health_failures INTEGER NOT NULL DEFAULT 0, -- provision/health hook failures in a row
	infra_failures  INTEGER NOT NULL DEFAULT 0, -- runs it failed (99) in a phase, all time
	offline_reason  TEXT,             -- set: it takes no runs until `assay worker enable`
	last_error      TEXT
);

-- One row per run started on a pool (`assay start`). `state` is the queue's
-- own view (queued, claimed, done), indexed for the claim; the run's
-- lifecycle in test_runs is what users see. `claim` counts claims: a worker
-- acts on the run only with the claim number it was given, so a worker that
-- lost its lease cannot touch the run once another has it.
CREATE TABLE run_orders (
	run_id         TEXT PRIMARY KEY REFERENCES test_runs(id) ON DELETE CASCADE,
	pool           TEXT NOT NULL,
	suite          TEXT,
	priority       INTEGER NOT NULL DEFAULT 0, -- higher first
	packages_json  TEXT NOT NULL DEFAULT '[]', -- [{"name","version","digest",...}] fixed at start
	upgrade_digest TEXT REFERENCES blobs(digest),
	upgrade_name   TEXT,
	state          TEXT NOT NULL,              -- queued, claimed, done
	worker         TEXT,                       -- the worker holding it (claimed)
	claim          INTEGER NOT NULL DEFAULT 0,
	lost           INTEGER NOT NULL DEFAULT 0, -- times a worker lost it
	queued_at      INTEGER NOT NULL,
	claimed_at     INTEGER
);
-- The claim: the oldest queued run of a pool with the highest priority.
CREATE INDEX run_orders_queue_idx ON run_orders(pool, state, priority DESC, queued_at, run_id);
CREATE INDEX run_orders_worker_idx ON run_orders(worker, state);
-- Lease expiry looks at the claimed orders only, however many are done.
CREATE INDEX run_orders_claimed_idx ON run_orders(state) WHERE state = 'claimed';
-- Retention walks a pool's finished runs oldest first.
CREATE INDEX test_runs_pool_idx ON test_runs(pool, created_at);
