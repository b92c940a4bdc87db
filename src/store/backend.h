/* backend — what a storage backend provides to store.c (private to store/).
 *
 * A backend's handle starts with `struct store` (so a `struct store *` can be
 * cast to it) and points at a table of its functions. store.c parses the URL,
 * calls the backend's open function, and from then on every public store_*
 * call goes through st->ops. Each op has the meaning, arguments and error
 * rules of the store_* function of the same name in store.h; the arguments
 * have already been checked for NULL where store.h says they may not be. */
#ifndef ASSAY_STORE_BACKEND_H
#define ASSAY_STORE_BACKEND_H

#include "store/store.h"

struct store_ops {
	const char *name; /* "sqlite", "postgresql" */
	void (*close)(struct store *st);
	int (*schema_version)(struct store *st);

	int (*run_insert)(struct store *st, const struct run *r, struct error *e);
	int (*run_update)(struct store *st, const struct run *r, struct error *e);
	int (*run_get)(struct store *st, const char *id, struct run *out, struct error *e);
	/* For store_run_resolve, which reads the name: the id of the run `back`
	 * runs before the newest (RC_NOTFOUND when there are not that many),
	 * and up to `max` ids starting with `prefix` (lower-case, 4 to 35
	 * characters), in id order. */
	int (*run_back)(struct store *st, int64_t back, char id[UUID_STR_LEN], struct error *e);
	int (*run_ids_prefix)(struct store *st, const char *prefix, char (*ids)[UUID_STR_LEN],
			      int max, int *n, struct error *e);
	int (*runs_list)(struct store *st, const struct run_filter *f, struct run **out,
			 size_t *n, struct error *e);
	int (*runs_by_lifecycle)(struct store *st,
				 void (*cb)(void *ctx, enum lifecycle lc, int64_t count),
				 void *ctx, struct error *e);
	int (*idem_get)(struct store *st, const char *scope, const char *key,
			struct idem_answer *out, struct error *e);
	int (*idem_put)(struct store *st, const char *scope, const char *key,
			const struct idem_answer *a, struct error *e);
	int (*idem_expire)(struct store *st, int64_t before, int64_t *n, struct error *e);
	int (*token_add)(struct store *st, const char *name, enum role role, const char *hash,
			 struct error *e);
	int (*token_find)(struct store *st, const char *hash, struct token *out,
			  struct error *e);
	int (*tokens_list)(struct store *st, struct token **out, size_t *n, struct error *e);
	int (*token_revoke)(struct store *st, const char *name, struct error *e);
	int (*share_add)(struct store *st, const char *run_id, const char *hash,
			 struct error *e);
	int (*share_find)(struct store *st, const char *hash, char run_id[UUID_STR_LEN],
			  struct error *e);
	int (*share_revoke)(struct store *st, const char *run_id, int64_t *n, struct error *e);
	int (*run_event_add)(struct store *st, const char *run_id, enum lifecycle lc, int64_t at,
			     const char *message, struct error *e);
	int (*run_events)(struct store *st, const char *run_id, struct run_event **out,
			  size_t *n, struct error *e);
	int (*suite_outputs_add)(struct store *st, const char *run_id,
				 const struct suite_output *o, size_t n, struct error *e);
	int (*suite_outputs_drop_older)(struct store *st, const char *run_id, const char *suite,
					int64_t claim, struct error *e);
	int (*suite_outputs)(struct store *st, const char *run_id, const char *suite,
			     bool with_text, struct suite_output **out, size_t *n,
			     struct error *e);

	int (*results_insert)(struct store *st, const struct result *rs, size_t n,
			      struct error *e);
	int (*run_orphan_failures)(struct store *st, const char *run_id, int64_t *n,
				   struct error *e);
	int (*results_each)(struct store *st, const char *run_id, const struct result_filter *f,
			    int (*cb)(void *ctx, const struct result *r), void *ctx,
			    struct error *e);
	int (*test_exists)(struct store *st, const char *project, const char *name,
			   bool *exists, struct error *e);

	int (*begin)(struct store *st, struct error *e);
	int (*begin_whole)(struct store *st, struct error *e);
	int (*commit)(struct store *st, struct error *e);
	void (*rollback)(struct store *st);

	int (*projects_list)(struct store *st, struct project_stat **out, size_t *n,
			     struct error *e);
	int (*tests_list)(struct store *st, const struct test_filter *f, struct test_stat **out,
			  size_t *n, struct error *e);
	int (*test_durations)(struct store *st, const char *project,
			      void (*cb)(void *ctx, const char *name, int64_t avg_ms), void *ctx,
			      struct error *e);

	/* orchestration (sqlite_orch.c, pg_orch.c) */
	int (*pool_add)(struct store *st, const struct pool *p, struct error *e);
	int (*pool_get)(struct store *st, const char *name, struct pool *out, struct error *e);
	int (*pools_list)(struct store *st, struct pool **out, size_t *n, struct error *e);
	int (*pool_delete)(struct store *st, const char *name, struct error *e);
	int (*pool_stat)(struct store *st, const char *name, int64_t now, int64_t lease_ms,
			 struct pool_stat *out, struct error *e);
	int (*blob_put)(struct store *st, const char *digest, const void *data, size_t size,
			struct error *e);
	int (*blob_get)(struct store *st, const char *digest, void **data, size_t *size,
			struct error *e);
	int (*package_add)(struct store *st, const struct package *p, struct error *e);
	int (*package_get)(struct store *st, const char *name, const char *version,
			   struct package *out, struct error *e);
	int (*packages_list)(struct store *st, struct package **out, size_t *n, struct error *e);
	int (*worker_register)(struct store *st, const char *name, const char *pool,
			       int64_t slots, const char *host, int64_t now, int64_t lease_ms,
			       struct error *e);
	int (*worker_get)(struct store *st, const char *name, struct worker *out,
			  struct error *e);
	int (*workers_list)(struct store *st, const char *pool, struct worker **out, size_t *n,
			    struct error *e);
	int (*worker_heartbeat)(struct store *st, const char *name, int64_t now, int64_t lease_ms,
				struct error *e);
	int (*worker_update)(struct store *st, const struct worker *w, struct error *e);
	int (*order_add)(struct store *st, const struct run_order *o, struct error *e);
	int (*order_get)(struct store *st, const char *run_id, struct run_order *out,
			 struct error *e);
	int (*order_update)(struct store *st, const struct run_order *o, struct error *e);
	int (*order_claim)(struct store *st, const char *pool, const char *worker, int64_t now,
			   char run_id[UUID_STR_LEN], int64_t *claim, struct error *e);
	int (*orders_waiting)(struct store *st, const char *pool, bool *any, struct error *e);
	int (*orders_stale)(struct store *st, int64_t now, int64_t default_lease_ms,
			    struct run_order **out, size_t *n, struct error *e);
	int (*orders_held)(struct store *st, const char *worker, int64_t claimed_before,
			   struct run_order **out, size_t *n, struct error *e);
	int (*runs_prunable)(struct store *st, const char *pool, int64_t keep, int64_t before,
			     int limit, char (**ids)[UUID_STR_LEN], size_t *n, struct error *e);
	int (*runs_delete)(struct store *st, char (*ids)[UUID_STR_LEN], size_t n,
			   int64_t *deleted, struct error *e);
};

struct store {
	const struct store_ops *ops;
};

/* Opens (creating if needed) the SQLite database at `path` and migrates it. */
int sqlite_store_open(const char *path, struct store **out, struct error *e);
/* Connects to the PostgreSQL database `url` (a libpq URI) and migrates it. */
int pg_store_open(const char *url, struct store **out, struct error *e);
/* Passes a sentence to the function store_set_notice set, if any. */
void store_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
