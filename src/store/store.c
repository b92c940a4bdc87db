/* store — the public interface: picks a backend from the URL, then forwards
 * every call through the backend's table of functions (store/backend.h). The
 * list-freeing functions live here because they only free model types. */
#include "util/base.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>

#include "store/backend.h"
#include "util/str.h"

static void (*notice_fn)(const char *msg);

void store_set_notice(void (*notice)(const char *msg))
{
	notice_fn = notice;
}

void store_notice(const char *fmt, ...)
{
	if (!notice_fn)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	notice_fn(msg);
}

/* Opens the backend `url` names. A URL without "://" is a file path; so is
 * "sqlite:PATH" (and "sqlite://PATH", for people who write URLs out of habit).
 * "postgresql://..." and "postgres://..." go to PostgreSQL as they are
 * (libpq reads them); they are never echoed, as they may carry a password. */
int store_open(const char *url, struct store **out, struct error *e)
{
	*out = NULL;
	if (!url || !*url)
		return err_set(e, RC_USAGE, "no database given");
	const char *path = url;
	if (str_starts(url, "sqlite:")) {
		path = url + strlen("sqlite:");
		if (str_starts(path, "//"))
			path += 2;
	} else if (str_starts(url, "postgresql://") || str_starts(url, "postgres://")) {
		return pg_store_open(url, out, e);
	} else {
		const char *sep = strstr(url, "://");
		if (sep)
			return err_set(e, RC_USAGE,
				       "unknown database scheme '%.*s': use a file path, sqlite:PATH "
				       "or postgresql://...",
				       (int)(sep - url > 40 ? 40 : sep - url), url);
	}
	if (!*path)
		return err_set(e, RC_USAGE, "'%s' names no database file", url);
	return sqlite_store_open(path, out, e);
}

bool store_url_is_pg(const char *url)
{
	return url && (str_starts(url, "postgresql://") || str_starts(url, "postgres://"));
}

void store_url_display(const char *url, char *out, size_t n)
{
	if (!store_url_is_pg(url)) {
		snprintf(out, n, "%s", url ? url : "");
		return;
	}
	/* scheme://[user[:password]@]host...: the password becomes "***". A
	 * password given as ?password=... is cut with the whole query. */
	const char *rest = strstr(url, "://") + 3;
	const char *at = strchr(rest, '@');
	const char *slash = strchr(rest, '/');
	const char *query = strchr(rest, '?');
	const char *end = query ? query : url + strlen(url);
	if (at && (!slash || at < slash)) {
		const char *colon = memchr(rest, ':', (size_t)(at - rest));
		if (colon)
			snprintf(out, n, "%.*s:***%.*s", (int)(colon - url), url, (int)(end - at), at);
		else
			snprintf(out, n, "%.*s", (int)(end - url), url);
	} else {
		snprintf(out, n, "%.*s", (int)(end - url), url);
	}
}

void store_close(struct store *st)
{
	if (st)
		st->ops->close(st);
}

int store_schema_version(struct store *st)
{
	return st->ops->schema_version(st);
}

int store_begin(struct store *st, struct error *e)
{
	return st->ops->begin(st, e);
}

int store_begin_whole(struct store *st, struct error *e)
{
	return st->ops->begin_whole(st, e);
}

int store_commit(struct store *st, struct error *e)
{
	return st->ops->commit(st, e);
}

void store_rollback(struct store *st)
{
	st->ops->rollback(st);
}

int store_run_insert(struct store *st, const struct run *r, struct error *e)
{
	if (!r->id[0])
		return err_set(e, RC_USAGE, "inserting run: the run has no id");
	return st->ops->run_insert(st, r, e);
}

int store_run_update(struct store *st, const struct run *r, struct error *e)
{
	if (!r->id[0])
		return err_set(e, RC_USAGE, "updating run: the run has no id");
	return st->ops->run_update(st, r, e);
}

int store_run_get(struct store *st, const char *id, struct run *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	if (!id || !*id)
		return err_set(e, RC_USAGE, "reading run: no id given");
	return st->ops->run_get(st, id, out, e);
}

/* The run names every backend answers: "last", "last~N", a whole id or a
 * prefix of one (at least 4 characters, either case). */
int store_run_resolve(struct store *st, const char *name, char id[UUID_STR_LEN],
		      struct error *e)
{
	id[0] = '\0';
	if (!name || !*name)
		return err_set(e, RC_USAGE, "no run named: give a run id, a prefix of one, or last");
	int64_t back = 0;
	if (!strcmp(name, "last") || str_starts(name, "last~")) {
		if (name[4] && (!str_to_i64(name + 5, &back) || back < 0))
			return err_set(e, RC_USAGE,
				       "'%s': last~ takes a number of runs back, e.g. last~1", name);
		int rc = st->ops->run_back(st, back, id, e);
		if (rc == RC_NOTFOUND)
			return err_set(e, rc, "no run named '%s'%s", name,
				       back ? " (there are not that many runs)"
					    : " (there are no runs yet)");
		return rc ? err_prefix(e, "resolving run '%s'", name) : RC_OK;
	}
	size_t len = strlen(name);
	if (len < 4)
		return err_set(e, RC_NOTFOUND,
			       "no run named '%s' (an id prefix needs at least 4 characters)", name);
	if (len >= UUID_STR_LEN)
		return err_set(e, RC_NOTFOUND, "no run named '%s'", name);
	/* Ids are lower-case hex; accept a prefix pasted in upper case. */
	char prefix[UUID_STR_LEN];
	for (size_t i = 0; i <= len; i++)
		prefix[i] = (char)tolower((unsigned char)name[i]);
	char ids[4][UUID_STR_LEN];
	int n = 0;
	int rc = st->ops->run_ids_prefix(st, prefix, ids, 4, &n, e);
	if (rc)
		return err_prefix(e, "looking up run ids '%s...'", prefix);
	/* A full id is also a prefix of itself, so it comes out the same way. */
	if (n == 0)
		return err_set(e, RC_NOTFOUND, "no run named '%s'", name);
	if (n > 1 && strcmp(ids[0], prefix))
		return err_set(e, RC_USAGE, "run id prefix '%s' is ambiguous: %s, %s%s%s%s", name,
			       ids[0], ids[1], n > 2 ? ", " : "", n > 2 ? ids[2] : "",
			       n > 3 ? ", ..." : "");
	memcpy(id, ids[0], UUID_STR_LEN);
	return RC_OK;
}

int store_runs_list(struct store *st, const struct run_filter *f, struct run **out, size_t *n,
		    struct error *e)
{
	static const struct run_filter any = { 0 };
	*out = NULL;
	*n = 0;
	return st->ops->runs_list(st, f ? f : &any, out, n, e);
}

void store_runs_free(struct run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_release(&runs[i]);
	free(runs);
}

int store_runs_by_lifecycle(struct store *st,
			    void (*cb)(void *ctx, enum lifecycle lc, int64_t count), void *ctx,
			    struct error *e)
{
	return st->ops->runs_by_lifecycle(st, cb, ctx, e);
}

int store_idem_get(struct store *st, const char *scope, const char *key,
		   struct idem_answer *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	if (!scope || !key || !*key)
		return err_set(e, RC_USAGE, "reading an idempotency key: no scope or key given");
	return st->ops->idem_get(st, scope, key, out, e);
}

int store_idem_put(struct store *st, const char *scope, const char *key,
		   const struct idem_answer *a, struct error *e)
{
	if (!scope || !key || !*key || !a->body)
		return err_set(e, RC_USAGE, "storing an idempotency key: no scope, key or answer");
	return st->ops->idem_put(st, scope, key, a, e);
}

int store_idem_expire(struct store *st, int64_t before, int64_t *n, struct error *e)
{
	*n = 0;
	return st->ops->idem_expire(st, before, n, e);
}

void idem_answer_release(struct idem_answer *a)
{
	free(a->body);
	free(a->request_hash);
	memset(a, 0, sizeof(*a));
}

int store_token_add(struct store *st, const char *name, enum role role, const char *hash,
		    struct error *e)
{
	if (!name || !*name || !hash || !*hash || (unsigned)role >= ROLE__COUNT)
		return err_set(e, RC_USAGE, "adding a token: no name, hash or role given");
	return st->ops->token_add(st, name, role, hash, e);
}

int store_token_find(struct store *st, const char *hash, struct token *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	if (!hash || !*hash)
		return err_set(e, RC_NOTFOUND, "no token given");
	return st->ops->token_find(st, hash, out, e);
}

int store_tokens_list(struct store *st, struct token **out, size_t *n, struct error *e)
{
	*out = NULL;
	*n = 0;
	return st->ops->tokens_list(st, out, n, e);
}

int store_token_revoke(struct store *st, const char *name, struct error *e)
{
	if (!name || !*name)
		return err_set(e, RC_USAGE, "revoking a token: no name given");
	return st->ops->token_revoke(st, name, e);
}

int store_share_add(struct store *st, const char *run_id, const char *hash, struct error *e)
{
	if (!run_id || !*run_id || !hash || !*hash)
		return err_set(e, RC_USAGE, "sharing a run: no run or hash given");
	return st->ops->share_add(st, run_id, hash, e);
}

int store_share_find(struct store *st, const char *hash, char run_id[UUID_STR_LEN],
		     struct error *e)
{
	run_id[0] = '\0';
	if (!hash || !*hash)
		return err_set(e, RC_NOTFOUND, "no share link given");
	return st->ops->share_find(st, hash, run_id, e);
}

int store_share_revoke(struct store *st, const char *run_id, int64_t *n, struct error *e)
{
	*n = 0;
	if (!run_id || !*run_id)
		return err_set(e, RC_USAGE, "unsharing a run: no run given");
	return st->ops->share_revoke(st, run_id, n, e);
}

int store_run_event_add(struct store *st, const char *run_id, enum lifecycle lc, int64_t at,
			const char *message, struct error *e)
{
	if (!run_id || !*run_id)
		return err_set(e, RC_USAGE, "adding run event: no run id given");
	return st->ops->run_event_add(st, run_id, lc, at, message, e);
}

int store_run_events(struct store *st, const char *run_id, struct run_event **out, size_t *n,
		     struct error *e)
{
	*out = NULL;
	*n = 0;
	if (!run_id || !*run_id)
		return err_set(e, RC_USAGE, "reading run events: no run id given");
	return st->ops->run_events(st, run_id, out, n, e);
}

int store_suite_outputs_add(struct store *st, const char *run_id,
			    const struct suite_output *o, size_t n, struct error *e)
{
	if (!run_id || !*run_id)
		return err_set(e, RC_USAGE, "adding suite output: no run id given");
	for (size_t i = 0; i < n; i++)
		if (!o[i].suite)
			return err_set(e, RC_USAGE, "adding suite output %zu of %zu: no suite",
				       i + 1, n);
	return n ? st->ops->suite_outputs_add(st, run_id, o, n, e) : RC_OK;
}

int store_suite_outputs_drop_older(struct store *st, const char *run_id, const char *suite,
				   int64_t claim, struct error *e)
{
	if (!run_id || !*run_id || !suite)
		return err_set(e, RC_USAGE, "replacing suite output: no run or suite given");
	return st->ops->suite_outputs_drop_older(st, run_id, suite, claim, e);
}

int store_suite_outputs(struct store *st, const char *run_id, const char *suite, bool with_text,
			struct suite_output **out, size_t *n, struct error *e)
{
	*out = NULL;
	*n = 0;
	if (!run_id || !*run_id)
		return err_set(e, RC_USAGE, "reading suite output: no run id given");
	return st->ops->suite_outputs(st, run_id, suite, with_text, out, n, e);
}

int store_results_insert(struct store *st, const struct result *rs, size_t n, struct error *e)
{
	if (!n)
		return RC_OK;
	return st->ops->results_insert(st, rs, n, e);
}

int store_run_orphan_failures(struct store *st, const char *run_id, int64_t *n,
			      struct error *e)
{
	*n = 0;
	return st->ops->run_orphan_failures(st, run_id, n, e);
}

int store_results_each(struct store *st, const char *run_id, const struct result_filter *f,
		       int (*cb)(void *ctx, const struct result *r), void *ctx,
		       struct error *e)
{
	static const struct result_filter any = { .status = -1 };
	if (!run_id || !*run_id)
		return err_set(e, RC_USAGE, "listing results: no run id given");
	f = f ? f : &any;
	if (f->status != -1 && (unsigned)f->status >= RS__COUNT)
		return err_set(e, RC_USAGE, "listing results of run %s: no status %d", run_id,
			       f->status);
	return st->ops->results_each(st, run_id, f, cb, ctx, e);
}

struct collect {
	struct result *rs;
	size_t n, cap;
};

/* Moves a copy of `r` into the list (store_results_each's `r` is borrowed). */
static int collect_one(void *ctx, const struct result *r)
{
	struct collect *c = ctx;
	GROW(c->rs, c->cap, c->n + 1);
	result_copy(&c->rs[c->n++], r);
	return 0;
}

int store_results_list(struct store *st, const char *run_id, const struct result_filter *f,
		       struct result **out, size_t *n, struct error *e)
{
	struct collect c = { 0 };
	int rc = store_results_each(st, run_id, f, collect_one, &c, e);
	if (rc) {
		store_results_free(c.rs, c.n);
		c.rs = NULL;
		c.n = 0;
	}
	*out = c.rs;
	*n = c.n;
	return rc;
}

void store_results_free(struct result *rs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		result_release(&rs[i]);
	free(rs);
}

int store_projects_list(struct store *st, struct project_stat **out, size_t *n,
			struct error *e)
{
	*out = NULL;
	*n = 0;
	return st->ops->projects_list(st, out, n, e);
}

void store_project_stats_free(struct project_stat *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].name);
	free(p);
}

int store_tests_list(struct store *st, const struct test_filter *f, struct test_stat **out,
		     size_t *n, struct error *e)
{
	*out = NULL;
	*n = 0;
	return st->ops->tests_list(st, f, out, n, e);
}

void store_test_stats_free(struct test_stat *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].project);
		free(t[i].name);
	}
	free(t);
}

int store_test_exists(struct store *st, const char *project, const char *name, bool *exists,
		      struct error *e)
{
	*exists = false;
	if (!project || !name)
		return err_set(e, RC_USAGE, "looking up a test: no project or name given");
	return st->ops->test_exists(st, project, name, exists, e);
}

int store_test_durations(struct store *st, const char *project,
			 void (*cb)(void *ctx, const char *name, int64_t avg_ms), void *ctx,
			 struct error *e)
{
	return st->ops->test_durations(st, project, cb, ctx, e);
}

/* ---- orchestration ---- */

/* A backend that does not implement orchestration yet (its ops are NULL)
 * refuses it cleanly instead of crashing. */
#define ORCH_OP(st, op, e)                                                              \
	do {                                                                            \
		if (!(st)->ops->op)                                                     \
			return err_set((e), RC_USAGE,                                   \
				       "the %s backend does not support pools and workers " \
				       "yet (%s)",                                          \
				       (st)->ops->name, #op);                               \
	} while (0)


int store_pool_add(struct store *st, const struct pool *p, struct error *e)
{
	if (!p->name || !*p->name)
		return err_set(e, RC_USAGE, "adding a pool: no name given");
	ORCH_OP(st, pool_add, e);
	return st->ops->pool_add(st, p, e);
}

int store_pool_get(struct store *st, const char *name, struct pool *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	if (!name || !*name)
		return err_set(e, RC_USAGE, "reading a pool: no name given");
	ORCH_OP(st, pool_get, e);
	return st->ops->pool_get(st, name, out, e);
}

int store_pools_list(struct store *st, struct pool **out, size_t *n, struct error *e)
{
	*out = NULL;
	*n = 0;
	ORCH_OP(st, pools_list, e);
	return st->ops->pools_list(st, out, n, e);
}

int store_pool_delete(struct store *st, const char *name, struct error *e)
{
	if (!name || !*name)
		return err_set(e, RC_USAGE, "removing a pool: no name given");
	ORCH_OP(st, pool_delete, e);
	return st->ops->pool_delete(st, name, e);
}

int store_pool_stat(struct store *st, const char *name, int64_t now, int64_t lease_ms,
		    struct pool_stat *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	ORCH_OP(st, pool_stat, e);
	return st->ops->pool_stat(st, name, now, lease_ms > 0 ? lease_ms : 0, out, e);
}

int store_blob_put(struct store *st, const char *digest, const void *data, size_t size,
		   struct error *e)
{
	if (!digest || !*digest)
		return err_set(e, RC_USAGE, "storing an archive: no digest given");
	ORCH_OP(st, blob_put, e);
	return st->ops->blob_put(st, digest, data, size, e);
}

int store_blob_get(struct store *st, const char *digest, void **data, size_t *size,
		   struct error *e)
{
	*data = NULL;
	*size = 0;
	if (!digest || !*digest)
		return err_set(e, RC_USAGE, "reading an archive: no digest given");
	ORCH_OP(st, blob_get, e);
	return st->ops->blob_get(st, digest, data, size, e);
}

int store_package_add(struct store *st, const struct package *p, struct error *e)
{
	if (!p->name || !p->version || !p->digest)
		return err_set(e, RC_USAGE, "adding a package: no name, version or digest");
	ORCH_OP(st, package_add, e);
	return st->ops->package_add(st, p, e);
}

int store_package_get(struct store *st, const char *name, const char *version,
		      struct package *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	if (!name || !version)
		return err_set(e, RC_USAGE, "reading a package: no name or version given");
	ORCH_OP(st, package_get, e);
	return st->ops->package_get(st, name, version, out, e);
}

int store_packages_list(struct store *st, struct package **out, size_t *n, struct error *e)
{
	*out = NULL;
	*n = 0;
	ORCH_OP(st, packages_list, e);
	return st->ops->packages_list(st, out, n, e);
}

int store_worker_register(struct store *st, const char *name, const char *pool, int64_t slots,
			  const char *host, int64_t now, int64_t lease_ms, struct error *e)
{
	if (!name || !*name || !pool || !*pool)
		return err_set(e, RC_USAGE, "registering a worker: no name or pool given");
	ORCH_OP(st, worker_register, e);
	return st->ops->worker_register(st, name, pool, slots, host, now, lease_ms, e);
}

int store_worker_get(struct store *st, const char *name, struct worker *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	if (!name || !*name)
		return err_set(e, RC_USAGE, "reading a worker: no name given");
	ORCH_OP(st, worker_get, e);
	return st->ops->worker_get(st, name, out, e);
}

int store_workers_list(struct store *st, const char *pool, struct worker **out, size_t *n,
		       struct error *e)
{
	*out = NULL;
	*n = 0;
	ORCH_OP(st, workers_list, e);
	return st->ops->workers_list(st, pool, out, n, e);
}

int store_worker_heartbeat(struct store *st, const char *name, int64_t now, int64_t lease_ms,
			   struct error *e)
{
	ORCH_OP(st, worker_heartbeat, e);
	return st->ops->worker_heartbeat(st, name, now, lease_ms, e);
}

int store_worker_update(struct store *st, const struct worker *w, struct error *e)
{
	ORCH_OP(st, worker_update, e);
	return st->ops->worker_update(st, w, e);
}

int store_order_add(struct store *st, const struct run_order *o, struct error *e)
{
	if (!o->run_id[0] || !o->pool)
		return err_set(e, RC_USAGE, "queueing a run: no run or pool");
	ORCH_OP(st, order_add, e);
	return st->ops->order_add(st, o, e);
}

int store_order_get(struct store *st, const char *run_id, struct run_order *out,
		    struct error *e)
{
	memset(out, 0, sizeof(*out));
	/* A backend that cannot queue runs has no orders: every run is one a
	 * reporter or `assay run` opened, and closes the plain way. */
	if (!st->ops->order_get)
		return err_set(e, RC_NOTFOUND, "run %s was not started on a pool", run_id);
	return st->ops->order_get(st, run_id, out, e);
}

int store_order_update(struct store *st, const struct run_order *o, struct error *e)
{
	ORCH_OP(st, order_update, e);
	return st->ops->order_update(st, o, e);
}

int store_order_claim(struct store *st, const char *pool, const char *worker, int64_t now,
		      char run_id[UUID_STR_LEN], int64_t *claim, struct error *e)
{
	run_id[0] = '\0';
	*claim = 0;
	ORCH_OP(st, order_claim, e);
	return st->ops->order_claim(st, pool, worker, now, run_id, claim, e);
}

int store_orders_waiting(struct store *st, const char *pool, bool *any, struct error *e)
{
	*any = false;
	ORCH_OP(st, orders_waiting, e);
	return st->ops->orders_waiting(st, pool, any, e);
}

int store_orders_stale(struct store *st, int64_t now, int64_t default_lease_ms,
		       struct run_order **out, size_t *n, struct error *e)
{
	*out = NULL;
	*n = 0;
	ORCH_OP(st, orders_stale, e);
	return st->ops->orders_stale(st, now, default_lease_ms, out, n, e);
}

int store_orders_held(struct store *st, const char *worker, int64_t claimed_before,
		      struct run_order **out, size_t *n, struct error *e)
{
	*out = NULL;
	*n = 0;
	if (!worker || !*worker)
		return err_set(e, RC_USAGE, "listing a worker's runs: no worker given");
	ORCH_OP(st, orders_held, e);
	return st->ops->orders_held(st, worker, claimed_before, out, n, e);
}

void store_orders_free(struct run_order *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_order_release(&o[i]);
	free(o);
}

int store_runs_prunable(struct store *st, const char *pool, int64_t keep, int64_t before,
			int limit, char (**ids)[UUID_STR_LEN], size_t *n, struct error *e)
{
	*ids = NULL;
	*n = 0;
	ORCH_OP(st, runs_prunable, e);
	return st->ops->runs_prunable(st, pool, keep, before, limit, ids, n, e);
}

int store_runs_delete(struct store *st, char (*ids)[UUID_STR_LEN], size_t n, int64_t *deleted,
		      struct error *e)
{
	*deleted = 0;
	if (!n)
		return RC_OK;
	ORCH_OP(st, runs_delete, e);
	return st->ops->runs_delete(st, ids, n, deleted, e);
}
