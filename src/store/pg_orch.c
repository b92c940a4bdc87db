/* pg_orch — the PostgreSQL side of orchestrated runs: pools, archives and
 * packages, workers, run orders (the queue), and retention's deletes. See
 * store.h "orchestration" for what each op means, sqlite_orch.c for the
 * SQLite side (both answer alike), schema in schema_pg/0005_orchestration.sql.
 *
 * The claim locks the order it takes with SELECT ... FOR UPDATE SKIP
 * LOCKED: workers claiming at once each get a different queued run (a row
 * another claimer has locked is passed over, not waited for), and the lock
 * is held until the caller's transaction ends.
 *
 * Reads inside a transaction lock what they read (orders here, runs in
 * pg.c, workers here), so that a use case reads a row, decides and writes
 * it back with no other connection changing it in between, as SQLite's
 * one write lock guarantees there: a worker's failure counters never lose
 * an increment. The order rows are taken in is orders, runs, then workers,
 * with one exception: a claim locks its worker first (to refuse an offline
 * one) and then only an order nobody holds (SKIP LOCKED: it never waits
 * for one) and that order's run. A transaction holding an order or a run
 * and waiting for a worker (a run ending 99) therefore never waits on a
 * claim that waits on it.
 *
 * As everywhere in this backend (pg_int.h), expected refusals (a pool that
 * exists, an unknown worker) are told from the rows a statement changed,
 * never by letting it fail inside the caller's transaction; strings that
 * are not UUIDs never reach a uuid column. */
#include "util/base.h"

#include "store/pg_int.h"
#include "util/buf.h"
#include "util/time.h"

#define FINISHED_CODES "7, 8, 10, 99"

/* ---- pools ---- */

#define POOL_COLUMNS                                                                     \
	"name, description, expected_servers, labels_json, suites_json, keep_runs, "      \
	"hook_provision, hook_upgrade, hook_teardown, hook_health, created_at, "        \
	"hook_timeout_ms"

static void read_pool(const PGresult *r, int row, struct pool *p)
{
	memset(p, 0, sizeof(*p));
	p->name = pg_dup(r, row, 0);
	p->description = pg_dup(r, row, 1);
	p->expected_servers = pg_i64(r, row, 2);
	p->labels_json = pg_dup(r, row, 3);
	p->suites_json = pg_dup(r, row, 4);
	p->keep_runs = pg_i64(r, row, 5);
	for (int i = 0; i < HOOK__COUNT; i++)
		p->hooks[i] = pg_dup(r, row, 6 + i);
	p->created_at = pg_i64(r, row, 10);
	p->hook_timeout_ms = pg_i64(r, row, 11);
}

int pg_pool_add(struct store *st, const struct pool *p, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params pp = { 0 };
	pp_text_clean(&pp, p->name);
	pp_text_clean(&pp, p->description);
	pp_i64(&pp, p->expected_servers);
	pp_text_clean(&pp, p->labels_json ? p->labels_json : "[]");
	pp_text_clean(&pp, p->suites_json ? p->suites_json : "[]");
	pp_i64(&pp, p->keep_runs);
	for (int i = 0; i < HOOK__COUNT; i++)
		pp_text_clean(&pp, p->hooks[i]);
	pp_i64(&pp, p->created_at ? p->created_at : time_now_ms());
	pp_i64(&pp, p->hook_timeout_ms);
	int64_t added = 0;
	int rc = pg_cmd(s, PG_ONCE,
			"INSERT INTO pools (" POOL_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, "
			"$7, $8, $9, $10, $11, $12) ON CONFLICT (name) DO NOTHING",
			&pp, &added, e, "adding pool '%s'", p->name);
	pp_release(&pp);
	if (!rc && !added)
		rc = err_set(e, RC_EXISTS, "adding pool '%.100s': it exists already", p->name);
	return rc;
}

int pg_pool_get(struct store *st, const char *name, struct pool *out, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, name);
	PGresult *r = pg_exec(s, PG_POOL_GET, "SELECT " POOL_COLUMNS " FROM pools WHERE name = $1",
			      &p, e, "reading pool '%s'", name);
	pp_release(&p);
	if (!r)
		return e->code;
	int rc = RC_OK;
	if (PQntuples(r) == 1)
		read_pool(r, 0, out);
	else
		rc = err_set(e, RC_NOTFOUND, "no pool named '%s'", name);
	PQclear(r);
	return rc;
}

int pg_pools_list(struct store *st, struct pool **out, size_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	PGresult *r = pg_exec(s, PG_ONCE, "SELECT " POOL_COLUMNS " FROM pools ORDER BY name", NULL,
			      e, "listing pools");
	if (!r)
		return e->code;
	size_t count = (size_t)PQntuples(r);
	struct pool *ps = count ? xcalloc(count, sizeof(*ps)) : NULL;
	for (size_t i = 0; i < count; i++)
		read_pool(r, (int)i, &ps[i]);
	PQclear(r);
	*out = ps;
	*n = count;
	return RC_OK;
}

int pg_pool_delete(struct store *st, const char *name, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	int rc = pg_begin(s, e);
	if (rc)
		return err_prefix(e, "removing pool '%s'", name);
	struct pg_params p = { 0 };
	pp_text_clean(&p, name);
	int64_t gone = 0;
	if ((rc = pg_cmd(s, PG_ONCE, "DELETE FROM workers WHERE pool = $1", &p, NULL, e,
			 "removing the workers of pool '%s'", name)) ||
	    (rc = pg_cmd(s, PG_ONCE, "DELETE FROM pools WHERE name = $1", &p, &gone, e,
			 "removing pool '%s'", name)))
		goto fail;
	if (!gone) {
		rc = err_set(e, RC_NOTFOUND, "no pool named '%s'", name);
		goto fail;
	}
	pp_release(&p);
	return pg_commit(s, e);
fail:
	pp_release(&p);
	pg_rollback(s);
	return rc;
}

int pg_pool_stat(struct store *st, const char *name, int64_t now, int64_t lease_ms,
		 struct pool_stat *out, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, name);
	pp_i64(&p, now);
	pp_i64(&p, lease_ms);
	pp_i64(&p, ORCH_DEFAULT_LEASE_MS);
	PGresult *r = pg_exec(
		s, PG_ONCE,
		"SELECT (SELECT count(*) FROM run_orders WHERE pool = $1 AND state = 'queued'), "
		"(SELECT count(*) FROM run_orders WHERE pool = $1 AND state = 'claimed'), "
		"(SELECT count(*) FROM workers WHERE pool = $1), "
		"(SELECT count(*) FROM workers WHERE pool = $1 AND offline_reason IS NULL "
		" AND heartbeat_at >= $2::bigint - CASE WHEN $3::bigint > 0 THEN $3::bigint "
		" WHEN lease_ms > 0 THEN lease_ms ELSE $4::bigint END), "
		"(SELECT coalesce(trunc(avg(duration_ms)), 0)::bigint FROM (SELECT duration_ms "
		" FROM test_runs WHERE pool = $1 AND lifecycle_code IN (7, 8) "
		" ORDER BY created_at DESC LIMIT 50) AS recent)",
		&p, e, "reading the state of pool '%s'", name);
	pp_release(&p);
	if (!r)
		return e->code;
	out->queued = pg_i64(r, 0, 0);
	out->running = pg_i64(r, 0, 1);
	out->workers = pg_i64(r, 0, 2);
	out->online = pg_i64(r, 0, 3);
	out->avg_run_ms = pg_i64(r, 0, 4);
	PQclear(r);
	return RC_OK;
}

/* ---- archives and packages ---- */

/* Archives travel in libpq's binary format both ways (bytea as its raw
 * bytes): as text they would be twice their size in hex. `bin` says which
 * parameter is binary (its length in `len`); the answer is binary when
 * `binary_out`. */
static PGresult *exec_bin(struct pg_store *s, const char *sql, const struct pg_params *p,
			  int bin, int len, bool binary_out, struct error *e, const char *step)
{
	if (pg_ready(s, e) || pg_pipe_flush(s, e))
		return NULL;
	int lengths[PG_MAX_PARAMS] = { 0 }, formats[PG_MAX_PARAMS] = { 0 };
	if (bin >= 0) {
		lengths[bin] = len;
		formats[bin] = 1;
	}
	PGresult *r = PQexecParams(s->conn, sql, p->n, NULL, p->v, lengths, formats,
				   binary_out ? 1 : 0);
	ExecStatusType status = PQresultStatus(r);
	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
		return r;
	pg_fail(s, r, e, step);
	PQclear(r);
	return NULL;
}

int pg_blob_put(struct store *st, const char *digest, const void *data, size_t size,
		struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (size > INT32_MAX)
		return err_set(e, RC_USAGE, "storing archive %s: %zu bytes is more than 2 GiB",
			       digest, size);
	char step[200];
	snprintf(step, sizeof(step), "storing archive %.100s", digest);
	struct pg_params p = { 0 };
	pp_text_clean(&p, digest);
	pp_i64(&p, (int64_t)size);
	pp_text(&p, size ? data : "");
	pp_i64(&p, time_now_ms());
	PGresult *r = exec_bin(s,
			       "INSERT INTO blobs (digest, size, data, created_at) "
			       "VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING",
			       &p, 2, (int)size, false, e, step);
	pp_release(&p);
	if (!r)
		return e->code;
	PQclear(r);
	return RC_OK;
}

int pg_blob_get(struct store *st, const char *digest, void **data, size_t *size,
		struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	char step[200];
	snprintf(step, sizeof(step), "reading archive %.100s", digest);
	struct pg_params p = { 0 };
	pp_text_clean(&p, digest);
	PGresult *r = exec_bin(s, "SELECT data FROM blobs WHERE digest = $1", &p, -1, 0, true, e,
			       step);
	pp_release(&p);
	if (!r)
		return e->code;
	int rc = RC_OK;
	if (PQntuples(r) == 1) {
		size_t n = (size_t)PQgetlength(r, 0, 0);
		*data = xmalloc(n + 1);
		if (n)
			memcpy(*data, PQgetvalue(r, 0, 0), n);
		*size = n;
	} else {
		rc = err_set(e, RC_NOTFOUND, "no archive %s", digest);
	}
	PQclear(r);
	return rc;
}

#define PACKAGE_COLUMNS                                                                   \
	"p.name, p.version, p.digest, b.size, p.install, p.run, p.protocol, p.description, " \
	"p.created_at, p.install_timeout_ms, p.run_timeout_ms, p.suites_json "            \
	"FROM packages p JOIN blobs b ON b.digest = p.digest"

static void read_package(const PGresult *r, int row, struct package *p)
{
	memset(p, 0, sizeof(*p));
	p->name = pg_dup(r, row, 0);
	p->version = pg_dup(r, row, 1);
	p->digest = pg_dup(r, row, 2);
	p->size = pg_i64(r, row, 3);
	p->install = pg_dup(r, row, 4);
	p->run = pg_dup(r, row, 5);
	p->protocol = pg_dup(r, row, 6);
	p->description = pg_dup(r, row, 7);
	p->created_at = pg_i64(r, row, 8);
	p->install_timeout_ms = pg_i64(r, row, 9);
	p->run_timeout_ms = pg_i64(r, row, 10);
	p->suites_json = pg_dup(r, row, 11);
}

int pg_package_add(struct store *st, const struct package *p, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params pp = { 0 };
	pp_text_clean(&pp, p->name);
	pp_text_clean(&pp, p->version);
	pp_text_clean(&pp, p->digest);
	pp_text_clean(&pp, p->install);
	pp_text_clean(&pp, p->run);
	pp_text_clean(&pp, p->protocol ? p->protocol : "exit");
	pp_text_clean(&pp, p->description);
	pp_i64(&pp, p->created_at ? p->created_at : time_now_ms());
	pp_i64(&pp, p->install_timeout_ms);
	pp_i64(&pp, p->run_timeout_ms);
	pp_text_clean(&pp, p->suites_json);
	int64_t added = 0;
	int rc = pg_cmd(s, PG_ONCE,
			"INSERT INTO packages (name, version, digest, install, run, protocol, "
			"description, created_at, install_timeout_ms, run_timeout_ms, suites_json) "
			"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
			"ON CONFLICT (name, version) DO NOTHING",
			&pp, &added, e, "adding package %s@%s", p->name, p->version);
	pp_release(&pp);
	if (!rc && !added)
		rc = err_set(e, RC_EXISTS, "adding package %.100s@%.100s: it exists already",
			     p->name, p->version);
	return rc;
}

int pg_package_get(struct store *st, const char *name, const char *version,
		   struct package *out, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, name);
	pp_text_clean(&p, version);
	PGresult *r = pg_exec(s, PG_ONCE,
			      "SELECT " PACKAGE_COLUMNS " WHERE p.name = $1 AND p.version = $2", &p,
			      e, "reading package %s@%s", name, version);
	pp_release(&p);
	if (!r)
		return e->code;
	int rc = RC_OK;
	if (PQntuples(r) == 1)
		read_package(r, 0, out);
	else
		rc = err_set(e, RC_NOTFOUND, "no package %s@%s (push it with assay package push)",
			     name, version);
	PQclear(r);
	return rc;
}

int pg_packages_list(struct store *st, struct package **out, size_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	PGresult *r = pg_exec(s, PG_ONCE,
			      "SELECT " PACKAGE_COLUMNS " ORDER BY p.name, p.created_at, p.id", NULL,
			      e, "listing packages");
	if (!r)
		return e->code;
	size_t count = (size_t)PQntuples(r);
	struct package *ps = count ? xcalloc(count, sizeof(*ps)) : NULL;
	for (size_t i = 0; i < count; i++)
		read_package(r, (int)i, &ps[i]);
	PQclear(r);
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

static void read_worker(const PGresult *r, int row, struct worker *w)
{
	memset(w, 0, sizeof(*w));
	w->name = pg_dup(r, row, 0);
	w->pool = pg_dup(r, row, 1);
	w->slots = pg_i64(r, row, 2);
	w->host = pg_dup(r, row, 3);
	w->registered_at = pg_i64(r, row, 4);
	w->heartbeat_at = pg_i64(r, row, 5);
	w->health_failures = pg_i64(r, row, 6);
	w->infra_failures = pg_i64(r, row, 7);
	w->offline_reason = pg_dup(r, row, 8);
	w->last_error = pg_dup(r, row, 9);
	w->lease_ms = pg_i64(r, row, 10); /* NULL: 0, none recorded */
	const char *run = pg_str(r, row, 11);
	snprintf(w->current_run, sizeof(w->current_run), "%s", run ? run : "");
}

int pg_worker_register(struct store *st, const char *name, const char *pool, int64_t slots,
		       const char *host, int64_t now, int64_t lease_ms, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, name);
	pp_text_clean(&p, pool);
	pp_i64(&p, slots > 0 ? slots : 1);
	pp_text_clean(&p, host);
	pp_i64(&p, now);
	pp_opt(&p, lease_ms);
	int rc = pg_cmd(s, PG_ONCE,
			"INSERT INTO workers (name, pool, slots, host, registered_at, heartbeat_at, "
			"lease_ms) VALUES ($1, $2, $3, $4, $5, $5, $6) ON CONFLICT (name) DO UPDATE "
			"SET pool = EXCLUDED.pool, slots = EXCLUDED.slots, host = EXCLUDED.host, "
			"heartbeat_at = EXCLUDED.heartbeat_at, lease_ms = EXCLUDED.lease_ms",
			&p, NULL, e, "registering worker '%s'", name);
	pp_release(&p);
	return rc;
}

int pg_worker_get(struct store *st, const char *name, struct worker *out, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, name);
	/* Inside a transaction the worker is read to be changed (its counters,
	 * its offline state): locked until the end (see the top). */
	bool lock = s->depth > 0;
	PGresult *r = pg_exec(s, lock ? PG_WORKER_GET_LOCK : PG_WORKER_GET,
			      lock ? WORKER_SELECT " WHERE w.name = $1 FOR NO KEY UPDATE OF w"
				   : WORKER_SELECT " WHERE w.name = $1",
			      &p, e, "reading worker '%s'", name);
	pp_release(&p);
	if (!r)
		return e->code;
	int rc = RC_OK;
	if (PQntuples(r) == 1)
		read_worker(r, 0, out);
	else
		rc = err_set(e, RC_NOTFOUND, "no worker named '%s'", name);
	PQclear(r);
	return rc;
}

int pg_workers_list(struct store *st, const char *pool, struct worker **out, size_t *n,
		    struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	if (pool)
		pp_text_clean(&p, pool);
	PGresult *r = pg_exec(s, PG_ONCE,
			      pool ? WORKER_SELECT " WHERE w.pool = $1 ORDER BY w.name"
				   : WORKER_SELECT " ORDER BY w.pool, w.name",
			      &p, e, "listing workers");
	pp_release(&p);
	if (!r)
		return e->code;
	size_t count = (size_t)PQntuples(r);
	struct worker *ws = count ? xcalloc(count, sizeof(*ws)) : NULL;
	for (size_t i = 0; i < count; i++)
		read_worker(r, (int)i, &ws[i]);
	PQclear(r);
	*out = ws;
	*n = count;
	return RC_OK;
}

int pg_worker_heartbeat(struct store *st, const char *name, int64_t now, int64_t lease_ms,
			struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, name);
	pp_i64(&p, now);
	pp_opt(&p, lease_ms);
	int64_t changed = 0;
	int rc = pg_cmd(s, PG_WORKER_HEARTBEAT,
			"UPDATE workers SET heartbeat_at = $2, lease_ms = $3 WHERE name = $1", &p,
			&changed, e, "heartbeat of worker '%s'", name);
	pp_release(&p);
	if (!rc && !changed)
		rc = err_set(e, RC_NOTFOUND, "no worker named '%s' (register first)", name);
	return rc;
}

int pg_worker_update(struct store *st, const struct worker *w, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, w->name);
	pp_i64(&p, w->health_failures);
	pp_i64(&p, w->infra_failures);
	pp_text_clean(&p, w->offline_reason);
	pp_text_clean(&p, w->last_error);
	int64_t changed = 0;
	int rc = pg_cmd(s, PG_ONCE,
			"UPDATE workers SET health_failures = $2, infra_failures = $3, "
			"offline_reason = $4, last_error = $5 WHERE name = $1",
			&p, &changed, e, "updating worker '%s'", w->name);
	pp_release(&p);
	if (!rc && !changed)
		rc = err_set(e, RC_NOTFOUND, "no worker named '%s'", w->name);
	return rc;
}

/* ---- run orders ---- */

#define ORDER_COLUMNS                                                                    \
	"run_id, pool, suite, priority, packages_json, upgrade_digest, upgrade_name, state, " \
	"worker, claim, lost, queued_at, claimed_at"

static void read_order(const PGresult *r, int row, struct run_order *o)
{
	memset(o, 0, sizeof(*o));
	const char *id = pg_str(r, row, 0);
	snprintf(o->run_id, sizeof(o->run_id), "%s", id ? id : "");
	o->pool = pg_dup(r, row, 1);
	o->suite = pg_dup(r, row, 2);
	o->priority = pg_i64(r, row, 3);
	o->packages_json = pg_dup(r, row, 4);
	o->upgrade_digest = pg_dup(r, row, 5);
	o->upgrade_name = pg_dup(r, row, 6);
	const char *state = pg_str(r, row, 7);
	if (!state || !order_state_parse(state, &o->state))
		o->state = ORDER_DONE;
	o->worker = pg_dup(r, row, 8);
	o->claim = pg_i64(r, row, 9);
	o->lost = pg_i64(r, row, 10);
	o->queued_at = pg_i64(r, row, 11);
	o->claimed_at = pg_i64(r, row, 12);
}

static int orders_read(PGresult *r, struct run_order **out, size_t *n)
{
	size_t count = (size_t)PQntuples(r);
	struct run_order *os = count ? xcalloc(count, sizeof(*os)) : NULL;
	for (size_t i = 0; i < count; i++)
		read_order(r, (int)i, &os[i]);
	PQclear(r);
	*out = os;
	*n = count;
	return RC_OK;
}

int pg_order_add(struct store *st, const struct run_order *o, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(o->run_id))
		return err_set(e, RC_NOTFOUND, "queueing run %s: no such run", o->run_id);
	struct pg_params p = { 0 };
	pp_text(&p, o->run_id);
	pp_text_clean(&p, o->pool);
	pp_text_clean(&p, o->suite);
	pp_i64(&p, o->priority);
	pp_text_clean(&p, o->packages_json ? o->packages_json : "[]");
	pp_text_clean(&p, o->upgrade_digest);
	pp_text_clean(&p, o->upgrade_name);
	pp_text(&p, order_state_name(o->state));
	pp_text_clean(&p, o->worker);
	pp_i64(&p, o->claim);
	pp_i64(&p, o->lost);
	pp_i64(&p, o->queued_at ? o->queued_at : time_now_ms());
	pp_opt(&p, o->claimed_at);
	int64_t added = 0;
	int rc = pg_cmd(s, PG_ONCE,
			"INSERT INTO run_orders (" ORDER_COLUMNS ") VALUES ($1, $2, $3, $4, $5, "
			"$6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (run_id) DO NOTHING",
			&p, &added, e, "queueing run %s", o->run_id);
	pp_release(&p);
	if (!rc && !added)
		rc = err_set(e, RC_EXISTS, "queueing run %s: it exists already", o->run_id);
	return rc;
}

int pg_order_get(struct store *st, const char *run_id, struct run_order *out, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(run_id))
		return err_set(e, RC_NOTFOUND, "run %s was not started on a pool", run_id);
	struct pg_params p = { 0 };
	pp_text(&p, run_id);
	/* Inside a transaction the order is read to be changed (a claim
	 * checked, then the run moved on): its row stays locked until the
	 * end, as SQLite's write lock would keep it, so that no expiry or
	 * other holder changes it in between. Orders are always locked
	 * before their runs (pg_run_get locks those alike). */
	bool lock = s->depth > 0;
	PGresult *r = pg_exec(s, lock ? PG_ORDER_GET_LOCK : PG_ORDER_GET,
			      lock ? "SELECT " ORDER_COLUMNS " FROM run_orders WHERE run_id = $1 "
				     "FOR NO KEY UPDATE"
				   : "SELECT " ORDER_COLUMNS " FROM run_orders WHERE run_id = $1",
			      &p, e, "reading the order of run %s", run_id);
	if (!r)
		return e->code;
	int rc = RC_OK;
	if (PQntuples(r) == 1)
		read_order(r, 0, out);
	else
		rc = err_set(e, RC_NOTFOUND, "run %s was not started on a pool", run_id);
	PQclear(r);
	return rc;
}

int pg_order_update(struct store *st, const struct run_order *o, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(o->run_id))
		return err_set(e, RC_NOTFOUND, "run %s was not started on a pool", o->run_id);
	struct pg_params p = { 0 };
	pp_text(&p, o->run_id);
	pp_text(&p, order_state_name(o->state));
	pp_text_clean(&p, o->worker);
	pp_i64(&p, o->claim);
	pp_i64(&p, o->lost);
	pp_i64(&p, o->queued_at);
	pp_opt(&p, o->claimed_at);
	int64_t changed = 0;
	int rc = pg_cmd(s, PG_ORDER_UPDATE,
			"UPDATE run_orders SET state = $2, worker = $3, claim = $4, lost = $5, "
			"queued_at = $6, claimed_at = $7 WHERE run_id = $1",
			&p, &changed, e, "updating the order of run %s", o->run_id);
	pp_release(&p);
	if (!rc && !changed)
		rc = err_set(e, RC_NOTFOUND, "run %s was not started on a pool", o->run_id);
	return rc;
}

/* How many times a claim that found no unlocked queued run looks again.
 * Under READ COMMITTED, a row the subquery saw queued but that another
 * claimer committed as claimed just before it was locked is re-checked,
 * found no longer queued and dropped, and LIMIT 1 then answers no row
 * although other runs are queued: a new statement (a new snapshot) sees
 * them. A queue that is really empty costs this many index probes. */
#define CLAIM_TRIES 3

int pg_order_claim(struct store *st, const char *pool, const char *worker, int64_t now,
		   char run_id[UUID_STR_LEN], int64_t *claim, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, pool);
	pp_text_clean(&p, worker);
	pp_i64(&p, now);
	int rc = RC_OK;
	for (int tries = 0;; tries++) {
		PGresult *r = pg_exec(
			s, PG_ORDER_CLAIM,
			"UPDATE run_orders SET state = 'claimed', worker = $2, claim = claim + 1, "
			"claimed_at = $3 WHERE run_id = (SELECT run_id FROM run_orders "
			"WHERE pool = $1 AND state = 'queued' "
			"ORDER BY priority DESC, queued_at, run_id LIMIT 1 FOR UPDATE SKIP LOCKED) "
			"RETURNING run_id, claim",
			&p, e, "claiming a run of pool '%s'", pool);
		if (!r) {
			rc = e->code;
			break;
		}
		if (PQntuples(r) == 1) {
			snprintf(run_id, UUID_STR_LEN, "%s", pg_str(r, 0, 0));
			*claim = pg_i64(r, 0, 1);
			PQclear(r);
			break;
		}
		PQclear(r);
		if (tries + 1 >= CLAIM_TRIES) {
			rc = err_set(e, RC_NOTFOUND, "no run of pool '%s' is queued", pool);
			break;
		}
	}
	pp_release(&p);
	return rc;
}

int pg_orders_waiting(struct store *st, const char *pool, bool *any, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, pool);
	PGresult *r = pg_exec(s, PG_ORDERS_WAITING, /* every claim */
			      "SELECT EXISTS (SELECT 1 FROM run_orders "
			      "WHERE pool = $1 AND state = 'queued')",
			      &p, e, "looking at the queue of pool '%s'", pool);
	pp_release(&p);
	if (!r)
		return e->code;
	*any = PQntuples(r) == 1 && pg_bool(r, 0, 0);
	PQclear(r);
	return RC_OK;
}

int pg_orders_stale(struct store *st, int64_t now, int64_t default_lease_ms,
		    struct run_order **out, size_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_i64(&p, now);
	pp_i64(&p, default_lease_ms);
	/* Inside a transaction (service_orch_expire's second look, which acts
	 * on what it finds) the stale orders are locked, and one that another
	 * transaction holds is passed over: two expirers never both requeue a
	 * run, and a worker finishing or claiming it is not overwritten. Once
	 * the lock is had, the row is checked again as it is now (READ
	 * COMMITTED re-reads a row it had to lock): an order claimed meanwhile
	 * by another worker no longer matches. (NOT EXISTS rather than an
	 * outer join: that re-check then asks about the worker the order
	 * names now, not the one first joined.) */
	bool lock = s->depth > 0;
	PGresult *r = pg_exec(
		s, lock ? PG_ORDERS_STALE_LOCK : PG_ORDERS_STALE, /* every claim and heartbeat */
		lock ? "SELECT " ORDER_COLUMNS " FROM run_orders o WHERE o.state = 'claimed' "
		       "AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.name = o.worker "
		       "AND w.heartbeat_at >= $1 - coalesce(nullif(w.lease_ms, 0), $2)) "
		       "FOR NO KEY UPDATE SKIP LOCKED"
		     : "SELECT " ORDER_COLUMNS " FROM run_orders o WHERE o.state = 'claimed' "
		       "AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.name = o.worker "
		       "AND w.heartbeat_at >= $1 - coalesce(nullif(w.lease_ms, 0), $2))",
		&p, e, "looking for lost runs");
	if (!r)
		return e->code;
	return orders_read(r, out, n);
}

int pg_orders_held(struct store *st, const char *worker, int64_t claimed_before,
		   struct run_order **out, size_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, worker);
	pp_i64(&p, claimed_before);
	/* Locked inside a transaction, as pg_orders_stale and for the same
	 * reasons; the re-check after the lock drops an order finished or
	 * handed back meanwhile. */
	bool lock = s->depth > 0;
	PGresult *r = pg_exec(
		s, lock ? PG_ORDERS_HELD_LOCK : PG_ORDERS_HELD, /* every heartbeat */
		lock ? "SELECT " ORDER_COLUMNS " FROM run_orders o WHERE o.worker = $1 "
		       "AND o.state = 'claimed' AND o.claimed_at < $2 "
		       "FOR NO KEY UPDATE SKIP LOCKED"
		     : "SELECT " ORDER_COLUMNS " FROM run_orders o WHERE o.worker = $1 "
		       "AND o.state = 'claimed' AND o.claimed_at < $2",
		&p, e, "looking for the runs worker '%s' holds", worker);
	pp_release(&p);
	if (!r)
		return e->code;
	return orders_read(r, out, n);
}

/* ---- retention ---- */

int pg_runs_prunable(struct store *st, const char *pool, int64_t keep, int64_t before, int limit,
		     char (**ids)[UUID_STR_LEN], size_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	/* Newest first so that OFFSET spares the newest `keep`; the batch is
	 * then the next `limit` (the oldest come last, later batches). Only
	 * the conditions asked for are in the statement, so that a pool's
	 * walk uses test_runs_pool_idx. */
	struct pg_params p = { 0 };
	struct buf sql = BUF_INIT;
	buf_adds(&sql, "SELECT id FROM test_runs WHERE lifecycle_code IN (" FINISHED_CODES ")");
	if (pool) {
		pp_text_clean(&p, pool);
		buf_addf(&sql, " AND pool = $%d", p.n);
	}
	if (before) {
		pp_i64(&p, before);
		buf_addf(&sql, " AND created_at < $%d", p.n);
	}
	pp_i64(&p, limit > 0 ? limit : 500);
	buf_addf(&sql, " ORDER BY created_at DESC, id DESC LIMIT $%d", p.n);
	pp_i64(&p, keep > 0 ? keep : 0);
	buf_addf(&sql, " OFFSET $%d", p.n);
	PGresult *r = pg_exec(s, PG_ONCE, sql.data, &p, e, "looking for runs to prune");
	pp_release(&p);
	buf_release(&sql);
	if (!r)
		return e->code;
	size_t count = (size_t)PQntuples(r);
	char (*list)[UUID_STR_LEN] = count ? xcalloc(count, UUID_STR_LEN) : NULL;
	for (size_t i = 0; i < count; i++)
		snprintf(list[i], UUID_STR_LEN, "%s", pg_str(r, (int)i, 0));
	PQclear(r);
	*ids = list;
	*n = count;
	return RC_OK;
}

int pg_runs_delete(struct store *st, char (*ids)[UUID_STR_LEN], size_t n, int64_t *deleted,
		   struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	/* One statement for the batch, the ids as one uuid[] parameter. The
	 * lifecycle is checked again as each row is locked for the delete: a
	 * run is never deleted unless it is finished at this moment. Its
	 * events, share links, order and results go with it (ON DELETE
	 * CASCADE from test_runs), its results' attachments with them. */
	struct buf arr = BUF_INIT;
	buf_addc(&arr, '{');
	size_t valid = 0;
	for (size_t i = 0; i < n; i++) {
		if (!pg_is_uuid(ids[i]))
			continue; /* no such run on this backend */
		if (valid++)
			buf_addc(&arr, ',');
		buf_adds(&arr, ids[i]);
	}
	buf_addc(&arr, '}');
	int rc = RC_OK;
	if (valid) {
		struct pg_params p = { 0 };
		pp_text(&p, arr.data);
		rc = pg_cmd(s, PG_ONCE,
			    "DELETE FROM test_runs WHERE id = ANY ($1::uuid[]) "
			    "AND lifecycle_code IN (" FINISHED_CODES ")",
			    &p, deleted, e, "pruning %zu runs", valid);
	}
	buf_release(&arr);
	return rc;
}
