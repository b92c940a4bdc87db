/* store — the one interface to assay's database. Callers never see SQL.
 *
 * A store is opened from a URL: a file path or "sqlite:PATH" for the embedded
 * SQLite backend (WAL mode), "postgresql://..." or "postgres://..." (a libpq
 * URI) for PostgreSQL. Opening applies pending migrations (store/schema/ or
 * store/schema_pg/) and refuses a database written by a newer assay
 * (RC_SCHEMA). Both backends answer every call alike; on PostgreSQL any
 * number of processes may share the database at once.
 *
 *     struct store *st;
 *     if (store_open(".assay/assay.db", &st, &e)) ...
 *     store_run_insert(st, &run, &e);
 *     store_results_insert(st, results, n, &e);   // batch, one transaction
 *     store_run_update(st, &run, &e);
 *     store_close(st);
 *
 * Every function returns an enum rc and fills `e` on failure, naming the SQL
 * step at fault. Lists are returned as heap arrays the caller frees with the
 * matching _free function. A store handle is used by one thread at a time. */
#ifndef ASSAY_STORE_STORE_H
#define ASSAY_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/orch.h"
#include "model/run.h"
#include "model/token.h"
#include "util/rc.h"

struct store;

int store_open(const char *url, struct store **out, struct error *e);
/* Sets the function told, in a sentence, that opening is about to upgrade
 * the schema of a database made by an older assay: on a large database a
 * migration can take a while (0009 summed 8M results in 22 s), and a
 * command that says nothing for that long looks hung. NULL, the default,
 * says nothing. Set it once, before any store is opened. */
void store_set_notice(void (*notice)(const char *msg));
/* Whether `url` names a PostgreSQL database. */
bool store_url_is_pg(const char *url);
/* `url` as it may be shown to a user: a PostgreSQL URL's password replaced
 * by "***" and its query (which may hold one) left out; a path as it is. */
void store_url_display(const char *url, char *out, size_t n);
void store_close(struct store *st);
/* The schema version the open database is at (the highest migration applied). */
int store_schema_version(struct store *st);

/* Groups the calls that follow into one transaction, all or nothing, until
 * store_commit or store_rollback: e.g. an import records its run and every
 * result, or nothing at all, even if the process is killed halfway. Calls
 * that have their own transaction (store_results_insert) nest inside it: when
 * one fails, only its own part is undone. Holds the database's write lock
 * until it ends, so keep it to one unit of work. */
int store_begin(struct store *st, struct error *e);
/* As store_begin, for a unit of work that is all or nothing down to its
 * parts (an import): the calls nested in it take no savepoint of their own,
 * so when one fails the whole transaction is to be rolled back, and
 * store_commit refuses to commit it. On SQLite a savepoint keeps a copy of
 * every page it changes, a tenth of a big import's time; on PostgreSQL each
 * is a subtransaction, and a million-case import of 500 of them took 4
 * times as long (the locks on the run's row grow with their number). */
int store_begin_whole(struct store *st, struct error *e);
int store_commit(struct store *st, struct error *e);
void store_rollback(struct store *st);

/* ---- runs ---- */

/* Inserts a new run (r->id must be set). The project is created if new. */
int store_run_insert(struct store *st, const struct run *r, struct error *e);
/* Writes the run's mutable fields: title, description, lifecycle, verdict,
 * started_at, completed_at, duration_ms, total, reason, pid, pid_start, host.
 * Counters are NOT written here: store_results_insert keeps them. */
int store_run_update(struct store *st, const struct run *r, struct error *e);
/* Reads one run by its full id; RC_NOTFOUND if there is none. */
int store_run_get(struct store *st, const char *id, struct run *out, struct error *e);
/* Resolves a run name to its id: a full id, a unique id prefix (at least 4
 * chars), "last" (newest) or "last~N" (N before the newest). RC_NOTFOUND
 * when nothing matches, RC_USAGE when a prefix is ambiguous. */
int store_run_resolve(struct store *st, const char *name, char id[UUID_STR_LEN],
		      struct error *e);

struct run_filter {
	const char *verdict;     /* NULL = any; else a verdict name */
	const char *environment; /* NULL = any */
	const char *project;     /* NULL = any */
	const char *triggered_by; /* NULL = any; else an exact match */
	const char *text;        /* NULL = any; else a substring of the title or the
				    description (case-insensitive for ASCII) */
	int64_t since;           /* created_at >= since; 0 = no bound */
	int64_t until;           /* created_at < until; 0 = no bound */
	bool unfinished;         /* only runs whose lifecycle is not terminal */
	/* Keyset pagination: only runs listed after (older than) the run with
	 * this created_at and id, i.e. (created_at, id) < (before_created,
	 * before_id). Runs recorded meanwhile are newer, so they never shift a
	 * later page. Unused when before_id is NULL. */
	int64_t before_created;
	const char *before_id;
	int limit;               /* 0 = no limit */
};

/* Runs matching `f`, newest first (by created_at, then id). */
int store_runs_list(struct store *st, const struct run_filter *f, struct run **out, size_t *n,
		    struct error *e);
void store_runs_free(struct run *runs, size_t n);

/* Calls cb(ctx, lifecycle, count) once per lifecycle state that has runs
 * (for /metrics). */
int store_runs_by_lifecycle(struct store *st,
			    void (*cb)(void *ctx, enum lifecycle lc, int64_t count), void *ctx,
			    struct error *e);

/* Records one lifecycle transition (table run_events). */
int store_run_event_add(struct store *st, const char *run_id, enum lifecycle lc, int64_t at,
			const char *message, struct error *e);
/* The run's events, oldest first. */
int store_run_events(struct store *st, const char *run_id, struct run_event **out, size_t *n,
		     struct error *e);

/* Records `n` suites' own output (struct suite_output: JUnit's
 * <testsuite>-level system-out/err) into the run, in one transaction.
 * Entries with neither text are skipped. RC_NOTFOUND for an unknown run. */
int store_suite_outputs_add(struct store *st, const char *run_id,
			    const struct suite_output *o, size_t n, struct error *e);
/* Deletes the run's outputs of `suite` that an earlier worker claim sent
 * (0 < their claim < `claim`). */
int store_suite_outputs_drop_older(struct store *st, const char *run_id, const char *suite,
				   int64_t claim, struct error *e);
/* The run's suite outputs in recording order: all of them, or only those of
 * `suite` when it is not NULL. Without `with_text` the texts are left NULL
 * (a row per output still: the names and sizes say which suites have
 * some). An unknown run has none. */
int store_suite_outputs(struct store *st, const char *run_id, const char *suite, bool with_text,
			struct suite_output **out, size_t *n, struct error *e);

/* ---- results ---- */

/* Inserts `n` results in one transaction (all or nothing). Each result's
 * run_id must name an existing run; its test is created (in that run's
 * project) if new. In the same transaction, each result is added to its run's
 * counters: counts[] for top-level results, sub_counts[] for sub-results
 * (parent != NULL); superseded results (earlier attempts) are not counted, and
 * a top-level passed result with attempt > 1 adds to the run's flaky count
 * when an earlier attempt of it in the run did not pass (every result read
 * back says so in `flaky`).
 * A result with attempt 0 is the next attempt of its test in the run (a
 * retest, a rerun read from a file): the test's current result there, if
 * any, is marked superseded and taken out of the counters, and the new one
 * gets the attempt number after it (1 when there is none).
 * r->id is used if set, else a UUIDv7 is made. */
int store_results_insert(struct store *st, const struct result *rs, size_t n, struct error *e);

/* How many of run `run_id`'s current sub-results did not pass (failed,
 * error, blocked, invalid) while their parent has no current result in the
 * run: failures the run's counters, which count top-level results, do not
 * show (a reporter that sent the points of a file and never the file). */
int store_run_orphan_failures(struct store *st, const char *run_id, int64_t *n,
			      struct error *e);

struct result_filter {
	int status;          /* -1 = any; else an enum result_status */
	bool top_level;      /* only results with no parent */
	bool with_output;    /* also read stdout_text/stderr_text (large) */
	const char *test;    /* NULL = any; else an exact test name */
	bool final_only;     /* leave out superseded attempts */
	bool slowest;        /* longest duration first instead of recording order */
	int64_t after_seq;   /* only results recorded after the one with this seq
				(pagination in recording order); 0 = from the start */
	int limit;           /* 0 = no limit */
};

/* Calls cb(ctx, r) for each of a run's results, in the order they were
 * recorded (or slowest first), reading one row at a time: memory does not
 * grow with the run. `r` is valid during the call only. A non-zero return
 * from cb stops the walk and is returned (its error is the caller's to fill). */
int store_results_each(struct store *st, const char *run_id, const struct result_filter *f,
		       int (*cb)(void *ctx, const struct result *r), void *ctx,
		       struct error *e);

/* A run's results in the order they were recorded. */
int store_results_list(struct store *st, const char *run_id, const struct result_filter *f,
		       struct result **out, size_t *n, struct error *e);
void store_results_free(struct result *rs, size_t n);

/* ---- idempotent requests ---- */

/* The answer stored for a request that carried an idempotency key, so that a
 * retried request gets the same answer and records nothing twice. `scope`
 * says what the key is for (e.g. "results:RUN_ID"): keys of different
 * scopes never meet. `request_hash` tells a retry of the same request from
 * a different request that reuses the key. */
struct idem_answer {
	int status;          /* the HTTP status that was answered */
	char *body;          /* the answer's body (heap) */
	char *request_hash;  /* heap */
};

/* Fills `out` with the stored answer for (scope, key); RC_NOTFOUND if none.
 * Call it inside the transaction that would record the request, so two
 * retries racing each other are serialized by the write lock. */
int store_idem_get(struct store *st, const char *scope, const char *key,
		   struct idem_answer *out, struct error *e);
/* Stores the answer for (scope, key); RC_EXISTS if the key is taken. */
int store_idem_put(struct store *st, const char *scope, const char *key,
		   const struct idem_answer *a, struct error *e);
void idem_answer_release(struct idem_answer *a);
/* Forgets the keys stored before `before` (ms since the epoch); *n is how
 * many. */
int store_idem_expire(struct store *st, int64_t before, int64_t *n, struct error *e);

/* ---- API tokens ---- */

/* Records a token by the hash of its secret. RC_EXISTS when a valid token
 * has that name. */
int store_token_add(struct store *st, const char *name, enum role role, const char *hash,
		    struct error *e);
/* The valid (not revoked) token whose secret has this hash; RC_NOTFOUND if
 * none. */
int store_token_find(struct store *st, const char *hash, struct token *out, struct error *e);
/* Every token, revoked ones too, oldest first. */
int store_tokens_list(struct store *st, struct token **out, size_t *n, struct error *e);
/* Revokes the valid token named `name`; RC_NOTFOUND if there is none. */
int store_token_revoke(struct store *st, const char *name, struct error *e);

/* ---- share links ---- */

/* Records a share link of run `run_id` by the hash of its secret.
 * RC_NOTFOUND when there is no such run. */
int store_share_add(struct store *st, const char *run_id, const char *hash, struct error *e);
/* The run a working link points at; RC_NOTFOUND if the link is unknown or
 * revoked. */
int store_share_find(struct store *st, const char *hash, char run_id[UUID_STR_LEN],
		     struct error *e);
/* Revokes every working link of the run; *n is how many there were. */
int store_share_revoke(struct store *st, const char *run_id, int64_t *n, struct error *e);

/* ---- projects ---- */

struct project_stat {
	char *name;
	int64_t created_at;
	int64_t runs;        /* runs recorded in the project */
	int64_t tests;       /* tests it has */
	int64_t last_run_at; /* created_at of its newest run; 0 = none */
};

/* Every project, by name, with its counts. */
int store_projects_list(struct store *st, struct project_stat **out, size_t *n,
			struct error *e);
void store_project_stats_free(struct project_stat *p, size_t n);

/* ---- tests and their history ---- */

/* Whether `project` has a test named `name` (the tests an import may not
 * create when creating is turned off). */
int store_test_exists(struct store *st, const char *project, const char *name, bool *exists,
		      struct error *e);

struct test_stat {
	int64_t id;                 /* the store's key of the test (for a page's end) */
	char *project;              /* the project it belongs to */
	char *name;
	int64_t results;            /* how many results the test has, all runs */
	int64_t avg_ms;             /* average duration of its results (not blocked/untested) */
	enum result_status last_status;
	int64_t last_at;            /* started_at of its newest result; 0 = none */
};

struct test_filter {
	const char *project; /* NULL = every project */
	/* Keyset pagination: only the tests listed after the one whose id this
	 * is; 0 = from the first. */
	int64_t after_id;
	int limit;           /* 0 = no limit */
};

/* The tests `f` selects with their history: project by project (in the
 * order they were made), each project's by name, byte-wise. A page is a
 * walk of the (project, name) index from the cursor's test, however many
 * tests there are; only its tests' history is read. */
int store_tests_list(struct store *st, const struct test_filter *f, struct test_stat **out,
		     size_t *n, struct error *e);
void store_test_stats_free(struct test_stat *t, size_t n);

/* Calls cb(ctx, name, avg_ms) for each test of `project` that has at least one
 * timed result (passed, failed, error, skipped): the expected durations the
 * planner orders by. One query, however many tests. */
int store_test_durations(struct store *st, const char *project,
			 void (*cb)(void *ctx, const char *name, int64_t avg_ms), void *ctx,
			 struct error *e);

/* ---- orchestration: pools, packages, workers, queued runs (sqlite_orch.c) ----
 *
 * The rules (who may claim, when a lease is lost, what a phase means) are
 * service/orch.c's; these only read and write rows. The claim is the one
 * place where the store itself guarantees something: store_order_claim
 * hands a queued run to exactly one caller, however many ask at once. */

/* Adds a pool; RC_EXISTS when one has that name. */
int store_pool_add(struct store *st, const struct pool *p, struct error *e);
/* RC_NOTFOUND when there is no such pool. */
int store_pool_get(struct store *st, const char *name, struct pool *out, struct error *e);
/* Every pool, by name. */
int store_pools_list(struct store *st, struct pool **out, size_t *n, struct error *e);
/* Removes a pool (its workers' rows too); RC_NOTFOUND when there is none. */
int store_pool_delete(struct store *st, const char *name, struct error *e);
/* Counts for `assay pool show`: a worker is online when it is not offline and
 * heartbeated within its lease of `now`: `lease_ms` when > 0, else the one
 * its row records (ORCH_DEFAULT_LEASE_MS when it records none). */
int store_pool_stat(struct store *st, const char *name, int64_t now, int64_t lease_ms,
		    struct pool_stat *out, struct error *e);

/* Stores bytes under their digest ("sha256:<hex>", computed by the caller);
 * storing the same digest again does nothing. */
int store_blob_put(struct store *st, const char *digest, const void *data, size_t size,
		   struct error *e);
/* The bytes stored under `digest` (heap, *data freed by the caller);
 * RC_NOTFOUND when there are none. */
int store_blob_get(struct store *st, const char *digest, void **data, size_t *size,
		   struct error *e);
/* Records a package (its blob must be stored); RC_EXISTS when name@version
 * is taken. */
int store_package_add(struct store *st, const struct package *p, struct error *e);
/* RC_NOTFOUND when there is no name@version. */
int store_package_get(struct store *st, const char *name, const char *version,
		      struct package *out, struct error *e);
/* Every package, by name and version. */
int store_packages_list(struct store *st, struct package **out, size_t *n, struct error *e);

/* Adds the worker, or updates its pool, slots and host when it exists (a
 * restarted worker registers again); its heartbeat is set to `now` and its
 * lease to `lease_ms` (what the server granted). */
int store_worker_register(struct store *st, const char *name, const char *pool, int64_t slots,
			  const char *host, int64_t now, int64_t lease_ms, struct error *e);
/* RC_NOTFOUND when there is no such worker. current_run is filled. */
int store_worker_get(struct store *st, const char *name, struct worker *out, struct error *e);
/* Workers of `pool` (NULL: all), by pool and name, with their current run. */
int store_workers_list(struct store *st, const char *pool, struct worker **out, size_t *n,
		       struct error *e);
/* Sets heartbeat_at and the lease granted with it; RC_NOTFOUND when there
 * is no such worker. */
int store_worker_heartbeat(struct store *st, const char *name, int64_t now, int64_t lease_ms,
			   struct error *e);
/* Writes health_failures, infra_failures, offline_reason and last_error. */
int store_worker_update(struct store *st, const struct worker *w, struct error *e);

/* Records the order of a run already inserted. */
int store_order_add(struct store *st, const struct run_order *o, struct error *e);
/* RC_NOTFOUND when the run has no order (it was not started on a pool). */
int store_order_get(struct store *st, const char *run_id, struct run_order *out,
		    struct error *e);
/* Writes state, worker, claim, lost, queued_at and claimed_at. */
int store_order_update(struct store *st, const struct run_order *o, struct error *e);
/* In one statement, gives `worker` the queued run of `pool` with the highest
 * priority, oldest first: its order becomes claimed with the next claim
 * number. RC_NOTFOUND when none is queued. */
int store_order_claim(struct store *st, const char *pool, const char *worker, int64_t now,
		      char run_id[UUID_STR_LEN], int64_t *claim, struct error *e);
/* Whether a run of `pool` is queued: a read, which takes no write lock (a
 * claim that would find nothing need not wait for one). */
int store_orders_waiting(struct store *st, const char *pool, bool *any, struct error *e);
/* Claimed orders whose worker is gone or has not heartbeated within the
 * lease recorded on its row (`default_lease_ms` for a row recording none)
 * before `now`. */
int store_orders_stale(struct store *st, int64_t now, int64_t default_lease_ms,
		       struct run_order **out, size_t *n, struct error *e);
/* Claimed orders held by `worker` and claimed before `claimed_before`
 * (inside a transaction on PostgreSQL: locked, those another transaction
 * holds passed over, as store_orders_stale). */
int store_orders_held(struct store *st, const char *worker, int64_t claimed_before,
		      struct run_order **out, size_t *n, struct error *e);
void store_orders_free(struct run_order *o, size_t n);

/* Up to `limit` finished runs (lifecycle 7, 8, 10 or 99) that retention may
 * delete: of `pool` (NULL: any), created before `before` (0: any time),
 * beyond the newest `keep` finished ones (0: none spared). Oldest first. */
int store_runs_prunable(struct store *st, const char *pool, int64_t keep, int64_t before,
			int limit, char (**ids)[UUID_STR_LEN], size_t *n, struct error *e);
/* Deletes the runs with their results, events, links and orders, in one
 * transaction. Unfinished runs among them are left alone; *deleted counts
 * the others. */
int store_runs_delete(struct store *st, char (*ids)[UUID_STR_LEN], size_t n, int64_t *deleted,
		      struct error *e);

#endif
