/* sqlite_runs — runs, their lifecycle events and their suites' own output
 * in the SQLite backend (as pg_runs.c in the PostgreSQL one); the
 * functions are the ops table's, in sqlite.c. */
#include "util/base.h"

#include "store/run_sql.h"
#include "store/sqlite_int.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"
#include "util/uuid.h"

/* ---- runs ---- */

/* The id of project `name`, created if new. Runs inside the caller's
 * transaction. */
static int project_id_of(struct sqlite_store *s, const char *name, int64_t now, int64_t *id,
			 struct error *e)
{
	sqlite3_stmt *q = sq_stmt(s, SQ_PROJECT_ADD,
				  "INSERT INTO projects (name, created_at) VALUES (?1, ?2) "
				  "ON CONFLICT (name) DO NOTHING",
				  e);
	if (!q)
		return e->code;
	sq_bind_text(q, 1, name);
	sqlite3_bind_int64(q, 2, now);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return sq_fail(s, e, "adding project '%s'", name);
	if (!(q = sq_stmt(s, SQ_PROJECT_GET, "SELECT id FROM projects WHERE name = ?1", e)))
		return e->code;
	sq_bind_text(q, 1, name);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (rc != SQLITE_ROW)
		return sq_fail(s, e, "reading project '%s'", name);
	return RC_OK;
}

int sqlite_run_insert(struct store *st, const struct run *r, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	/* A run always belongs to a project; a caller without a catalog project
	 * (an import of a bare JUnit file) gets the one named "default". */
	const char *project = r->project && *r->project ? r->project : "default";
	int64_t now = time_now_ms(), project_id = 0;
	int rc = sq_begin(s, e);
	if (rc)
		return err_prefix(e, "inserting run %s", r->id);
	if ((rc = project_id_of(s, project, now, &project_id, e))) {
		err_prefix(e, "inserting run %s", r->id);
		goto fail;
	}
	sqlite3_stmt *q = sq_stmt(
		s, SQ_RUN_ADD,
		"INSERT INTO test_runs (id, test_definition_id, status, started_at, completed_at, "
		"environment, triggered_by, project_id, title, description, milestone, pool, "
		"context_json, lifecycle, lifecycle_code, created_at, duration_ms, total, reason, "
		"host, pid, pid_start) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
		"?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
		e);
	if (!q) {
		rc = e->code;
		goto fail;
	}
	sq_bind_text(q, 1, r->id);
	sq_bind_text(q, 2, r->definition);
	sq_bind_text(q, 3, verdict_name(r->verdict));
	sq_bind_opt(q, 4, r->started_at);
	sq_bind_opt(q, 5, r->completed_at);
	sq_bind_text(q, 6, r->environment);
	sq_bind_text(q, 7, r->triggered_by);
	sqlite3_bind_int64(q, 8, project_id);
	sq_bind_text(q, 9, r->title);
	sq_bind_text(q, 10, r->description);
	sq_bind_text(q, 11, r->milestone);
	sq_bind_text(q, 12, r->pool);
	sq_bind_text(q, 13, r->context_json);
	sq_bind_text(q, 14, lifecycle_name(r->lifecycle));
	sqlite3_bind_int(q, 15, (int)r->lifecycle);
	sqlite3_bind_int64(q, 16, r->created_at ? r->created_at : now);
	sqlite3_bind_int64(q, 17, r->duration_ms);
	sqlite3_bind_int64(q, 18, r->total);
	sq_bind_text(q, 19, r->reason);
	sq_bind_text(q, 20, r->host);
	sq_bind_opt(q, 21, r->pid);
	sq_bind_opt(q, 22, r->pid_start);
	int step = sqlite3_step(q);
	sqlite3_reset(q);
	if (step == SQLITE_CONSTRAINT_PRIMARYKEY) {
		rc = err_set(e, RC_EXISTS, "inserting run %s: a run with this id already exists",
			     r->id);
		goto fail;
	}
	if (step != SQLITE_DONE) {
		rc = sq_fail(s, e, "inserting run %s", r->id);
		goto fail;
	}
	if ((rc = sq_commit(s, e))) {
		err_prefix(e, "inserting run %s", r->id);
		goto fail;
	}
	return RC_OK;
fail:
	sq_rollback(s);
	return rc;
}

int sqlite_run_update(struct store *st, const struct run *r, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_stmt(s, SQ_RUN_UPDATE,
				  "UPDATE test_runs SET title = ?2, description = ?3, lifecycle = ?4, "
				  "lifecycle_code = ?5, status = ?6, started_at = ?7, "
				  "completed_at = ?8, duration_ms = ?9, total = ?10, reason = ?11, "
				  "pid = ?12, pid_start = ?13, host = ?14 WHERE id = ?1",
				  e);
	if (!q)
		return err_prefix(e, "updating run %s", r->id);
	sq_bind_text(q, 1, r->id);
	sq_bind_text(q, 2, r->title);
	sq_bind_text(q, 3, r->description);
	sq_bind_text(q, 4, lifecycle_name(r->lifecycle));
	sqlite3_bind_int(q, 5, (int)r->lifecycle);
	sq_bind_text(q, 6, verdict_name(r->verdict));
	sq_bind_opt(q, 7, r->started_at);
	sq_bind_opt(q, 8, r->completed_at);
	sqlite3_bind_int64(q, 9, r->duration_ms);
	sqlite3_bind_int64(q, 10, r->total);
	sq_bind_text(q, 11, r->reason);
	sq_bind_opt(q, 12, r->pid);
	sq_bind_opt(q, 13, r->pid_start);
	sq_bind_text(q, 14, r->host);
	int step = sqlite3_step(q);
	sqlite3_reset(q);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "updating run %s", r->id);
	if (sqlite3_changes(s->db) == 0)
		return err_set(e, RC_NOTFOUND, "updating run %s: no such run", r->id);
	return RC_OK;
}

/* Fills `r` from a row of s->run_select. */
static void read_run(sqlite3_stmt *q, struct run *r)
{
	memset(r, 0, sizeof(*r));
	const unsigned char *id = sqlite3_column_text(q, COL_ID);
	snprintf(r->id, sizeof(r->id), "%s", id ? (const char *)id : "");
	r->project = sq_column_dup(q, COL_PROJECT);
	r->definition = sq_column_dup(q, COL_DEFINITION);
	r->title = sq_column_dup(q, COL_TITLE);
	r->description = sq_column_dup(q, COL_DESCRIPTION);
	r->environment = sq_column_dup(q, COL_ENVIRONMENT);
	r->triggered_by = sq_column_dup(q, COL_TRIGGERED_BY);
	r->milestone = sq_column_dup(q, COL_MILESTONE);
	r->pool = sq_column_dup(q, COL_POOL);
	r->context_json = sq_column_dup(q, COL_CONTEXT);
	r->lifecycle = (enum lifecycle)sqlite3_column_int(q, COL_LIFECYCLE);
	const unsigned char *v = sqlite3_column_text(q, COL_VERDICT);
	if (!v || !verdict_parse((const char *)v, &r->verdict))
		r->verdict = verdict_of(r->lifecycle);
	r->created_at = sqlite3_column_int64(q, COL_CREATED);
	r->started_at = sqlite3_column_int64(q, COL_STARTED);
	r->completed_at = sqlite3_column_int64(q, COL_COMPLETED);
	r->total = sqlite3_column_int64(q, COL_TOTAL);
	r->duration_ms = sqlite3_column_int64(q, COL_DURATION);
	r->host = sq_column_dup(q, COL_HOST);
	r->pid = sqlite3_column_int64(q, COL_PID);
	r->pid_start = sqlite3_column_int64(q, COL_PID_START);
	r->reason = sq_column_dup(q, COL_REASON);
	r->flaky = sqlite3_column_int64(q, COL_FLAKY);
	for (int i = 0; i < RS__COUNT; i++) {
		r->counts[i] = sqlite3_column_int64(q, COL__COUNT + i);
		r->sub_counts[i] = sqlite3_column_int64(q, COL__COUNT + RS__COUNT + i);
	}
}

int sqlite_run_get(struct store *st, const char *id, struct run *out, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = s->stmt[SQ_RUN_GET];
	if (!q) {
		char *sql = xasprintf("%s WHERE r.id = ?1", s->run_select);
		q = sq_stmt(s, SQ_RUN_GET, sql, e);
		free(sql);
		if (!q)
			return err_prefix(e, "reading run %s", id);
	}
	sq_bind_text(q, 1, id);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		read_run(q, out);
	sqlite3_reset(q);
	if (step == SQLITE_DONE)
		return err_set(e, RC_NOTFOUND, "no run %s", id);
	if (step != SQLITE_ROW)
		return sq_fail(s, e, "reading run %s", id);
	return RC_OK;
}

/* The id of the run `back` runs before the newest. */
int sqlite_run_back(struct store *st, int64_t back, char id[UUID_STR_LEN],
		    struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(
		s, "SELECT id FROM test_runs ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?1", e);
	if (!q)
		return e->code;
	sqlite3_bind_int64(q, 1, back);
	int step = sqlite3_step(q);
	int rc = RC_OK;
	if (step == SQLITE_ROW)
		snprintf(id, UUID_STR_LEN, "%s", (const char *)sqlite3_column_text(q, 0));
	else if (step == SQLITE_DONE)
		rc = err_set(e, RC_NOTFOUND, "no such run");
	else
		rc = sq_fail(s, e, "reading runs");
	sqlite3_finalize(q);
	return rc;
}

/* Ids starting with `prefix`, at most `max`. A range scan on the primary key
 * rather than LIKE, which would need the prefix's % and _ escaped and still
 * not use the index (LIKE is case-insensitive, the key is not). */
int sqlite_run_ids_prefix(struct store *st, const char *prefix,
			  char (*ids)[UUID_STR_LEN], int max, int *n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	size_t len = strlen(prefix);
	*n = 0;
	if ((unsigned char)prefix[len - 1] == 0xff)
		return RC_OK; /* no string follows it: no id starts so */
	char *upper = xstrdup(prefix);
	upper[len - 1]++; /* "0190ab" → "0190ac": the first string past the prefix */
	sqlite3_stmt *q =
		sq_prepare(s, "SELECT id FROM test_runs WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT ?3",
			   e);
	if (!q) {
		free(upper);
		return e->code;
	}
	sq_bind_text(q, 1, prefix);
	sq_bind_text(q, 2, upper);
	sqlite3_bind_int(q, 3, max);
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		snprintf(ids[(*n)++], UUID_STR_LEN, "%s", (const char *)sqlite3_column_text(q, 0));
	int rc = step == SQLITE_DONE ? RC_OK : sq_fail(s, e, "reading run ids");
	sqlite3_finalize(q);
	free(upper);
	return rc;
}

int sqlite_runs_list(struct store *st, const struct run_filter *f, struct run **out,
		     size_t *n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	enum verdict v = V_RUNNING;
	if (f->verdict && !verdict_parse(f->verdict, &v))
		return err_set(e, RC_USAGE,
			       "unknown run status '%s' (running, passed, failed, cancelled, error)",
			       f->verdict);
	/* Clauses are chosen by which filters are set; parameter numbers are
	 * fixed so each value binds to the same ?N whatever else is present. */
	struct buf sql = BUF_INIT;
	buf_addf(&sql, "%s WHERE 1", s->run_select);
	if (f->verdict)
		buf_adds(&sql, " AND r.status = ?1");
	if (f->environment)
		buf_adds(&sql, " AND r.environment = ?2");
	if (f->project)
		buf_adds(&sql, " AND p.name = ?3");
	if (f->since)
		buf_adds(&sql, " AND r.created_at >= ?4");
	if (f->until)
		buf_adds(&sql, " AND r.created_at < ?5");
	if (f->unfinished)
		buf_adds(&sql, " AND r.lifecycle_code NOT IN (?6, ?7, ?8, ?9)");
	if (f->triggered_by)
		buf_adds(&sql, " AND r.triggered_by = ?11");
	if (f->text)
		buf_adds(&sql, " AND (r.title LIKE ?12 ESCAPE '\\' OR r.description LIKE ?12 "
			       "ESCAPE '\\')");
	if (f->before_id)
		buf_adds(&sql, " AND (r.created_at, r.id) < (?13, ?14)");
	buf_adds(&sql, " ORDER BY r.created_at DESC, r.id DESC LIMIT ?10");
	sqlite3_stmt *q = sq_prepare(s, sql.data, e);
	buf_release(&sql);
	if (!q)
		return err_prefix(e, "listing runs");
	if (f->verdict)
		sq_bind_text(q, 1, verdict_name(v));
	if (f->environment)
		sq_bind_text(q, 2, f->environment);
	if (f->project)
		sq_bind_text(q, 3, f->project);
	if (f->since)
		sqlite3_bind_int64(q, 4, f->since);
	if (f->until)
		sqlite3_bind_int64(q, 5, f->until);
	if (f->unfinished) {
		sqlite3_bind_int(q, 6, LC_COMPLETED);
		sqlite3_bind_int(q, 7, LC_COMPLETED_FAILURES);
		sqlite3_bind_int(q, 8, LC_CANCELLED);
		sqlite3_bind_int(q, 9, LC_FAILED);
	}
	sqlite3_bind_int(q, 10, f->limit > 0 ? f->limit : -1);
	if (f->triggered_by)
		sq_bind_text(q, 11, f->triggered_by);
	char *pattern = NULL;
	if (f->text) {
		/* A substring match: the user's % and _ are literal. */
		struct buf pat = BUF_INIT;
		buf_addc(&pat, '%');
		for (const char *c = f->text; *c; c++) {
			if (*c == '%' || *c == '_' || *c == '\\')
				buf_addc(&pat, '\\');
			buf_addc(&pat, *c);
		}
		buf_addc(&pat, '%');
		pattern = buf_detach(&pat);
		sq_bind_text(q, 12, pattern);
	}
	if (f->before_id) {
		sqlite3_bind_int64(q, 13, f->before_created);
		sq_bind_text(q, 14, f->before_id);
	}
	struct run *runs = NULL;
	size_t cap = 0, count = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		GROW(runs, cap, count + 1);
		read_run(q, &runs[count++]);
	}
	int rc = RC_OK;
	if (step != SQLITE_DONE) {
		rc = sq_fail(s, e, "listing runs");
		store_runs_free(runs, count);
		runs = NULL;
		count = 0;
	}
	sqlite3_finalize(q);
	free(pattern);
	*out = runs;
	*n = count;
	return rc;
}

int sqlite_runs_by_lifecycle(struct store *st,
			     void (*cb)(void *ctx, enum lifecycle lc, int64_t count),
			     void *ctx, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_stmt(s, SQ_RUNS_BY_LIFECYCLE,
				  "SELECT lifecycle_code, count(*) FROM test_runs "
				  "GROUP BY lifecycle_code ORDER BY lifecycle_code",
				  e);
	if (!q)
		return err_prefix(e, "counting runs by lifecycle");
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		cb(ctx, (enum lifecycle)sqlite3_column_int(q, 0), sqlite3_column_int64(q, 1));
	sqlite3_reset(q);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "counting runs by lifecycle");
	return RC_OK;
}

/* ---- run events ---- */

int sqlite_run_event_add(struct store *st, const char *run_id, enum lifecycle lc,
			 int64_t at, const char *message, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	if (!lifecycle_is_valid((int)lc))
		return err_set(e, RC_USAGE, "adding event to run %s: no lifecycle code %d", run_id,
			       (int)lc);
	sqlite3_stmt *q = sq_stmt(s, SQ_EVENT_ADD,
				  "INSERT INTO run_events (run_id, at, lifecycle_code, lifecycle, "
				  "message) VALUES (?1, ?2, ?3, ?4, ?5)",
				  e);
	if (!q)
		return err_prefix(e, "adding event to run %s", run_id);
	sq_bind_text(q, 1, run_id);
	sqlite3_bind_int64(q, 2, at ? at : time_now_ms());
	sqlite3_bind_int(q, 3, (int)lc);
	sq_bind_text(q, 4, lifecycle_name(lc));
	sq_bind_text(q, 5, message);
	int step = sqlite3_step(q);
	sqlite3_reset(q);
	if (step == SQLITE_CONSTRAINT_FOREIGNKEY)
		return err_set(e, RC_NOTFOUND, "adding event to run %s: no such run", run_id);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "adding event to run %s", run_id);
	return RC_OK;
}

int sqlite_run_events(struct store *st, const char *run_id, struct run_event **out,
		      size_t *n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_stmt(s, SQ_EVENTS,
				  "SELECT lifecycle_code, at, message FROM run_events "
				  "WHERE run_id = ?1 ORDER BY at, id",
				  e);
	if (!q)
		return err_prefix(e, "reading events of run %s", run_id);
	sq_bind_text(q, 1, run_id);
	struct run_event *ev = NULL;
	size_t cap = 0, count = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		GROW(ev, cap, count + 1);
		ev[count].lifecycle = (enum lifecycle)sqlite3_column_int(q, 0);
		ev[count].at = sqlite3_column_int64(q, 1);
		ev[count].message = sq_column_dup(q, 2);
		count++;
	}
	int rc = RC_OK;
	if (step != SQLITE_DONE) {
		rc = sq_fail(s, e, "reading events of run %s", run_id);
		run_events_free(ev, count);
		ev = NULL;
		count = 0;
	}
	sqlite3_reset(q);
	*out = ev;
	*n = count;
	return rc;
}

/* ---- suite outputs ---- */

int sqlite_suite_outputs_add(struct store *st, const char *run_id,
			     const struct suite_output *o, size_t n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	int rc = sq_begin(s, e);
	if (rc)
		return err_prefix(e, "adding suite output to run %s", run_id);
	sqlite3_stmt *q = sq_stmt(s, SQ_SUITE_OUT_ADD,
				  "INSERT INTO suite_outputs (run_id, suite, stdout_text, stderr_text, "
				  "claim) VALUES (?1, ?2, ?3, ?4, ?5)",
				  e);
	if (!q) {
		rc = err_prefix(e, "adding suite output to run %s", run_id);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		if (!o[i].stdout_text && !o[i].stderr_text)
			continue;
		sq_bind_text(q, 1, run_id);
		sq_bind_text(q, 2, o[i].suite);
		sq_bind_text(q, 3, o[i].stdout_text);
		sq_bind_text(q, 4, o[i].stderr_text);
		sqlite3_bind_int64(q, 5, o[i].claim);
		int step = sqlite3_step(q);
		sqlite3_reset(q);
		if (step == SQLITE_CONSTRAINT_FOREIGNKEY) {
			rc = err_set(e, RC_NOTFOUND, "adding suite output to run %s: no such run",
				     run_id);
			goto fail;
		}
		if (step != SQLITE_DONE) {
			rc = sq_fail(s, e, "adding the output of suite '%s' to run %s", o[i].suite,
				     run_id);
			goto fail;
		}
	}
	return sq_commit(s, e);
fail:
	sq_rollback(s);
	return rc;
}

int sqlite_suite_outputs_drop_older(struct store *st, const char *run_id, const char *suite,
				    int64_t claim, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_stmt(s, SQ_SUITE_OUT_DROP,
				  "DELETE FROM suite_outputs WHERE run_id = ?1 AND suite = ?2 "
				  "AND claim > 0 AND claim < ?3",
				  e);
	if (!q)
		return err_prefix(e, "replacing suite output of run %s", run_id);
	sq_bind_text(q, 1, run_id);
	sq_bind_text(q, 2, suite);
	sqlite3_bind_int64(q, 3, claim);
	int step = sqlite3_step(q);
	sqlite3_reset(q);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "replacing the output of suite '%s' in run %s", suite, run_id);
	return RC_OK;
}

int sqlite_suite_outputs(struct store *st, const char *run_id, const char *suite,
			 bool with_text, struct suite_output **out, size_t *n,
			 struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_stmt(s, SQ_SUITE_OUTS,
				  "SELECT suite, CASE WHEN ?3 THEN stdout_text END, "
				  "CASE WHEN ?3 THEN stderr_text END, "
				  "coalesce(length(CAST(stdout_text AS BLOB)), 0), "
				  "coalesce(length(CAST(stderr_text AS BLOB)), 0) FROM suite_outputs "
				  "WHERE run_id = ?1 AND (?2 IS NULL OR suite = ?2) ORDER BY id",
				  e);
	if (!q)
		return err_prefix(e, "reading suite output of run %s", run_id);
	sq_bind_text(q, 1, run_id);
	sq_bind_text(q, 2, suite);
	sqlite3_bind_int(q, 3, with_text);
	struct suite_output *o = NULL;
	size_t cap = 0, count = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		GROW(o, cap, count + 1);
		o[count].suite = sq_column_dup(q, 0);
		if (!o[count].suite)
			o[count].suite = xstrdup("");
		o[count].stdout_text = sq_column_dup(q, 1);
		o[count].stderr_text = sq_column_dup(q, 2);
		o[count].stdout_bytes = sqlite3_column_int64(q, 3);
		o[count].stderr_bytes = sqlite3_column_int64(q, 4);
		count++;
	}
	int rc = RC_OK;
	if (step != SQLITE_DONE) {
		rc = sq_fail(s, e, "reading suite output of run %s", run_id);
		suite_outputs_free(o, count);
		o = NULL;
		count = 0;
	}
	sqlite3_reset(q);
	*out = o;
	*n = count;
	return rc;
}
