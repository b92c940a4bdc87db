/* pg_runs — the PostgreSQL backend's runs and their lifecycle events:
 * inserting and updating a run (its project made on first sight, its
 * results partition made before it), reading one by id, by "last~N" or by
 * an id prefix, the runs list with its filters and keyset cursor, and the
 * events each lifecycle change leaves. Connections, statements and
 * transactions are pg.c's (pg_int.h). */
#include "util/base.h"

#include <ctype.h>

#include "store/pg_int.h"
#include "store/run_sql.h"
#include "util/buf.h"
#include "util/time.h"

/* ---- runs ---- */

/* The id of project `name`, created if new (another process may create it
 * at the same moment: DO NOTHING, then read whichever row won). */
static int project_id_of(struct pg_store *s, const char *name, int64_t now, int64_t *id,
			 struct error *e)
{
	struct pg_params p = { 0 };
	pp_text(&p, name);
	pp_i64(&p, now);
	PGresult *r = pg_exec(s, PG_PROJECT_ADD,
			      "INSERT INTO projects (name, created_at) VALUES ($1, $2) "
			      "ON CONFLICT (name) DO NOTHING RETURNING id",
			      &p, e, "adding project '%s'", name);
	if (!r)
		return e->code;
	if (PQntuples(r) == 1) {
		*id = pg_i64(r, 0, 0);
		PQclear(r);
		return RC_OK;
	}
	PQclear(r);
	p = (struct pg_params){ 0 };
	pp_text(&p, name);
	r = pg_exec(s, PG_PROJECT_GET, "SELECT id FROM projects WHERE name = $1", &p, e,
		    "reading project '%s'", name);
	if (!r)
		return e->code;
	int rc = PQntuples(r) == 1 ? RC_OK
				   : err_set(e, RC_STORE, "reading project '%s': it vanished", name);
	if (!rc)
		*id = pg_i64(r, 0, 0);
	PQclear(r);
	return rc;
}

int pg_run_insert(struct store *st, const struct run *r, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(r->id))
		return err_set(e, RC_USAGE, "inserting run %s: the id is not a UUID", r->id);
	const char *project = r->project && *r->project ? r->project : "default";
	int64_t now = time_now_ms(), project_id = 0;
	int64_t created = r->created_at ? r->created_at : now;
	/* Outside a caller's transaction, a new partition is committed on its
	 * own, so the lock it takes on `results` is not held any longer. */
	int rc = pg_partition_for(s, created, e);
	if (rc)
		return err_prefix(e, "inserting run %s", r->id);
	if ((rc = pg_begin(s, e)))
		return err_prefix(e, "inserting run %s", r->id);
	if ((rc = project_id_of(s, project, now, &project_id, e)) ||
	    (rc = pg_partition_for(s, created, e))) {
		err_prefix(e, "inserting run %s", r->id);
		goto fail;
	}
	struct pg_params p = { 0 };
	pp_text(&p, r->id);
	pp_text_clean(&p, r->definition);
	pp_text(&p, verdict_name(r->verdict));
	pp_opt(&p, r->started_at);
	pp_opt(&p, r->completed_at);
	pp_text_clean(&p, r->environment);
	pp_text_clean(&p, r->triggered_by);
	pp_i64(&p, project_id);
	pp_text_clean(&p, r->title);
	pp_text_clean(&p, r->description);
	pp_text_clean(&p, r->milestone);
	pp_text_clean(&p, r->pool);
	pp_text_clean(&p, r->context_json);
	pp_text(&p, lifecycle_name(r->lifecycle));
	pp_i64(&p, (int)r->lifecycle);
	pp_i64(&p, created);
	pp_i64(&p, r->duration_ms);
	pp_i64(&p, r->total);
	pp_text_clean(&p, r->reason);
	pp_text_clean(&p, r->host);
	pp_opt(&p, r->pid);
	pp_opt(&p, r->pid_start);
	int64_t added = 0;
	rc = pg_cmd(s, PG_RUN_ADD,
		    "INSERT INTO test_runs (id, test_definition_id, status, started_at, "
		    "completed_at, environment, triggered_by, project_id, title, description, "
		    "milestone, pool, context_json, lifecycle, lifecycle_code, created_at, "
		    "duration_ms, total, reason, host, pid, pid_start) VALUES ($1, $2, $3, $4, $5, "
		    "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, "
		    "$22) ON CONFLICT (id) DO NOTHING",
		    &p, &added, e, "inserting run %s", r->id);
	pp_release(&p);
	if (rc)
		goto fail;
	if (!added) {
		rc = err_set(e, RC_EXISTS, "inserting run %s: a run with this id already exists",
			     r->id);
		goto fail;
	}
	if ((rc = pg_commit(s, e))) {
		err_prefix(e, "inserting run %s", r->id);
		goto fail;
	}
	return RC_OK;
fail:
	pg_rollback(s);
	return rc;
}

int pg_run_update(struct store *st, const struct run *r, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(r->id))
		return err_set(e, RC_NOTFOUND, "updating run %s: no such run", r->id);
	struct pg_params p = { 0 };
	pp_text(&p, r->id);
	pp_text_clean(&p, r->title);
	pp_text_clean(&p, r->description);
	pp_text(&p, lifecycle_name(r->lifecycle));
	pp_i64(&p, (int)r->lifecycle);
	pp_text(&p, verdict_name(r->verdict));
	pp_opt(&p, r->started_at);
	pp_opt(&p, r->completed_at);
	pp_i64(&p, r->duration_ms);
	pp_i64(&p, r->total);
	pp_text_clean(&p, r->reason);
	pp_opt(&p, r->pid);
	pp_opt(&p, r->pid_start);
	pp_text_clean(&p, r->host);
	int64_t changed = 0;
	int rc = pg_cmd(s, PG_RUN_UPDATE,
			"UPDATE test_runs SET title = $2, description = $3, lifecycle = $4, "
			"lifecycle_code = $5, status = $6, started_at = $7, completed_at = $8, "
			"duration_ms = $9, total = $10, reason = $11, pid = $12, pid_start = $13, "
			"host = $14 WHERE id = $1",
			&p, &changed, e, "updating run %s", r->id);
	pp_release(&p);
	if (rc)
		return rc;
	if (changed == 0)
		return err_set(e, RC_NOTFOUND, "updating run %s: no such run", r->id);
	return RC_OK;
}

/* Fills `r` from row `row` of a s->run_select result. */
static void read_run(const PGresult *q, int row, struct run *r)
{
	memset(r, 0, sizeof(*r));
	const char *id = pg_str(q, row, COL_ID);
	snprintf(r->id, sizeof(r->id), "%s", id ? id : "");
	r->project = pg_dup(q, row, COL_PROJECT);
	r->definition = pg_dup(q, row, COL_DEFINITION);
	r->title = pg_dup(q, row, COL_TITLE);
	r->description = pg_dup(q, row, COL_DESCRIPTION);
	r->environment = pg_dup(q, row, COL_ENVIRONMENT);
	r->triggered_by = pg_dup(q, row, COL_TRIGGERED_BY);
	r->milestone = pg_dup(q, row, COL_MILESTONE);
	r->pool = pg_dup(q, row, COL_POOL);
	r->context_json = pg_dup(q, row, COL_CONTEXT);
	r->lifecycle = (enum lifecycle)pg_i64(q, row, COL_LIFECYCLE);
	const char *v = pg_str(q, row, COL_VERDICT);
	if (!v || !verdict_parse(v, &r->verdict))
		r->verdict = verdict_of(r->lifecycle);
	r->created_at = pg_i64(q, row, COL_CREATED);
	r->started_at = pg_i64(q, row, COL_STARTED);
	r->completed_at = pg_i64(q, row, COL_COMPLETED);
	r->total = pg_i64(q, row, COL_TOTAL);
	r->duration_ms = pg_i64(q, row, COL_DURATION);
	r->host = pg_dup(q, row, COL_HOST);
	r->pid = pg_i64(q, row, COL_PID);
	r->pid_start = pg_i64(q, row, COL_PID_START);
	r->reason = pg_dup(q, row, COL_REASON);
	r->flaky = pg_i64(q, row, COL_FLAKY);
	for (int i = 0; i < RS__COUNT; i++) {
		r->counts[i] = pg_i64(q, row, COL__COUNT + i);
		r->sub_counts[i] = pg_i64(q, row, COL__COUNT + RS__COUNT + i);
	}
}

/* Inside a transaction the run's row is locked for the rest of it, as
 * SQLite's write lock would hold everything: a caller reads the run,
 * decides on its state and writes it back without another process
 * changing it in between. */
int pg_run_get(struct store *st, const char *id, struct run *out, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(id))
		return err_set(e, RC_NOTFOUND, "no run %s", id);
	bool lock = s->depth > 0;
	char *sql = xasprintf("%s WHERE r.id = $1%s", s->run_select,
			      lock ? " FOR NO KEY UPDATE OF r" : "");
	struct pg_params p = { 0 };
	pp_text(&p, id);
	PGresult *r = pg_exec(s, lock ? PG_RUN_GET_LOCK : PG_RUN_GET, sql, &p, e, "reading run %s",
			      id);
	free(sql);
	if (!r)
		return e->code;
	int rc = RC_OK;
	if (PQntuples(r) == 1)
		read_run(r, 0, out);
	else
		rc = err_set(e, RC_NOTFOUND, "no run %s", id);
	PQclear(r);
	return rc;
}

/* The id of the run `back` runs before the newest. */
int pg_run_back(struct store *st, int64_t back, char id[UUID_STR_LEN], struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_i64(&p, back);
	PGresult *r = pg_exec(s, PG_ONCE,
			      "SELECT id FROM test_runs ORDER BY created_at DESC, id DESC "
			      "LIMIT 1 OFFSET $1",
			      &p, e, "reading runs");
	if (!r)
		return e->code;
	int rc = RC_OK;
	if (PQntuples(r) == 1)
		snprintf(id, UUID_STR_LEN, "%s", pg_str(r, 0, 0));
	else
		rc = err_set(e, RC_NOTFOUND, "no such run");
	PQclear(r);
	return rc;
}

/* Fills out[37] with `prefix` completed to a whole UUID by `fill` ('0' for
 * the lowest id with that prefix, 'f' for the highest); false if the prefix
 * cannot start a UUID. uuid compares byte-wise, as the hex text would. */
static bool complete_uuid(const char *prefix, char fill, char out[UUID_STR_LEN])
{
	size_t len = strlen(prefix);
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (i < len) {
			char c = prefix[i];
			if (dash ? c != '-' : !(isdigit((unsigned char)c) || (c >= 'a' && c <= 'f')))
				return false;
			out[i] = c;
		} else {
			out[i] = dash ? '-' : fill;
		}
	}
	out[36] = '\0';
	return true;
}

/* Ids starting with `prefix`, at most `max`: the uuids between the prefix
 * completed with 0s and with fs. */
int pg_run_ids_prefix(struct store *st, const char *prefix, char (*ids)[UUID_STR_LEN],
		      int max, int *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	char lo[UUID_STR_LEN], hi[UUID_STR_LEN];
	*n = 0;
	if (!complete_uuid(prefix, '0', lo) || !complete_uuid(prefix, 'f', hi))
		return RC_OK; /* not the start of a uuid: no id starts so */
	struct pg_params p = { 0 };
	pp_text(&p, lo);
	pp_text(&p, hi);
	pp_i64(&p, max);
	PGresult *r = pg_exec(s, PG_ONCE,
			      "SELECT id FROM test_runs WHERE id BETWEEN $1 AND $2 ORDER BY id LIMIT $3",
			      &p, e, "reading run ids");
	if (!r)
		return e->code;
	for (int i = 0; i < PQntuples(r) && i < max; i++)
		snprintf(ids[(*n)++], UUID_STR_LEN, "%s", pg_str(r, i, 0));
	PQclear(r);
	return RC_OK;
}

int pg_runs_list(struct store *st, const struct run_filter *f, struct run **out,
		 size_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	enum verdict v = V_RUNNING;
	if (f->verdict && !verdict_parse(f->verdict, &v))
		return err_set(e, RC_USAGE,
			       "unknown run status '%s' (running, passed, failed, cancelled, error)",
			       f->verdict);
	if (f->before_id && !pg_is_uuid(f->before_id))
		return err_set(e, RC_USAGE, "listing runs: '%s' is not a run id", f->before_id);
	struct pg_params p = { 0 };
	struct buf sql = BUF_INIT;
	buf_addf(&sql, "%s WHERE true", s->run_select);
	if (f->verdict) {
		pp_text(&p, verdict_name(v));
		buf_addf(&sql, " AND r.status = $%d", p.n);
	}
	if (f->environment) {
		pp_text_clean(&p, f->environment);
		buf_addf(&sql, " AND r.environment = $%d", p.n);
	}
	if (f->project) {
		pp_text_clean(&p, f->project);
		buf_addf(&sql, " AND p.name = $%d", p.n);
	}
	if (f->since) {
		pp_i64(&p, f->since);
		buf_addf(&sql, " AND r.created_at >= $%d", p.n);
	}
	if (f->until) {
		pp_i64(&p, f->until);
		buf_addf(&sql, " AND r.created_at < $%d", p.n);
	}
	if (f->unfinished) {
		pp_i64(&p, LC_COMPLETED);
		pp_i64(&p, LC_COMPLETED_FAILURES);
		pp_i64(&p, LC_CANCELLED);
		pp_i64(&p, LC_FAILED);
		buf_addf(&sql, " AND r.lifecycle_code NOT IN ($%d, $%d, $%d, $%d)", p.n - 3, p.n - 2,
			 p.n - 1, p.n);
	}
	if (f->triggered_by) {
		pp_text_clean(&p, f->triggered_by);
		buf_addf(&sql, " AND r.triggered_by = $%d", p.n);
	}
	char *pattern = NULL;
	if (f->text) {
		/* A substring match: the user's % and _ are literal. ILIKE is
		 * case-insensitive beyond ASCII too. */
		struct buf pat = BUF_INIT;
		buf_addc(&pat, '%');
		for (const char *c = f->text; *c; c++) {
			if (*c == '%' || *c == '_' || *c == '\\')
				buf_addc(&pat, '\\');
			buf_addc(&pat, *c);
		}
		buf_addc(&pat, '%');
		pattern = buf_detach(&pat);
		pp_text_clean(&p, pattern);
		buf_addf(&sql,
			 " AND (r.title ILIKE $%d ESCAPE '\\' OR r.description ILIKE $%d "
			 "ESCAPE '\\')",
			 p.n, p.n);
	}
	if (f->before_id) {
		pp_i64(&p, f->before_created);
		pp_text(&p, f->before_id);
		buf_addf(&sql, " AND (r.created_at, r.id) < ($%d, $%d)", p.n - 1, p.n);
	}
	buf_adds(&sql, " ORDER BY r.created_at DESC, r.id DESC");
	if (f->limit > 0) {
		pp_i64(&p, f->limit);
		buf_addf(&sql, " LIMIT $%d", p.n);
	}
	PGresult *r = pg_exec(s, PG_ONCE, sql.data, &p, e, "listing runs");
	pp_release(&p);
	buf_release(&sql);
	free(pattern);
	if (!r)
		return e->code;
	size_t count = (size_t)PQntuples(r);
	struct run *runs = count ? xcalloc(count, sizeof(*runs)) : NULL;
	for (size_t i = 0; i < count; i++)
		read_run(r, (int)i, &runs[i]);
	PQclear(r);
	*out = runs;
	*n = count;
	return RC_OK;
}

int pg_runs_by_lifecycle(struct store *st,
			 void (*cb)(void *ctx, enum lifecycle lc, int64_t count), void *ctx,
			 struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	PGresult *r = pg_exec(s, PG_ONCE,
			      "SELECT lifecycle_code, count(*) FROM test_runs "
			      "GROUP BY lifecycle_code ORDER BY lifecycle_code",
			      NULL, e, "counting runs by lifecycle");
	if (!r)
		return e->code;
	for (int i = 0; i < PQntuples(r); i++)
		cb(ctx, (enum lifecycle)pg_i64(r, i, 0), pg_i64(r, i, 1));
	PQclear(r);
	return RC_OK;
}

/* ---- run events ---- */

int pg_run_event_add(struct store *st, const char *run_id, enum lifecycle lc, int64_t at,
		     const char *message, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!lifecycle_is_valid((int)lc))
		return err_set(e, RC_USAGE, "adding event to run %s: no lifecycle code %d", run_id,
			       (int)lc);
	if (!pg_is_uuid(run_id))
		return err_set(e, RC_NOTFOUND, "adding event to run %s: no such run", run_id);
	struct pg_params p = { 0 };
	pp_text(&p, run_id);
	pp_i64(&p, at ? at : time_now_ms());
	pp_i64(&p, (int)lc);
	pp_text(&p, lifecycle_name(lc));
	pp_text_clean(&p, message);
	int64_t added = 0;
	int rc = pg_cmd(s, PG_EVENT_ADD,
			"INSERT INTO run_events (run_id, at, lifecycle_code, lifecycle, message) "
			"SELECT $1::uuid, $2::bigint, $3::integer, $4::text, $5::text "
			"WHERE EXISTS (SELECT 1 FROM test_runs WHERE id = $1::uuid)",
			&p, &added, e, "adding event to run %s", run_id);
	pp_release(&p);
	if (rc)
		return rc;
	if (!added)
		return err_set(e, RC_NOTFOUND, "adding event to run %s: no such run", run_id);
	return RC_OK;
}

int pg_suite_outputs_add(struct store *st, const char *run_id, const struct suite_output *o,
			 size_t n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(run_id))
		return err_set(e, RC_NOTFOUND, "adding suite output to run %s: no such run", run_id);
	int rc = pg_begin(s, e);
	if (rc)
		return err_prefix(e, "adding suite output to run %s", run_id);
	for (size_t i = 0; i < n; i++) {
		if (!o[i].stdout_text && !o[i].stderr_text)
			continue;
		struct pg_params p = { 0 };
		pp_text(&p, run_id);
		pp_text_clean(&p, o[i].suite);
		pp_text_clean(&p, o[i].stdout_text);
		pp_text_clean(&p, o[i].stderr_text);
		pp_i64(&p, o[i].claim);
		int64_t added = 0;
		rc = pg_cmd(s, PG_SUITE_OUT_ADD,
			    "INSERT INTO suite_outputs (run_id, suite, stdout_text, stderr_text, claim) "
			    "SELECT $1::uuid, $2::text, $3::text, $4::text, $5::bigint "
			    "WHERE EXISTS (SELECT 1 FROM test_runs WHERE id = $1::uuid)",
			    &p, &added, e, "adding the output of suite '%s' to run %s", o[i].suite,
			    run_id);
		pp_release(&p);
		if (!rc && !added)
			rc = err_set(e, RC_NOTFOUND, "adding suite output to run %s: no such run",
				     run_id);
		if (rc) {
			pg_rollback(s);
			return rc;
		}
	}
	return pg_commit(s, e);
}

int pg_suite_outputs_drop_older(struct store *st, const char *run_id, const char *suite,
				int64_t claim, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(run_id))
		return RC_OK; /* no such run: nothing to replace */
	struct pg_params p = { 0 };
	pp_text(&p, run_id);
	pp_text_clean(&p, suite);
	pp_i64(&p, claim);
	int rc = pg_cmd(s, PG_SUITE_OUT_DROP,
			"DELETE FROM suite_outputs WHERE run_id = $1::uuid AND suite = $2::text "
			"AND claim > 0 AND claim < $3::bigint",
			&p, NULL, e, "replacing the output of suite '%s' in run %s", suite, run_id);
	pp_release(&p);
	return rc;
}

int pg_suite_outputs(struct store *st, const char *run_id, const char *suite, bool with_text,
		     struct suite_output **out, size_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(run_id))
		return RC_OK; /* no such run: none, as SQLite answers */
	struct pg_params p = { 0 };
	pp_text(&p, run_id);
	pp_text_clean(&p, suite);
	pp_bool(&p, with_text);
	PGresult *r = pg_exec(s, PG_SUITE_OUTS,
			      "SELECT suite, CASE WHEN $3::boolean THEN stdout_text END, "
			      "CASE WHEN $3::boolean THEN stderr_text END, "
			      "coalesce(octet_length(stdout_text), 0), "
			      "coalesce(octet_length(stderr_text), 0) FROM suite_outputs "
			      "WHERE run_id = $1::uuid AND ($2::text IS NULL OR suite = $2::text) "
			      "ORDER BY id",
			      &p, e, "reading suite output of run %s", run_id);
	pp_release(&p);
	if (!r)
		return e->code;
	size_t count = (size_t)PQntuples(r);
	struct suite_output *o = count ? xcalloc(count, sizeof(*o)) : NULL;
	for (size_t i = 0; i < count; i++) {
		o[i].suite = pg_dup(r, (int)i, 0);
		if (!o[i].suite)
			o[i].suite = xstrdup("");
		o[i].stdout_text = pg_dup(r, (int)i, 1);
		o[i].stderr_text = pg_dup(r, (int)i, 2);
		o[i].stdout_bytes = pg_i64(r, (int)i, 3);
		o[i].stderr_bytes = pg_i64(r, (int)i, 4);
	}
	PQclear(r);
	*out = o;
	*n = count;
	return RC_OK;
}

int pg_run_events(struct store *st, const char *run_id, struct run_event **out,
		  size_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(run_id))
		return RC_OK; /* no such run: no events, as SQLite answers */
	struct pg_params p = { 0 };
	pp_text(&p, run_id);
	PGresult *r = pg_exec(s, PG_EVENTS,
			      "SELECT lifecycle_code, at, message FROM run_events "
			      "WHERE run_id = $1 ORDER BY at, id",
			      &p, e, "reading events of run %s", run_id);
	if (!r)
		return e->code;
	size_t count = (size_t)PQntuples(r);
	struct run_event *ev = count ? xcalloc(count, sizeof(*ev)) : NULL;
	for (size_t i = 0; i < count; i++) {
		ev[i].lifecycle = (enum lifecycle)pg_i64(r, (int)i, 0);
		ev[i].at = pg_i64(r, (int)i, 1);
		ev[i].message = pg_dup(r, (int)i, 2);
	}
	PQclear(r);
	*out = ev;
	*n = count;
	return RC_OK;
}
