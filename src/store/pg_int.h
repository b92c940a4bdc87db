/* pg_int — what the PostgreSQL backend's files share (private to store/):
 * the handle, parameters as libpq wants them (text, NULL for "not set"), the
 * one function that runs a statement, and readers of result columns.
 *
 * pg.c holds the connection, migrations, transactions, runs and events,
 * tokens, share links and idempotency keys; pg_results.c holds results and
 * the tests' history; pg_orch.c pools, packages, workers and the queue.
 *
 * Differences from SQLite a reader of this backend must keep in mind:
 * - A statement that fails inside a transaction aborts the whole transaction
 *   on PostgreSQL (SQLite just returns the error). So the expected refusals
 *   (a duplicate key, a missing run) are never produced by letting a
 *   statement fail: they are asked for with ON CONFLICT DO NOTHING or WHERE
 *   EXISTS and told from the number of rows changed.
 * - Ids are `uuid` columns: a string that is not a UUID would be a type
 *   error, so such strings are answered "not found" before any SQL runs.
 * - Several processes share one database with row locks instead of SQLite's
 *   one write lock: counters are updated with col = col + n (atomic), and a
 *   batch of results locks its run's row first, so attempts are numbered
 *   one batch at a time. */
#ifndef ASSAY_STORE_PG_INT_H
#define ASSAY_STORE_PG_INT_H

#include <libpq-fe.h>

#include "store/backend.h"

/* Statements prepared once per connection (hot paths), by name "s<N>". */
enum pg_stmt {
	PG_PROJECT_ADD,
	PG_PROJECT_GET,
	PG_RUN_ADD,
	PG_RUN_UPDATE,
	PG_RUN_GET,
	PG_RUN_GET_LOCK,
	PG_EVENT_ADD,
	PG_EVENTS,
	PG_SUITE_OUT_ADD,
	PG_SUITE_OUT_DROP,
	PG_SUITE_OUTS,
	PG_RUN_OF_RESULT,
	PG_TEST_ADD,
	PG_TEST_GET,
	PG_RESULT_ADD,
	PG_COUNTERS,
	PG_CURRENT,
	PG_SUPERSEDE,
	PG_FAILED_BEFORE,
	PG_TEST_EXISTS,
	PG_IDEM_LOCK,
	PG_IDEM_GET,
	PG_IDEM_PUT,
	PG_TOKEN_FIND,
	PG_SHARE_FIND,
	PG_POOL_GET,
	PG_WORKER_GET,
	PG_WORKER_GET_LOCK,
	PG_WORKER_HEARTBEAT,
	PG_ORDER_GET,
	PG_ORDER_GET_LOCK,
	PG_ORDER_UPDATE,
	PG_ORDER_CLAIM,
	PG_ORDERS_STALE,
	PG_ORDERS_STALE_LOCK,
	PG_ORDERS_HELD,
	PG_ORDERS_HELD_LOCK,
	PG_ORDERS_WAITING,
	PG__COUNT,
	PG_ONCE = -1 /* not kept: parsed for this one use */
};

/* name → id of the tests already seen, per project (open addressing,
 * `name` NULL = empty). Tests are never deleted, so an id once seen stays
 * good; the cache is emptied after a rollback, which may undo a creation. */
struct pg_test_slot {
	char *name;
	int64_t project_id;
	int64_t test_id;   /* -1: being fetched by the current batch */
	unsigned made_in;  /* the batch (pg_store.batch) that created the test, or 0 */
};

/* Statements sent in libpq's pipeline mode whose answers are not read yet
 * (pg_pipe_cmd). */
#define PG_PIPE_MAX 1000
struct pg_pipe {
	bool on;
	int pending;
	const char *doing;              /* what the first one does, for a failed sync */
	const char *doings[PG_PIPE_MAX]; /* what each one does ("inserting results up to") */
	const char *what[PG_PIPE_MAX];  /* what each one is about (a test name) */
};

/* The months whose results partition is known to exist (yyyy * 12 + mm). */
#define PG_MONTHS_KNOWN 16

struct pg_store {
	struct store base; /* first: a struct store * is a struct pg_store * */
	PGconn *conn;
	char *label;        /* "PostgreSQL database NAME on HOST:PORT": never the URL */
	int version;
	int depth;          /* open transactions: 0 none, 1 BEGIN, >1 savepoints */
	bool whole;         /* the transaction is store_begin_whole's ... */
	bool broken;        /* ... and a part of it failed: it can only be rolled back */
	char *run_select;   /* "SELECT <what pg_read_run() expects> FROM test_runs ..." */
	char *counters_sql; /* UPDATE adding one batch's counts to a run */
	bool prepared[PG__COUNT];
	struct pg_test_slot *tests;
	size_t tests_cap, tests_n;
	unsigned batch; /* counts store_results_insert calls, from 1 */
	int months[PG_MONTHS_KNOWN];
	int months_n;
	struct pg_pipe pipe;
};

#define PG_MAX_PARAMS 40

/* A statement's parameters, $1, $2, ... in the order they are added. Every
 * value travels as text (libpq's text format); NULL is SQL NULL. Strings
 * are borrowed: they must outlive the statement's execution. */
struct pg_params {
	int n;
	const char *v[PG_MAX_PARAMS];
	char num[PG_MAX_PARAMS][24];
	char *owned[PG_MAX_PARAMS]; /* copies made by pp_text_clean */
	int n_owned;
};

void pp_text(struct pg_params *p, const char *s);
/* Text from outside (test output, names, messages): PostgreSQL refuses
 * bytes that are not UTF-8 (SQLite keeps them), so invalid sequences are
 * stored as U+FFFD, what every reader of assay's output shows for them
 * anyway. Needs pp_release() afterwards. */
void pp_text_clean(struct pg_params *p, const char *s);
void pp_release(struct pg_params *p);
void pp_i64(struct pg_params *p, int64_t v);
/* 0 means "not set" and is stored as NULL, as in the SQLite backend. */
void pp_opt(struct pg_params *p, int64_t v);
void pp_bool(struct pg_params *p, bool v);

/* Runs `sql` with `p` (NULL = no parameters). `which` names a statement kept
 * prepared on this connection, or is PG_ONCE. Returns the result (the
 * caller PQclear()s it), or NULL with `e` filled as "<step>: <server's
 * message>", step being the printf-style rest. */
PGresult *pg_exec(struct pg_store *s, enum pg_stmt which, const char *sql,
		  const struct pg_params *p, struct error *e, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* pg_exec for a statement whose rows are not wanted; *changed (if not NULL)
 * is how many rows it inserted, updated or deleted. */
int pg_cmd(struct pg_store *s, enum pg_stmt which, const char *sql, const struct pg_params *p,
	   int64_t *changed, struct error *e, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Sends a prepared statement whose answer is not needed at once (an
 * insert of a batch): many of them cost about one round trip instead of
 * one each. Their answers are read, and the first failure reported as
 * "<what>: <server's message>", by pg_pipe_flush, which every other
 * statement (pg_exec, pg_cmd, commit, rollback) calls first, so what they
 * read sees what was sent. `what` must live until then. */
int pg_pipe_cmd(struct pg_store *s, enum pg_stmt which, const char *sql,
		const struct pg_params *p, const char *doing, const char *what, struct error *e);
int pg_pipe_flush(struct pg_store *s, struct error *e);

/* Before a statement is sent outside a transaction: a connection the
 * server has closed (restart, terminated backend) is reset (PQreset), so
 * the statement goes to a live session. pg_exec and the transaction
 * statements call it; code that sends with libpq directly calls it first.
 * Inside a transaction it does nothing: see "a connection the server
 * dropped" in pg.c. RC_STORE when the server cannot be reached again. */
int pg_ready(struct pg_store *s, struct error *e);

/* Fills `e` with "<step>: <what the server or libpq said about r>". */
int pg_fail(struct pg_store *s, const PGresult *r, struct error *e, const char *step);

/* Column readers: NULL for SQL NULL; integers 0 for NULL. */
const char *pg_str(const PGresult *r, int row, int col);
char *pg_dup(const PGresult *r, int row, int col);
int64_t pg_i64(const PGresult *r, int row, int col);
bool pg_bool(const PGresult *r, int row, int col);

/* Whether `s` is a UUID in the lower-case text form assay writes. */
bool pg_is_uuid(const char *s);

int pg_begin(struct pg_store *s, struct error *e);
int pg_commit(struct pg_store *s, struct error *e);
void pg_rollback(struct pg_store *s);

/* Makes sure the results partition holding runs created at `created_at`
 * (ms) exists. */
int pg_partition_for(struct pg_store *s, int64_t created_at, struct error *e);

/* The ops of pg_runs.c (runs and their events), put in the table by pg.c. */
int pg_run_insert(struct store *st, const struct run *r, struct error *e);
int pg_run_update(struct store *st, const struct run *r, struct error *e);
int pg_run_get(struct store *st, const char *id, struct run *out, struct error *e);
int pg_run_back(struct store *st, int64_t back, char id[UUID_STR_LEN], struct error *e);
int pg_run_ids_prefix(struct store *st, const char *prefix, char (*ids)[UUID_STR_LEN], int max,
		      int *n, struct error *e);
int pg_runs_list(struct store *st, const struct run_filter *f, struct run **out, size_t *n,
		 struct error *e);
int pg_runs_by_lifecycle(struct store *st,
			 void (*cb)(void *ctx, enum lifecycle lc, int64_t count), void *ctx,
			 struct error *e);
int pg_run_event_add(struct store *st, const char *run_id, enum lifecycle lc, int64_t at,
		     const char *message, struct error *e);
int pg_suite_outputs_add(struct store *st, const char *run_id, const struct suite_output *o,
			 size_t n, struct error *e);
int pg_suite_outputs_drop_older(struct store *st, const char *run_id, const char *suite,
				int64_t claim, struct error *e);
int pg_suite_outputs(struct store *st, const char *run_id, const char *suite, bool with_text,
		     struct suite_output **out, size_t *n, struct error *e);
int pg_run_events(struct store *st, const char *run_id, struct run_event **out, size_t *n,
		  struct error *e);
/* The ops of pg_results.c, put in the backend's table by pg.c. */
int pg_results_insert(struct store *st, const struct result *rs, size_t n, struct error *e);
int pg_run_orphan_failures(struct store *st, const char *run_id, int64_t *n, struct error *e);
int pg_results_each(struct store *st, const char *run_id, const struct result_filter *f,
		    int (*cb)(void *ctx, const struct result *r), void *ctx, struct error *e);
int pg_test_exists(struct store *st, const char *project, const char *name, bool *exists,
		   struct error *e);
int pg_projects_list(struct store *st, struct project_stat **out, size_t *n, struct error *e);
int pg_tests_list(struct store *st, const struct test_filter *f, struct test_stat **out, size_t *n,
		  struct error *e);
int pg_test_durations(struct store *st, const char *project,
		      void (*cb)(void *ctx, const char *name, int64_t avg_ms), void *ctx,
		      struct error *e);
/* The ops of pg_orch.c (orchestration), put in the table by pg.c. */
int pg_pool_add(struct store *st, const struct pool *p, struct error *e);
int pg_pool_get(struct store *st, const char *name, struct pool *out, struct error *e);
int pg_pools_list(struct store *st, struct pool **out, size_t *n, struct error *e);
int pg_pool_delete(struct store *st, const char *name, struct error *e);
int pg_pool_stat(struct store *st, const char *name, int64_t now, int64_t lease_ms,
		 struct pool_stat *out, struct error *e);
int pg_blob_put(struct store *st, const char *digest, const void *data, size_t size,
		struct error *e);
int pg_blob_get(struct store *st, const char *digest, void **data, size_t *size,
		struct error *e);
int pg_package_add(struct store *st, const struct package *p, struct error *e);
int pg_package_get(struct store *st, const char *name, const char *version,
		   struct package *out, struct error *e);
int pg_packages_list(struct store *st, struct package **out, size_t *n, struct error *e);
int pg_worker_register(struct store *st, const char *name, const char *pool, int64_t slots,
		       const char *host, int64_t now, int64_t lease_ms, struct error *e);
int pg_worker_get(struct store *st, const char *name, struct worker *out, struct error *e);
int pg_workers_list(struct store *st, const char *pool, struct worker **out, size_t *n,
		    struct error *e);
int pg_worker_heartbeat(struct store *st, const char *name, int64_t now, int64_t lease_ms,
			struct error *e);
int pg_worker_update(struct store *st, const struct worker *w, struct error *e);
int pg_order_add(struct store *st, const struct run_order *o, struct error *e);
int pg_order_get(struct store *st, const char *run_id, struct run_order *out, struct error *e);
int pg_order_update(struct store *st, const struct run_order *o, struct error *e);
int pg_order_claim(struct store *st, const char *pool, const char *worker, int64_t now,
		   char run_id[UUID_STR_LEN], int64_t *claim, struct error *e);
int pg_orders_waiting(struct store *st, const char *pool, bool *any, struct error *e);
int pg_orders_stale(struct store *st, int64_t now, int64_t default_lease_ms, struct run_order **out, size_t *n,
		    struct error *e);
int pg_orders_held(struct store *st, const char *worker, int64_t claimed_before,
		   struct run_order **out, size_t *n, struct error *e);
int pg_runs_prunable(struct store *st, const char *pool, int64_t keep, int64_t before, int limit,
		     char (**ids)[UUID_STR_LEN], size_t *n, struct error *e);
int pg_runs_delete(struct store *st, char (*ids)[UUID_STR_LEN], size_t n, int64_t *deleted,
		   struct error *e);

/* Empties the test cache (after a rollback). */
void pg_results_forget(struct pg_store *s);
/* Frees what pg_results.c keeps on the handle. */
void pg_results_release(struct pg_store *s);

#endif
