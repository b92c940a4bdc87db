/* sqlite_int — what the SQLite backend's files share (private to store/):
 * the handle, its cache of prepared statements, and small helpers that bind
 * and read values the way the schema stores them (0 times and absent ids as
 * NULL) and turn SQLite errors into assay errors naming the step.
 *
 * sqlite.c holds the connection, migrations, runs and events;
 * sqlite_results.c holds results and the tests' history. */
#ifndef ASSAY_STORE_SQLITE_INT_H
#define ASSAY_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "store/backend.h"

/* Statements prepared on first use and kept until the store closes, so hot
 * paths (a result batch, a run update per transition) never re-parse SQL. */
enum sq_stmt {
	SQ_PROJECT_ADD,
	SQ_PROJECT_GET,
	SQ_RUN_ADD,
	SQ_RUN_UPDATE,
	SQ_RUN_GET,
	SQ_EVENT_ADD,
	SQ_EVENTS,
	SQ_SUITE_OUT_ADD,
	SQ_SUITE_OUT_DROP,
	SQ_SUITE_OUTS,
	SQ_DATA_VERSION,
	SQ_RUN_PROJECT,
	SQ_RUN_LAST_SEQ,
	SQ_TEST_GET,
	SQ_TEST_ADD,
	SQ_TEST_COUNT,
	SQ_RESULT_ADD,
	SQ_RESULT_ADD_MANY,
	SQ_COUNTERS,
	SQ_TEST_EXISTS,
	SQ_TEST_CURSOR,
	SQ_CURRENT,
	SQ_NEWEST,
	SQ_SUPERSEDE,
	SQ_RUNS_BY_LIFECYCLE,
	SQ_IDEM_GET,
	SQ_IDEM_PUT,
	SQ_TOKEN_FIND,
	SQ_SHARE_FIND,
	SQ_ORDERS_WAITING,
	SQ_FAILED_BEFORE,
	SQ_RUN_UNCOUNT,
	SQ_RUN_UNLAST,
	SQ_RUN_RESULTS_DELETE,
	SQ__COUNT
};

/* name → id of the tests already seen, per project, so a batch of results for
 * known tests costs no lookup query. Open addressing; `name` NULL = empty. */
struct test_slot {
	char *name;
	uint64_t hash;
	int64_t project_id;
	int64_t test_id;
};

struct test_cache {
	struct test_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

struct sqlite_store {
	struct store base; /* first: a struct store * is a struct sqlite_store * */
	sqlite3 *db;
	char *path;
	int version;          /* schema version after migrating */
	char *run_select;     /* "SELECT <what read_run() expects> FROM test_runs ..." */
	char *counters_sql;   /* UPDATE adding one batch's counts to a run */
	sqlite3_stmt *stmt[SQ__COUNT];
	struct test_cache tests;
	int64_t data_version; /* PRAGMA data_version when `tests` was last trusted */
	bool tests_new;       /* the last test not in the cache was new: try adding first */
	int depth;            /* open transactions: 0 none, 1 BEGIN, >1 savepoints */
	bool whole;           /* the transaction is store_begin_whole's: no savepoints */
	bool broken;          /* ... and a part of it failed: it can only be rolled back */
};

/* The ops of sqlite_results.c, put in the backend's table by sqlite.c. */
int sq_results_insert(struct store *st, const struct result *rs, size_t n, struct error *e);
int sq_run_orphan_failures(struct store *st, const char *run_id, int64_t *n, struct error *e);
int sq_results_each(struct store *st, const char *run_id, const struct result_filter *f,
		    int (*cb)(void *ctx, const struct result *r), void *ctx, struct error *e);
int sq_test_exists(struct store *st, const char *project, const char *name, bool *exists,
		   struct error *e);
int sq_projects_list(struct store *st, struct project_stat **out, size_t *n,
		     struct error *e);
int sq_tests_list(struct store *st, const struct test_filter *f, struct test_stat **out, size_t *n,
		  struct error *e);
int sq_test_durations(struct store *st, const char *project,
		      void (*cb)(void *ctx, const char *name, int64_t avg_ms), void *ctx,
		      struct error *e);
/* The ops of sqlite_orch.c (pools, packages, workers, the queue, retention). */
int sq_pool_add(struct store *st, const struct pool *p, struct error *e);
int sq_pool_get(struct store *st, const char *name, struct pool *out, struct error *e);
int sq_pools_list(struct store *st, struct pool **out, size_t *n, struct error *e);
int sq_pool_delete(struct store *st, const char *name, struct error *e);
int sq_pool_stat(struct store *st, const char *name, int64_t now, int64_t lease_ms,
		 struct pool_stat *out, struct error *e);
int sq_blob_put(struct store *st, const char *digest, const void *data, size_t size,
		       struct error *e);
int sq_blob_get(struct store *st, const char *digest, void **data, size_t *size,
		       struct error *e);
int sq_package_add(struct store *st, const struct package *p, struct error *e);
int sq_package_get(struct store *st, const char *name, const char *version,
			  struct package *out, struct error *e);
int sq_packages_list(struct store *st, struct package **out, size_t *n, struct error *e);
int sq_worker_register(struct store *st, const char *name, const char *pool,
			      int64_t slots, const char *host, int64_t now, int64_t lease_ms,
			      struct error *e);
int sq_worker_get(struct store *st, const char *name, struct worker *out,
			 struct error *e);
int sq_workers_list(struct store *st, const char *pool, struct worker **out, size_t *n,
			   struct error *e);
int sq_worker_heartbeat(struct store *st, const char *name, int64_t now, int64_t lease_ms,
			struct error *e);
int sq_worker_update(struct store *st, const struct worker *w, struct error *e);
int sq_order_add(struct store *st, const struct run_order *o, struct error *e);
int sq_order_get(struct store *st, const char *run_id, struct run_order *out,
			struct error *e);
int sq_order_update(struct store *st, const struct run_order *o, struct error *e);
int sq_order_claim(struct store *st, const char *pool, const char *worker, int64_t now,
			  char run_id[UUID_STR_LEN], int64_t *claim, struct error *e);
int sq_orders_waiting(struct store *st, const char *pool, bool *any, struct error *e);
int sq_orders_stale(struct store *st, int64_t now, int64_t default_lease_ms, struct run_order **out,
			   size_t *n, struct error *e);
int sq_orders_held(struct store *st, const char *worker, int64_t claimed_before,
		   struct run_order **out, size_t *n, struct error *e);
int sq_runs_prunable(struct store *st, const char *pool, int64_t keep, int64_t before,
			    int limit, char (**ids)[UUID_STR_LEN], size_t *n, struct error *e);
int sq_runs_delete(struct store *st, char (*ids)[UUID_STR_LEN], size_t n,
			  int64_t *deleted, struct error *e);

/* Deletes the results of run number `run_no` and takes them out of their
 * tests' histories; inside the caller's transaction, after the run's row. */
int sq_results_delete_run(struct sqlite_store *s, int64_t run_no, struct error *e);
/* Empties the test cache (after a rollback, which may have removed tests). */
void sq_results_forget(struct sqlite_store *s);
/* Frees what sqlite_results.c keeps on the handle (the test cache). */
void sq_results_release(struct sqlite_store *s);

/* Fills `e` with RC_STORE and "<step>: <SQLite's message>" and returns
 * RC_STORE. Call it before any ROLLBACK, which would replace the message. */
int sq_fail(struct sqlite_store *s, struct error *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The statement `which`, prepared from `sql` on first use and reset for
 * reuse; NULL (and `e` filled) if it does not compile. */
sqlite3_stmt *sq_stmt(struct sqlite_store *s, enum sq_stmt which, const char *sql,
		      struct error *e);
/* Compiles `sql` for one use (the caller finalizes it); NULL and `e` filled on error. */
sqlite3_stmt *sq_prepare(struct sqlite_store *s, const char *sql, struct error *e);

/* Transactions. BEGIN IMMEDIATE takes the write lock up front, so a writer
 * waits (busy timeout) at the start instead of failing halfway through. */
int sq_begin(struct sqlite_store *s, struct error *e);
int sq_commit(struct sqlite_store *s, struct error *e);
void sq_rollback(struct sqlite_store *s);

/* Bind helpers: a NULL string, and 0 for "not set", are stored as SQL NULL.
 * Strings are bound SQLITE_STATIC: they must outlive the statement's step. */
void sq_bind_text(sqlite3_stmt *q, int i, const char *s);
void sq_bind_opt(sqlite3_stmt *q, int i, int64_t v);
/* Column helpers: a heap copy of a text column (NULL stays NULL). */
char *sq_column_dup(sqlite3_stmt *q, int i);

/* sqlite_runs.c: runs, their events and suite outputs (the ops table is in sqlite.c). */
int sqlite_run_insert(struct store *st, const struct run *r, struct error *e);
int sqlite_run_update(struct store *st, const struct run *r, struct error *e);
int sqlite_run_get(struct store *st, const char *id, struct run *out, struct error *e);
int sqlite_run_back(struct store *st, int64_t back, char id[UUID_STR_LEN],
		    struct error *e);
int sqlite_run_ids_prefix(struct store *st, const char *prefix,
			  char (*ids)[UUID_STR_LEN], int max, int *n, struct error *e);
int sqlite_runs_list(struct store *st, const struct run_filter *f, struct run **out,
		     size_t *n, struct error *e);
int sqlite_runs_by_lifecycle(struct store *st,
			     void (*cb)(void *ctx, enum lifecycle lc, int64_t count),
			     void *ctx, struct error *e);
int sqlite_run_event_add(struct store *st, const char *run_id, enum lifecycle lc,
			 int64_t at, const char *message, struct error *e);
int sqlite_run_events(struct store *st, const char *run_id, struct run_event **out,
		      size_t *n, struct error *e);
int sqlite_suite_outputs_add(struct store *st, const char *run_id,
			     const struct suite_output *o, size_t n, struct error *e);
int sqlite_suite_outputs_drop_older(struct store *st, const char *run_id, const char *suite,
				    int64_t claim, struct error *e);
int sqlite_suite_outputs(struct store *st, const char *run_id, const char *suite,
			 bool with_text, struct suite_output **out, size_t *n,
			 struct error *e);

#endif
