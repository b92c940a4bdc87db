/* sqlite_orch — the SQLite side of orchestrated runs: pools, archives and
 * packages, workers, run orders (the queue), and retention's deletes. See
 * store.h "orchestration" for what each op means; schema in
 * schema/0005_orchestration.sql.
 *
 * The claim is one UPDATE ... WHERE run_id = (SELECT ... LIMIT 1)
 * RETURNING: SQLite runs it under the database's single write lock, so two
 * workers asking at once get two different runs (or one gets none). */
#include "util/base.h"

#include "store/sqlite_int.h"
#include "util/time.h"

#define FINISHED_CODES "7, 8, 10, 99"

/* Runs a prepared one-shot statement to its end; fills `e` naming `what`. */
static int run_done(struct sqlite_store *s, sqlite3_stmt *q, const char *what, struct error *e)
{
	int step = sqlite3_step(q);
	int rc = RC_OK;
	if (step == SQLITE_CONSTRAINT_PRIMARYKEY || step == SQLITE_CONSTRAINT_UNIQUE)
		rc = err_set(e, RC_EXISTS, "%s: it exists already", what);
	else if (step != SQLITE_DONE && step != SQLITE_ROW)
		rc = sq_fail(s, e, "%s", what);
	sqlite3_finalize(q);
	return rc;
}

/* ---- pools ---- */

#define POOL_COLUMNS                                                                     \
	"name, description, expected_servers, labels_json, suites_json, keep_runs, "      \
	"hook_provision, hook_upgrade, hook_teardown, hook_health, created_at, "        \
	"hook_timeout_ms"

static void read_pool(sqlite3_stmt *q, struct pool *p)
{
	memset(p, 0, sizeof(*p));
	p->name = sq_column_dup(q, 0);
	p->description = sq_column_dup(q, 1);
	p->expected_servers = sqlite3_column_int64(q, 2);
	p->labels_json = sq_column_dup(q, 3);
	p->suites_json = sq_column_dup(q, 4);
	p->keep_runs = sqlite3_column_int64(q, 5);
	for (int i = 0; i < HOOK__COUNT; i++)
		p->hooks[i] = sq_column_dup(q, 6 + i);
	p->created_at = sqlite3_column_int64(q, 10);
	p->hook_timeout_ms = sqlite3_column_int64(q, 11);
}

int sq_pool_add(struct store *st, const struct pool *p, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s,
				     "INSERT INTO pools (" POOL_COLUMNS ") VALUES (?1, ?2, ?3, ?4, "
				     "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
				     e);
	if (!q)
		return err_prefix(e, "adding pool '%s'", p->name);
	sq_bind_text(q, 1, p->name);
	sq_bind_text(q, 2, p->description);
	sqlite3_bind_int64(q, 3, p->expected_servers);
	sq_bind_text(q, 4, p->labels_json ? p->labels_json : "[]");
	sq_bind_text(q, 5, p->suites_json ? p->suites_json : "[]");
	sqlite3_bind_int64(q, 6, p->keep_runs);
	for (int i = 0; i < HOOK__COUNT; i++)
		sq_bind_text(q, 7 + i, p->hooks[i]);
	sqlite3_bind_int64(q, 11, p->created_at ? p->created_at : time_now_ms());
	sqlite3_bind_int64(q, 12, p->hook_timeout_ms);
	char what[200];
	snprintf(what, sizeof(what), "adding pool '%.100s'", p->name);
	return run_done(s, q, what, e);
}

int sq_pool_get(struct store *st, const char *name, struct pool *out, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s, "SELECT " POOL_COLUMNS " FROM pools WHERE name = ?1", e);
	if (!q)
		return err_prefix(e, "reading pool '%s'", name);
	sq_bind_text(q, 1, name);
	int step = sqlite3_step(q);
	int rc = RC_OK;
	if (step == SQLITE_ROW)
		read_pool(q, out);
	else if (step == SQLITE_DONE)
		rc = err_set(e, RC_NOTFOUND, "no pool named '%s'", name);
	else
		rc = sq_fail(s, e, "reading pool '%s'", name);
	sqlite3_finalize(q);
	return rc;
}

int sq_pools_list(struct store *st, struct pool **out, size_t *n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s, "SELECT " POOL_COLUMNS " FROM pools ORDER BY name", e);
	if (!q)
		return err_prefix(e, "listing pools");
	struct pool *ps = NULL;
	size_t cap = 0, count = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		GROW(ps, cap, count + 1);
		read_pool(q, &ps[count++]);
	}
	sqlite3_finalize(q);
	if (step != SQLITE_DONE) {
		pools_free(ps, count);
		return sq_fail(s, e, "listing pools");
	}
	*out = ps;
	*n = count;
	return RC_OK;
}

int sq_pool_delete(struct store *st, const char *name, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	int rc = sq_begin(s, e);
	if (rc)
		return err_prefix(e, "removing pool '%s'", name);
	sqlite3_stmt *q = sq_prepare(s, "DELETE FROM workers WHERE pool = ?1", e);
	if (!q) {
		rc = e->code;
		goto fail;
	}
	sq_bind_text(q, 1, name);
	if ((rc = run_done(s, q, "removing the pool's workers", e)))
		goto fail;
	if (!(q = sq_prepare(s, "DELETE FROM pools WHERE name = ?1", e))) {
		rc = e->code;
		goto fail;
	}
	sq_bind_text(q, 1, name);
	if ((rc = run_done(s, q, "removing the pool", e)))
		goto fail;
	if (sqlite3_changes(s->db) == 0) {
		rc = err_set(e, RC_NOTFOUND, "no pool named '%s'", name);
		goto fail;
	}
	return sq_commit(s, e);
fail:
	sq_rollback(s);
	return rc;
}

int sq_pool_stat(struct store *st, const char *name, int64_t now, int64_t lease_ms,
		 struct pool_stat *out, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(
		s,
		"SELECT (SELECT count(*) FROM run_orders WHERE pool = ?1 AND state = 'queued'), "
		"(SELECT count(*) FROM run_orders WHERE pool = ?1 AND state = 'claimed'), "
		"(SELECT count(*) FROM workers WHERE pool = ?1), "
		"(SELECT count(*) FROM workers WHERE pool = ?1 AND offline_reason IS NULL "
		" AND heartbeat_at >= ?2 - CASE WHEN ?3 > 0 THEN ?3 WHEN lease_ms > 0 "
		" THEN lease_ms ELSE ?4 END), "
		"(SELECT coalesce(avg(duration_ms), 0) FROM (SELECT duration_ms FROM test_runs "
		" WHERE pool = ?1 AND lifecycle_code IN (7, 8) ORDER BY created_at DESC LIMIT 50))",
		e);
	if (!q)
		return err_prefix(e, "reading the state of pool '%s'", name);
	sq_bind_text(q, 1, name);
	sqlite3_bind_int64(q, 2, now);
	sqlite3_bind_int64(q, 3, lease_ms);
	sqlite3_bind_int64(q, 4, ORCH_DEFAULT_LEASE_MS);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		out->queued = sqlite3_column_int64(q, 0);
		out->running = sqlite3_column_int64(q, 1);
		out->workers = sqlite3_column_int64(q, 2);
		out->online = sqlite3_column_int64(q, 3);
		out->avg_run_ms = (int64_t)sqlite3_column_double(q, 4);
	}
	sqlite3_finalize(q);
	if (step != SQLITE_ROW)
		return sq_fail(s, e, "reading the state of pool '%s'", name);
	return RC_OK;
}

/* ---- archives and packages ---- */

int sq_blob_put(struct store *st, const char *digest, const void *data, size_t size,
		       struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s,
				     "INSERT INTO blobs (digest, size, data, created_at) "
				     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (digest) DO NOTHING",
				     e);
	if (!q)
		return err_prefix(e, "storing archive %s", digest);
	sq_bind_text(q, 1, digest);
	sqlite3_bind_int64(q, 2, (int64_t)size);
	sqlite3_bind_blob64(q, 3, size ? data : "", size, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, time_now_ms());
	return run_done(s, q, "storing an archive", e);
}

int sq_blob_get(struct store *st, const char *digest, void **data, size_t *size,
		       struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s, "SELECT data FROM blobs WHERE digest = ?1", e);
	if (!q)
		return err_prefix(e, "reading archive %s", digest);
	sq_bind_text(q, 1, digest);
	int step = sqlite3_step(q);
	int rc = RC_OK;
	if (step == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(q, 0);
		*data = xmalloc(n + 1);
		if (n)
			memcpy(*data, sqlite3_column_blob(q, 0), n);
		*size = n;
	} else if (step == SQLITE_DONE) {
		rc = err_set(e, RC_NOTFOUND, "no archive %s", digest);
	} else {
		rc = sq_fail(s, e, "reading archive %s", digest);
	}
	sqlite3_finalize(q);
	return rc;
}

#define PACKAGE_COLUMNS                                                                   \
	"p.name, p.version, p.digest, b.size, p.install, p.run, p.protocol, p.description, " \
	"p.created_at, p.install_timeout_ms, p.run_timeout_ms, p.suites_json "            \
	"FROM packages p JOIN blobs b ON b.digest = p.digest"

static void read_package(sqlite3_stmt *q, struct package *p)
{
	memset(p, 0, sizeof(*p));
	p->name = sq_column_dup(q, 0);
	p->version = sq_column_dup(q, 1);
	p->digest = sq_column_dup(q, 2);
	p->size = sqlite3_column_int64(q, 3);
	p->install = sq_column_dup(q, 4);
	p->run = sq_column_dup(q, 5);
	p->protocol = sq_column_dup(q, 6);
	p->description = sq_column_dup(q, 7);
	p->created_at = sqlite3_column_int64(q, 8);
	p->install_timeout_ms = sqlite3_column_int64(q, 9);
	p->run_timeout_ms = sqlite3_column_int64(q, 10);
	p->suites_json = sq_column_dup(q, 11);
}

int sq_package_add(struct store *st, const struct package *p, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s,
				     "INSERT INTO packages (name, version, digest, install, run, "
				     "protocol, description, created_at, install_timeout_ms, "
				     "run_timeout_ms, suites_json) VALUES (?1, ?2, ?3, ?4, ?5, "
				     "?6, ?7, ?8, ?9, ?10, ?11)",
				     e);
	if (!q)
		return err_prefix(e, "adding package %s@%s", p->name, p->version);
	sq_bind_text(q, 1, p->name);
	sq_bind_text(q, 2, p->version);
	sq_bind_text(q, 3, p->digest);
	sq_bind_text(q, 4, p->install);
	sq_bind_text(q, 5, p->run);
	sq_bind_text(q, 6, p->protocol ? p->protocol : "exit");
	sq_bind_text(q, 7, p->description);
	sqlite3_bind_int64(q, 8, p->created_at ? p->created_at : time_now_ms());
	sqlite3_bind_int64(q, 9, p->install_timeout_ms);
	sqlite3_bind_int64(q, 10, p->run_timeout_ms);
	sq_bind_text(q, 11, p->suites_json);
	char what[300];
	snprintf(what, sizeof(what), "adding package %.100s@%.100s", p->name, p->version);
	return run_done(s, q, what, e);
}

int sq_package_get(struct store *st, const char *name, const char *version,
			  struct package *out, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(
		s, "SELECT " PACKAGE_COLUMNS " WHERE p.name = ?1 AND p.version = ?2", e);
	if (!q)
		return err_prefix(e, "reading package %s@%s", name, version);
	sq_bind_text(q, 1, name);
	sq_bind_text(q, 2, version);
	int step = sqlite3_step(q);
	int rc = RC_OK;
	if (step == SQLITE_ROW)
		read_package(q, out);
	else if (step == SQLITE_DONE)
		rc = err_set(e, RC_NOTFOUND, "no package %s@%s (push it with assay package push)",
			     name, version);
	else
		rc = sq_fail(s, e, "reading package %s@%s", name, version);
	sqlite3_finalize(q);
	return rc;
}

int sq_packages_list(struct store *st, struct package **out, size_t *n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q =
		sq_prepare(s, "SELECT " PACKAGE_COLUMNS " ORDER BY p.name, p.created_at", e);
	if (!q)
		return err_prefix(e, "listing packages");
	struct package *ps = NULL;
	size_t cap = 0, count = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		GROW(ps, cap, count + 1);
		read_package(q, &ps[count++]);
	}
	sqlite3_finalize(q);
	if (step != SQLITE_DONE) {
		packages_free(ps, count);
		return sq_fail(s, e, "listing packages");
	}
	*out = ps;
	*n = count;
	return RC_OK;
}

/* ---- workers ---- */

#define WORKER_SELECT                                                                     \
	"SELECT w.name, w.pool, w.slots, w.host, w.registered_at, w.heartbeat_at, "          \
	"w.health_failures, w.infra_failures, w.offline_reason, w.last_error, w.lease_ms, " \
	"(SELECT o.run_id FROM run_orders o WHERE o.worker = w.name AND o.state = 'claimed' " \
	"ORDER BY o.claimed_at DESC LIMIT 1) FROM workers w"

static void read_worker(sqlite3_stmt *q, struct worker *w)
{
	memset(w, 0, sizeof(*w));
	w->name = sq_column_dup(q, 0);
	w->pool = sq_column_dup(q, 1);
	w->slots = sqlite3_column_int64(q, 2);
	w->host = sq_column_dup(q, 3);
	w->registered_at = sqlite3_column_int64(q, 4);
	w->heartbeat_at = sqlite3_column_int64(q, 5);
	w->health_failures = sqlite3_column_int64(q, 6);
	w->infra_failures = sqlite3_column_int64(q, 7);
	w->offline_reason = sq_column_dup(q, 8);
	w->last_error = sq_column_dup(q, 9);
	w->lease_ms = sqlite3_column_int64(q, 10); /* NULL: 0, none recorded */
	const unsigned char *run = sqlite3_column_text(q, 11);
	snprintf(w->current_run, sizeof(w->current_run), "%s", run ? (const char *)run : "");
}

int sq_worker_register(struct store *st, const char *name, const char *pool,
			      int64_t slots, const char *host, int64_t now, int64_t lease_ms,
			      struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(
		s,
		"INSERT INTO workers (name, pool, slots, host, registered_at, heartbeat_at, "
		"lease_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6) ON CONFLICT (name) DO UPDATE SET "
		"pool = ?2, slots = ?3, host = ?4, heartbeat_at = ?5, lease_ms = ?6",
		e);
	if (!q)
		return err_prefix(e, "registering worker '%s'", name);
	sq_bind_text(q, 1, name);
	sq_bind_text(q, 2, pool);
	sqlite3_bind_int64(q, 3, slots > 0 ? slots : 1);
	sq_bind_text(q, 4, host);
	sqlite3_bind_int64(q, 5, now);
	sq_bind_opt(q, 6, lease_ms);
	return run_done(s, q, "registering a worker", e);
}

int sq_worker_get(struct store *st, const char *name, struct worker *out,
			 struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s, WORKER_SELECT " WHERE w.name = ?1", e);
	if (!q)
		return err_prefix(e, "reading worker '%s'", name);
	sq_bind_text(q, 1, name);
	int step = sqlite3_step(q);
	int rc = RC_OK;
	if (step == SQLITE_ROW)
		read_worker(q, out);
	else if (step == SQLITE_DONE)
		rc = err_set(e, RC_NOTFOUND, "no worker named '%s'", name);
	else
		rc = sq_fail(s, e, "reading worker '%s'", name);
	sqlite3_finalize(q);
	return rc;
}

int sq_workers_list(struct store *st, const char *pool, struct worker **out, size_t *n,
			   struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s,
				     pool ? WORKER_SELECT " WHERE w.pool = ?1 ORDER BY w.name"
					  : WORKER_SELECT " ORDER BY w.pool, w.name",
				     e);
	if (!q)
		return err_prefix(e, "listing workers");
	if (pool)
		sq_bind_text(q, 1, pool);
	struct worker *ws = NULL;
	size_t cap = 0, count = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		GROW(ws, cap, count + 1);
		read_worker(q, &ws[count++]);
	}
	sqlite3_finalize(q);
	if (step != SQLITE_DONE) {
		workers_free(ws, count);
		return sq_fail(s, e, "listing workers");
	}
	*out = ws;
	*n = count;
	return RC_OK;
}

int sq_worker_heartbeat(struct store *st, const char *name, int64_t now, int64_t lease_ms,
			struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(
		s, "UPDATE workers SET heartbeat_at = ?2, lease_ms = ?3 WHERE name = ?1", e);
	if (!q)
		return err_prefix(e, "heartbeat of worker '%s'", name);
	sq_bind_text(q, 1, name);
	sqlite3_bind_int64(q, 2, now);
	sq_bind_opt(q, 3, lease_ms);
	int rc = run_done(s, q, "recording a heartbeat", e);
	if (!rc && sqlite3_changes(s->db) == 0)
		rc = err_set(e, RC_NOTFOUND, "no worker named '%s' (register first)", name);
	return rc;
}

int sq_worker_update(struct store *st, const struct worker *w, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s,
				     "UPDATE workers SET health_failures = ?2, infra_failures = ?3, "
				     "offline_reason = ?4, last_error = ?5 WHERE name = ?1",
				     e);
	if (!q)
		return err_prefix(e, "updating worker '%s'", w->name);
	sq_bind_text(q, 1, w->name);
	sqlite3_bind_int64(q, 2, w->health_failures);
	sqlite3_bind_int64(q, 3, w->infra_failures);
	sq_bind_text(q, 4, w->offline_reason);
	sq_bind_text(q, 5, w->last_error);
	int rc = run_done(s, q, "updating a worker", e);
	if (!rc && sqlite3_changes(s->db) == 0)
		rc = err_set(e, RC_NOTFOUND, "no worker named '%s'", w->name);
	return rc;
}

/* ---- run orders ---- */

#define ORDER_COLUMNS                                                                    \
	"run_id, pool, suite, priority, packages_json, upgrade_digest, upgrade_name, state, " \
	"worker, claim, lost, queued_at, claimed_at"

static void read_order(sqlite3_stmt *q, struct run_order *o)
{
	memset(o, 0, sizeof(*o));
	const unsigned char *id = sqlite3_column_text(q, 0);
	snprintf(o->run_id, sizeof(o->run_id), "%s", id ? (const char *)id : "");
	o->pool = sq_column_dup(q, 1);
	o->suite = sq_column_dup(q, 2);
	o->priority = sqlite3_column_int64(q, 3);
	o->packages_json = sq_column_dup(q, 4);
	o->upgrade_digest = sq_column_dup(q, 5);
	o->upgrade_name = sq_column_dup(q, 6);
	const unsigned char *state = sqlite3_column_text(q, 7);
	if (!state || !order_state_parse((const char *)state, &o->state))
		o->state = ORDER_DONE;
	o->worker = sq_column_dup(q, 8);
	o->claim = sqlite3_column_int64(q, 9);
	o->lost = sqlite3_column_int64(q, 10);
	o->queued_at = sqlite3_column_int64(q, 11);
	o->claimed_at = sqlite3_column_int64(q, 12);
}

int sq_order_add(struct store *st, const struct run_order *o, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s,
				     "INSERT INTO run_orders (" ORDER_COLUMNS ") VALUES (?1, ?2, ?3, "
				     "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
				     e);
	if (!q)
		return err_prefix(e, "queueing run %s", o->run_id);
	sq_bind_text(q, 1, o->run_id);
	sq_bind_text(q, 2, o->pool);
	sq_bind_text(q, 3, o->suite);
	sqlite3_bind_int64(q, 4, o->priority);
	sq_bind_text(q, 5, o->packages_json ? o->packages_json : "[]");
	sq_bind_text(q, 6, o->upgrade_digest);
	sq_bind_text(q, 7, o->upgrade_name);
	sq_bind_text(q, 8, order_state_name(o->state));
	sq_bind_text(q, 9, o->worker);
	sqlite3_bind_int64(q, 10, o->claim);
	sqlite3_bind_int64(q, 11, o->lost);
	sqlite3_bind_int64(q, 12, o->queued_at ? o->queued_at : time_now_ms());
	sq_bind_opt(q, 13, o->claimed_at);
	return run_done(s, q, "queueing a run", e);
}

int sq_order_get(struct store *st, const char *run_id, struct run_order *out,
			struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q =
		sq_prepare(s, "SELECT " ORDER_COLUMNS " FROM run_orders WHERE run_id = ?1", e);
	if (!q)
		return err_prefix(e, "reading the order of run %s", run_id);
	sq_bind_text(q, 1, run_id);
	int step = sqlite3_step(q);
	int rc = RC_OK;
	if (step == SQLITE_ROW)
		read_order(q, out);
	else if (step == SQLITE_DONE)
		rc = err_set(e, RC_NOTFOUND, "run %s was not started on a pool", run_id);
	else
		rc = sq_fail(s, e, "reading the order of run %s", run_id);
	sqlite3_finalize(q);
	return rc;
}

int sq_order_update(struct store *st, const struct run_order *o, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s,
				     "UPDATE run_orders SET state = ?2, worker = ?3, claim = ?4, "
				     "lost = ?5, queued_at = ?6, claimed_at = ?7 WHERE run_id = ?1",
				     e);
	if (!q)
		return err_prefix(e, "updating the order of run %s", o->run_id);
	sq_bind_text(q, 1, o->run_id);
	sq_bind_text(q, 2, order_state_name(o->state));
	sq_bind_text(q, 3, o->worker);
	sqlite3_bind_int64(q, 4, o->claim);
	sqlite3_bind_int64(q, 5, o->lost);
	sqlite3_bind_int64(q, 6, o->queued_at);
	sq_bind_opt(q, 7, o->claimed_at);
	int rc = run_done(s, q, "updating a run's order", e);
	if (!rc && sqlite3_changes(s->db) == 0)
		rc = err_set(e, RC_NOTFOUND, "run %s was not started on a pool", o->run_id);
	return rc;
}

int sq_order_claim(struct store *st, const char *pool, const char *worker, int64_t now,
			  char run_id[UUID_STR_LEN], int64_t *claim, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(
		s,
		"UPDATE run_orders SET state = 'claimed', worker = ?2, claim = claim + 1, "
		"claimed_at = ?3 WHERE run_id = (SELECT run_id FROM run_orders WHERE pool = ?1 "
		"AND state = 'queued' ORDER BY priority DESC, queued_at, run_id LIMIT 1) "
		"RETURNING run_id, claim",
		e);
	if (!q)
		return err_prefix(e, "claiming a run of pool '%s'", pool);
	sq_bind_text(q, 1, pool);
	sq_bind_text(q, 2, worker);
	sqlite3_bind_int64(q, 3, now);
	int step = sqlite3_step(q);
	int rc = RC_OK;
	if (step == SQLITE_ROW) {
		snprintf(run_id, UUID_STR_LEN, "%s", (const char *)sqlite3_column_text(q, 0));
		*claim = sqlite3_column_int64(q, 1);
		/* RETURNING: the statement is only complete once stepped to its end. */
		step = sqlite3_step(q);
		if (step != SQLITE_DONE)
			rc = sq_fail(s, e, "claiming a run of pool '%s'", pool);
	} else if (step == SQLITE_DONE) {
		rc = err_set(e, RC_NOTFOUND, "no run of pool '%s' is queued", pool);
	} else {
		rc = sq_fail(s, e, "claiming a run of pool '%s'", pool);
	}
	sqlite3_finalize(q);
	return rc;
}

/* Steps `q` (finalized here) to its end, reading each row as an order. */
static int orders_read(struct sqlite_store *s, sqlite3_stmt *q, struct run_order **out,
		       size_t *n, const char *what, struct error *e)
{
	struct run_order *os = NULL;
	size_t cap = 0, count = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		GROW(os, cap, count + 1);
		read_order(q, &os[count++]);
	}
	sqlite3_finalize(q);
	if (step != SQLITE_DONE) {
		store_orders_free(os, count);
		return sq_fail(s, e, "%s", what);
	}
	*out = os;
	*n = count;
	return RC_OK;
}

int sq_orders_waiting(struct store *st, const char *pool, bool *any, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_stmt(s, SQ_ORDERS_WAITING, /* every claim */
				  "SELECT EXISTS (SELECT 1 FROM run_orders "
				  "WHERE pool = ?1 AND state = 'queued')",
				  e);
	if (!q)
		return err_prefix(e, "looking at the queue of pool '%s'", pool);
	sq_bind_text(q, 1, pool);
	int step = sqlite3_step(q);
	*any = step == SQLITE_ROW && sqlite3_column_int(q, 0);
	sqlite3_reset(q);
	if (step != SQLITE_ROW)
		return sq_fail(s, e, "looking at the queue of pool '%s'", pool);
	return RC_OK;
}

int sq_orders_stale(struct store *st, int64_t now, int64_t default_lease_ms,
		    struct run_order **out, size_t *n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(
		s,
		"SELECT o.run_id, o.pool, o.suite, o.priority, o.packages_json, o.upgrade_digest, "
		"o.upgrade_name, o.state, o.worker, o.claim, o.lost, o.queued_at, o.claimed_at "
		"FROM run_orders o LEFT JOIN workers w ON w.name = o.worker "
		"WHERE o.state = 'claimed' AND (w.name IS NULL OR "
		"w.heartbeat_at < ?1 - coalesce(nullif(w.lease_ms, 0), ?2))",
		e);
	if (!q)
		return err_prefix(e, "looking for lost runs");
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int64(q, 2, default_lease_ms);
	return orders_read(s, q, out, n, "looking for lost runs", e);
}

int sq_orders_held(struct store *st, const char *worker, int64_t claimed_before,
		   struct run_order **out, size_t *n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s,
				     "SELECT " ORDER_COLUMNS " FROM run_orders WHERE worker = ?1 "
				     "AND state = 'claimed' AND claimed_at < ?2",
				     e);
	if (!q)
		return err_prefix(e, "looking for the runs worker '%s' holds", worker);
	sq_bind_text(q, 1, worker);
	sqlite3_bind_int64(q, 2, claimed_before);
	return orders_read(s, q, out, n, "looking for the runs a worker holds", e);
}

/* ---- retention ---- */

int sq_runs_prunable(struct store *st, const char *pool, int64_t keep, int64_t before,
			    int limit, char (**ids)[UUID_STR_LEN], size_t *n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	/* Newest first so that OFFSET spares the newest `keep`; the batch is
	 * then the next `limit` (the oldest come last, later batches). */
	char sql[400];
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM test_runs WHERE lifecycle_code IN (" FINISHED_CODES ")%s%s "
		 "ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4",
		 pool ? " AND pool = ?1" : "", before ? " AND created_at < ?2" : "");
	sqlite3_stmt *q = sq_prepare(s, sql, e);
	if (!q)
		return err_prefix(e, "looking for runs to prune");
	if (pool)
		sq_bind_text(q, 1, pool);
	if (before)
		sqlite3_bind_int64(q, 2, before);
	sqlite3_bind_int(q, 3, limit > 0 ? limit : 500);
	sqlite3_bind_int64(q, 4, keep > 0 ? keep : 0);
	char (*list)[UUID_STR_LEN] = NULL;
	size_t cap = 0, count = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		GROW(list, cap, count + 1);
		snprintf(list[count++], UUID_STR_LEN, "%s", (const char *)sqlite3_column_text(q, 0));
	}
	sqlite3_finalize(q);
	if (step != SQLITE_DONE) {
		free(list);
		return sq_fail(s, e, "looking for runs to prune");
	}
	*ids = list;
	*n = count;
	return RC_OK;
}

int sq_runs_delete(struct store *st, char (*ids)[UUID_STR_LEN], size_t n,
			  int64_t *deleted, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	int rc = sq_begin(s, e);
	if (rc)
		return err_prefix(e, "pruning runs");
	/* The lifecycle is checked again under the write lock: a run is never
	 * deleted unless it is finished at this moment. Events, share links
	 * and orders go with it (ON DELETE CASCADE); its results, which have
	 * no foreign key (0004), are the stretch of result_rows its number
	 * keys, deleted with their attachments by sq_results_delete_run,
	 * which also takes them out of their tests' histories (0009). */
	sqlite3_stmt *q = sq_prepare(s,
				     "DELETE FROM test_runs WHERE id = ?1 AND lifecycle_code IN "
				     "(" FINISHED_CODES ") RETURNING run_no",
				     e);
	if (!q) {
		rc = e->code;
		goto fail;
	}
	int64_t count = 0;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(q);
		sq_bind_text(q, 1, ids[i]);
		int step = sqlite3_step(q);
		int64_t run_no = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
		if (step == SQLITE_ROW)
			step = sqlite3_step(q);
		if (step != SQLITE_DONE) {
			rc = sq_fail(s, e, "pruning run %s", ids[i]);
			sqlite3_finalize(q);
			goto fail;
		}
		if (run_no) {
			count++;
			if ((rc = sq_results_delete_run(s, run_no, e))) {
				err_prefix(e, "pruning run %s", ids[i]);
				sqlite3_finalize(q);
				goto fail;
			}
		}
	}
	sqlite3_finalize(q);
	if ((rc = sq_commit(s, e)))
		goto fail;
	*deleted = count;
	return RC_OK;
fail:
	sq_rollback(s);
	return rc;
}
