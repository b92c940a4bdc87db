/* sqlite_results — the SQLite backend's results and the tests' history:
 * inserting a batch of results (the hot path of a run: every finished test
 * lands here), reading a run's results back, and per-test statistics for
 * `assay tests` and the planner. */
#include "util/base.h"

#include "store/sqlite_int.h"
#include "util/buf.h"
#include "util/time.h"
#include "util/uuid.h"

/* Past this many tests the cache starts over rather than grow without bound
 * in a long-lived `assay serve`. */
#define TEST_CACHE_MAX (1u << 18)

/* ---- the name → test id cache ---- */

static uint64_t test_hash(int64_t project_id, const char *name)
{
	uint64_t h = 14695981039346656037ull ^ (uint64_t)project_id; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h;
}

/* The slot holding (project_id, name), or the empty slot where it would go.
 * The table is never full (cache_put grows it first), so the probe ends. */
static struct test_slot *cache_slot(struct test_cache *c, int64_t project_id, const char *name)
{
	size_t mask = c->cap - 1;
	for (size_t i = test_hash(project_id, name) & mask;; i = (i + 1) & mask) {
		struct test_slot *t = &c->slots[i];
		if (!t->name || (t->project_id == project_id && !strcmp(t->name, name)))
			return t;
	}
}

static bool cache_get(struct test_cache *c, int64_t project_id, const char *name, int64_t *id)
{
	if (!c->cap)
		return false;
	struct test_slot *t = cache_slot(c, project_id, name);
	if (!t->name)
		return false;
	*id = t->test_id;
	return true;
}

static void cache_clear(struct test_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->slots[i].name);
	if (c->cap)
		memset(c->slots, 0, c->cap * sizeof(*c->slots));
	c->n = 0;
}

static void cache_put(struct test_cache *c, int64_t project_id, const char *name, int64_t id)
{
	if (c->n >= TEST_CACHE_MAX)
		cache_clear(c);
	if ((c->n + 1) * 4 > c->cap * 3) {
		struct test_slot *old = c->slots;
		size_t old_cap = c->cap;
		c->cap = old_cap ? old_cap * 2 : 256;
		c->slots = xcalloc(c->cap, sizeof(*c->slots));
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].name)
				*cache_slot(c, old[i].project_id, old[i].name) = old[i];
		free(old);
	}
	struct test_slot *t = cache_slot(c, project_id, name);
	if (!t->name) {
		t->name = xstrdup(name);
		t->project_id = project_id;
		c->n++;
	}
	t->test_id = id;
}

void sq_results_forget(struct sqlite_store *s)
{
	cache_clear(&s->tests);
}

void sq_results_release(struct sqlite_store *s)
{
	cache_clear(&s->tests);
	free(s->tests.slots);
	memset(&s->tests, 0, sizeof(s->tests));
}

/* Forgets the cache when another connection has committed since we last
 * looked (PRAGMA data_version changes only then): it may have removed tests.
 * Called under the write lock, so nothing can change until we commit. */
static int check_data_version(struct sqlite_store *s, struct error *e)
{
	sqlite3_stmt *q = sq_stmt(s, SQ_DATA_VERSION, "PRAGMA data_version", e);
	if (!q)
		return e->code;
	int step = sqlite3_step(q);
	int64_t v = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	if (step != SQLITE_ROW)
		return sq_fail(s, e, "reading the database's data_version");
	if (v != s->data_version) {
		cache_clear(&s->tests);
		s->data_version = v;
	}
	return RC_OK;
}

/* ---- inserting results ---- */

/* One run's share of a batch: its project, and the counts to add to it once
 * at the end rather than with one UPDATE per result. */
struct tally {
	const char *run_id; /* points into the caller's results */
	int64_t project_id;
	int64_t counts[2][RS__COUNT]; /* [0] top-level, [1] sub-results */
	int64_t flaky;
};

/* The tally of `run_id` in this batch, looking the run up on first sight. */
static int tally_of(struct sqlite_store *s, struct tally **tallies, size_t *n, size_t *cap,
		    const struct result *r, struct tally **out, struct error *e)
{
	for (size_t i = 0; i < *n; i++) {
		if (!strcmp((*tallies)[i].run_id, r->run_id)) {
			*out = &(*tallies)[i];
			return RC_OK;
		}
	}
	sqlite3_stmt *q =
		sq_stmt(s, SQ_RUN_PROJECT, "SELECT project_id FROM test_runs WHERE id = ?1", e);
	if (!q)
		return e->code;
	sq_bind_text(q, 1, r->run_id);
	int step = sqlite3_step(q);
	int64_t project_id = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	if (step == SQLITE_DONE)
		return err_set(e, RC_NOTFOUND, "inserting result '%s': no run %s", r->test,
			       r->run_id);
	if (step != SQLITE_ROW)
		return sq_fail(s, e, "inserting result '%s': reading run %s", r->test, r->run_id);
	GROW(*tallies, *cap, *n + 1);
	struct tally *t = &(*tallies)[(*n)++];
	memset(t, 0, sizeof(*t));
	t->run_id = r->run_id;
	t->project_id = project_id;
	*out = t;
	return RC_OK;
}

/* The id of r's test in `project_id`, created on first sight (then *created
 * is set: the test can have no results yet). */
static int test_id_of(struct sqlite_store *s, int64_t project_id, const struct result *r,
		      int64_t now, int64_t *id, bool *created, struct error *e)
{
	*created = false;
	if (cache_get(&s->tests, project_id, r->test, id))
		return RC_OK;
	sqlite3_stmt *q = sq_stmt(s, SQ_TEST_GET,
				  "SELECT id FROM tests WHERE project_id = ?1 AND name = ?2", e);
	if (!q)
		return e->code;
	sqlite3_bind_int64(q, 1, project_id);
	sq_bind_text(q, 2, r->test);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (step == SQLITE_DONE) {
		/* We hold the write lock, so no one can add it between the two. */
		q = sq_stmt(s, SQ_TEST_ADD,
			    "INSERT INTO tests (project_id, name, parent, created_at) "
			    "VALUES (?1, ?2, ?3, ?4)",
			    e);
		if (!q)
			return e->code;
		sqlite3_bind_int64(q, 1, project_id);
		sq_bind_text(q, 2, r->test);
		sq_bind_text(q, 3, r->parent);
		sqlite3_bind_int64(q, 4, now);
		step = sqlite3_step(q);
		sqlite3_reset(q);
		if (step != SQLITE_DONE)
			return sq_fail(s, e, "inserting result '%s': adding the test", r->test);
		*id = sqlite3_last_insert_rowid(s->db);
		*created = true;
	} else if (step != SQLITE_ROW) {
		return sq_fail(s, e, "inserting result '%s': reading the test", r->test);
	}
	cache_put(&s->tests, project_id, r->test, *id);
	return RC_OK;
}

static int insert_one(struct sqlite_store *s, const struct result *r, int64_t test_id,
		      int attempt, struct error *e)
{
	sqlite3_stmt *q = sq_stmt(
		s, SQ_RESULT_ADD,
		"INSERT INTO results (id, run_id, test_id, test, parent, status, duration_ms, "
		"message, stdout_text, stderr_text, stdout_dropped, stderr_dropped, attempt, "
		"exit_code, started_at, completed_at, superseded) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		"?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
		e);
	if (!q)
		return e->code;
	char id[UUID_STR_LEN];
	if (r->id[0])
		memcpy(id, r->id, sizeof(id));
	else
		uuid7_new(id, 0);
	sq_bind_text(q, 1, id);
	sq_bind_text(q, 2, r->run_id);
	sqlite3_bind_int64(q, 3, test_id);
	sq_bind_text(q, 4, r->test);
	sq_bind_text(q, 5, r->parent);
	sq_bind_text(q, 6, status_name(r->status));
	sqlite3_bind_int64(q, 7, r->duration_ms);
	sq_bind_text(q, 8, r->message);
	sq_bind_text(q, 9, r->stdout_text);
	sq_bind_text(q, 10, r->stderr_text);
	sqlite3_bind_int64(q, 11, r->stdout_dropped);
	sqlite3_bind_int64(q, 12, r->stderr_dropped);
	sqlite3_bind_int(q, 13, attempt);
	if (r->exit_code == -1)
		sqlite3_bind_null(q, 14);
	else
		sqlite3_bind_int(q, 14, r->exit_code);
	sq_bind_opt(q, 15, r->started_at);
	sq_bind_opt(q, 16, r->completed_at);
	sqlite3_bind_int(q, 17, r->superseded);
	int step = sqlite3_step(q);
	sqlite3_reset(q);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "inserting result '%s'", r->test);
	return RC_OK;
}

static bool counts_as_flaky(const char *parent, enum result_status status, int attempt)
{
	return !parent && status == RS_PASSED && attempt > 1;
}

/* For a result asking for the next attempt (attempt 0): marks the test's
 * current result in the run superseded, takes it out of the tally, and
 * returns the attempt number that follows it (1 if there is none). */
static int next_attempt(struct sqlite_store *s, struct tally *t, int64_t test_id,
			int *attempt, struct error *e)
{
	sqlite3_stmt *q = sq_stmt(s, SQ_CURRENT,
				  "SELECT seq, attempt, status, parent IS NOT NULL FROM results "
				  "WHERE run_id = ?1 AND test_id = ?2 AND superseded = 0 "
				  "ORDER BY seq DESC LIMIT 1",
				  e);
	if (!q)
		return e->code;
	sq_bind_text(q, 1, t->run_id);
	sqlite3_bind_int64(q, 2, test_id);
	int step = sqlite3_step(q);
	if (step != SQLITE_ROW) {
		sqlite3_reset(q);
		*attempt = 1;
		return step == SQLITE_DONE ? RC_OK : sq_fail(s, e, "reading the current attempt");
	}
	int64_t seq = sqlite3_column_int64(q, 0);
	int prev = sqlite3_column_int(q, 1);
	enum result_status status;
	if (!status_parse((const char *)sqlite3_column_text(q, 2), &status))
		status = RS_UNTESTED;
	bool sub = sqlite3_column_int(q, 3) != 0;
	sqlite3_reset(q);
	q = sq_stmt(s, SQ_SUPERSEDE, "UPDATE results SET superseded = 1 WHERE seq = ?1", e);
	if (!q)
		return e->code;
	sqlite3_bind_int64(q, 1, seq);
	step = sqlite3_step(q);
	sqlite3_reset(q);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "marking the earlier attempt superseded");
	t->counts[sub][status]--;
	if (counts_as_flaky(sub ? "" : NULL, status, prev))
		t->flaky--;
	*attempt = prev + 1;
	return RC_OK;
}

/* Adds one run's share of the batch to its counters. */
static int add_counts(struct sqlite_store *s, const struct tally *t, struct error *e)
{
	sqlite3_stmt *q = sq_stmt(s, SQ_COUNTERS, s->counters_sql, e);
	if (!q)
		return e->code;
	for (int sub = 0; sub < 2; sub++)
		for (int i = 0; i < RS__COUNT; i++)
			sqlite3_bind_int64(q, sub * RS__COUNT + i + 1, t->counts[sub][i]);
	sqlite3_bind_int64(q, 2 * RS__COUNT + 1, t->flaky);
	sq_bind_text(q, 2 * RS__COUNT + 2, t->run_id);
	int step = sqlite3_step(q);
	sqlite3_reset(q);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "counting results of run %s", t->run_id);
	return RC_OK;
}

int sq_results_insert(struct store *st, const struct result *rs, size_t n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	/* Checked before the transaction: a bad item costs no lock. */
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		if (!r->test || !*r->test)
			return err_set(e, RC_USAGE, "inserting result %zu of %zu: no test name",
				       i + 1, n);
		if (!r->run_id[0])
			return err_set(e, RC_USAGE, "inserting result '%s': no run id", r->test);
		if ((unsigned)r->status >= RS__COUNT)
			return err_set(e, RC_USAGE, "inserting result '%s': no status %d", r->test,
				       (int)r->status);
	}
	int rc = sq_begin(s, e);
	if (rc)
		return err_prefix(e, "inserting %zu results", n);
	struct tally *tallies = NULL;
	size_t nt = 0, cap = 0;
	int64_t now = time_now_ms();
	if ((rc = check_data_version(s, e)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		struct tally *t = NULL;
		int64_t test_id = 0;
		bool created;
		int attempt = r->attempt;
		if ((rc = tally_of(s, &tallies, &nt, &cap, r, &t, e)))
			goto fail;
		if ((rc = test_id_of(s, t->project_id, r, now, &test_id, &created, e)))
			goto fail;
		if (attempt <= 0 && created)
			attempt = 1;
		else if (attempt <= 0 && (rc = next_attempt(s, t, test_id, &attempt, e)))
			goto fail;
		if ((rc = insert_one(s, r, test_id, attempt, e)))
			goto fail;
		if (r->superseded)
			continue;
		t->counts[r->parent ? 1 : 0][r->status]++;
		if (counts_as_flaky(r->parent, r->status, attempt))
			t->flaky++;
	}
	for (size_t i = 0; i < nt; i++)
		if ((rc = add_counts(s, &tallies[i], e)))
			goto fail;
	if ((rc = sq_commit(s, e))) {
		err_prefix(e, "inserting %zu results", n);
		goto fail;
	}
	free(tallies);
	return RC_OK;
fail:
	sq_rollback(s);
	/* Tests added in the rolled-back transaction are gone again. */
	cache_clear(&s->tests);
	free(tallies);
	return rc;
}

/* ---- reading results ---- */

enum {
	RES_ID, RES_RUN, RES_TEST, RES_PARENT, RES_STATUS, RES_DURATION, RES_MESSAGE, RES_STDOUT,
	RES_STDERR, RES_STDOUT_DROPPED, RES_STDERR_DROPPED, RES_ATTEMPT, RES_EXIT, RES_STARTED,
	RES_COMPLETED, RES_SUPERSEDED, RES_SEQ
};

static char *column_text(sqlite3_stmt *q, int i)
{
	return (char *)sqlite3_column_text(q, i);
}

/* A status as the schema stores it (its exact name); the common case costs
 * one strcmp, not status_parse's case-insensitive search. */
static enum result_status column_status(sqlite3_stmt *q, int i)
{
	const char *s = column_text(q, i);
	enum result_status st;
	for (int k = 0; s && k < RS__COUNT; k++)
		if (!strcmp(s, status_name((enum result_status)k)))
			return (enum result_status)k;
	return s && status_parse(s, &st) ? st : RS_UNTESTED;
}

/* Copies a short text column (an id) into out[n], cut to fit. */
static void column_copy(sqlite3_stmt *q, int i, char *out, size_t n)
{
	const char *s = column_text(q, i);
	size_t len = s ? (size_t)sqlite3_column_bytes(q, i) : 0;
	if (len >= n)
		len = n - 1;
	memcpy(out, s ? s : "", len);
	out[len] = '\0';
}

/* Fills `r` from the current row, its strings borrowed from the statement:
 * valid until the next step, never freed by the caller. The run id is the
 * one the walk is over (not read back from each row). */
static void read_result(sqlite3_stmt *q, const char *run_id, struct result *r)
{
	memset(r, 0, sizeof(*r));
	column_copy(q, RES_ID, r->id, sizeof(r->id));
	size_t n = strnlen(run_id, sizeof(r->run_id) - 1);
	memcpy(r->run_id, run_id, n);
	r->run_id[n] = '\0';
	r->test = column_text(q, RES_TEST);
	r->parent = column_text(q, RES_PARENT);
	r->status = column_status(q, RES_STATUS);
	r->duration_ms = sqlite3_column_int64(q, RES_DURATION);
	r->message = column_text(q, RES_MESSAGE);
	r->stdout_text = column_text(q, RES_STDOUT);
	r->stderr_text = column_text(q, RES_STDERR);
	r->stdout_dropped = sqlite3_column_int64(q, RES_STDOUT_DROPPED);
	r->stderr_dropped = sqlite3_column_int64(q, RES_STDERR_DROPPED);
	r->attempt = sqlite3_column_int(q, RES_ATTEMPT);
	r->exit_code = sqlite3_column_type(q, RES_EXIT) == SQLITE_NULL
			       ? -1
			       : sqlite3_column_int(q, RES_EXIT);
	r->started_at = sqlite3_column_int64(q, RES_STARTED);
	r->completed_at = sqlite3_column_int64(q, RES_COMPLETED);
	r->superseded = sqlite3_column_int(q, RES_SUPERSEDED) != 0;
	r->seq = sqlite3_column_int64(q, RES_SEQ);
}

/* The stretch of the results table (seq lo..hi) that holds a run's rows,
 * when walking it by rowid is cheaper than through results_run_idx: the
 * index costs a b-tree descent per row (about a sixth of an export's
 * time), the stretch costs reading any other run's rows inside it. A run's
 * batches usually follow one another, so its stretch is mostly its own;
 * when it is not (many runs recording at once) this returns false. */
static bool run_stretch(struct sqlite_store *s, const char *run_id, int64_t *lo, int64_t *hi)
{
	struct buf sql = BUF_INIT;
	buf_adds(&sql, "SELECT (SELECT min(seq) FROM results WHERE run_id = ?1), "
		       "(SELECT max(seq) FROM results WHERE run_id = ?1), 0");
	for (int i = 0; i < RS__COUNT; i++)
		buf_addf(&sql, " + n_%s + sub_n_%s", status_name((enum result_status)i),
			 status_name((enum result_status)i));
	buf_adds(&sql, " FROM test_runs WHERE id = ?1");
	struct error ignored = ERROR_INIT;
	sqlite3_stmt *q = sq_prepare(s, sql.data, &ignored);
	buf_release(&sql);
	if (!q)
		return false;
	sq_bind_text(q, 1, run_id);
	bool ok = false;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) {
		*lo = sqlite3_column_int64(q, 0);
		*hi = sqlite3_column_int64(q, 1);
		int64_t counted = sqlite3_column_int64(q, 2); /* superseded rows are not */
		ok = *hi - *lo < 2 * counted + 1024;
	}
	sqlite3_finalize(q);
	return ok;
}

int sq_results_each(struct store *st, const char *run_id, const struct result_filter *f,
		    int (*cb)(void *ctx, const struct result *r), void *ctx, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	int64_t lo = 0, hi = 0;
	bool stretch = !f->slowest && !f->test && run_stretch(s, run_id, &lo, &hi);
	/* Output is only read when asked for: it is most of a result's bytes.
	 * "+run_id" keeps the planner off the index for the stretch walk. */
	struct buf sql = BUF_INIT;
	buf_addf(&sql,
		 "SELECT id, NULL, test, parent, status, duration_ms, message, %s, "
		 "stdout_dropped, stderr_dropped, attempt, exit_code, started_at, completed_at, "
		 "superseded, seq FROM results WHERE %s",
		 f->with_output ? "stdout_text, stderr_text" : "NULL, NULL",
		 stretch ? "seq BETWEEN ?4 AND ?5 AND +run_id = ?1" : "run_id = ?1");
	if (f->status != -1)
		buf_adds(&sql, " AND status = ?2");
	if (f->top_level)
		buf_adds(&sql, " AND parent IS NULL");
	if (f->test)
		buf_adds(&sql, " AND test = ?3");
	if (f->final_only)
		buf_adds(&sql, " AND superseded = 0");
	if (f->after_seq)
		buf_adds(&sql, " AND seq > ?6");
	buf_adds(&sql, f->slowest ? " ORDER BY duration_ms DESC, seq" : " ORDER BY seq");
	if (f->limit > 0)
		buf_addf(&sql, " LIMIT %d", f->limit);
	sqlite3_stmt *q = sq_prepare(s, sql.data, e);
	buf_release(&sql);
	if (!q)
		return err_prefix(e, "listing results of run %s", run_id);
	sq_bind_text(q, 1, run_id);
	if (f->status != -1)
		sq_bind_text(q, 2, status_name((enum result_status)f->status));
	if (f->test)
		sq_bind_text(q, 3, f->test);
	if (stretch) {
		sqlite3_bind_int64(q, 4, lo);
		sqlite3_bind_int64(q, 5, hi);
	}
	if (f->after_seq)
		sqlite3_bind_int64(q, 6, f->after_seq);
	int step, rc = RC_OK;
	struct result r;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		read_result(q, run_id, &r);
		if ((rc = cb(ctx, &r)))
			break;
	}
	if (!rc && step != SQLITE_DONE)
		rc = sq_fail(s, e, "listing results of run %s", run_id);
	sqlite3_finalize(q);
	return rc;
}

/* ---- tests and their history ---- */

/* The statuses whose durations mean something: the test ran to an end.
 * Blocked and untested results never ran; invalid and retest are verdicts
 * about a result, not timings. Bound as ?1..?4. */
static void bind_timed_statuses(sqlite3_stmt *q)
{
	static const enum result_status timed[] = { RS_PASSED, RS_FAILED, RS_ERROR, RS_SKIPPED };
	for (size_t i = 0; i < ARRAY_SIZE(timed); i++)
		sq_bind_text(q, (int)i + 1, status_name(timed[i]));
}

static int64_t column_avg(sqlite3_stmt *q, int i)
{
	if (sqlite3_column_type(q, i) == SQLITE_NULL)
		return 0;
	return (int64_t)(sqlite3_column_double(q, i) + 0.5);
}

int sq_projects_list(struct store *st, struct project_stat **out, size_t *n,
		     struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	/* Counted per project by subqueries on the project indexes, so the
	 * answer costs one index range per project, not a scan of the runs. */
	sqlite3_stmt *q = sq_prepare(
		s,
		"SELECT p.name, p.created_at, "
		"(SELECT count(*) FROM test_runs r WHERE r.project_id = p.id), "
		"(SELECT count(*) FROM tests t WHERE t.project_id = p.id), "
		"(SELECT max(r.created_at) FROM test_runs r WHERE r.project_id = p.id) "
		"FROM projects p ORDER BY p.name",
		e);
	if (!q)
		return err_prefix(e, "listing projects");
	struct project_stat *ps = NULL;
	size_t cap = 0, count = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		GROW(ps, cap, count + 1);
		struct project_stat *p = &ps[count++];
		p->name = sq_column_dup(q, 0);
		p->created_at = sqlite3_column_int64(q, 1);
		p->runs = sqlite3_column_int64(q, 2);
		p->tests = sqlite3_column_int64(q, 3);
		p->last_run_at = sqlite3_column_int64(q, 4);
	}
	int rc = RC_OK;
	if (step != SQLITE_DONE) {
		rc = sq_fail(s, e, "listing projects");
		store_project_stats_free(ps, count);
		ps = NULL;
		count = 0;
	}
	sqlite3_finalize(q);
	*out = ps;
	*n = count;
	return rc;
}

int sq_tests_list(struct store *st, const struct test_filter *f, struct test_stat **out, size_t *n,
		  struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	/* The page of tests is chosen first (by name, from the UNIQUE index's
	 * table, no results read), then only its tests' results are aggregated.
	 * The last status comes from a subquery walking results_test_idx
	 * backwards, which finds the newest row without a sort. */
	struct buf sql = BUF_INIT;
	buf_adds(&sql,
		 "SELECT t.name, count(r.seq), "
		 "avg(CASE WHEN r.status IN (?1, ?2, ?3, ?4) THEN r.duration_ms END), "
		 "(SELECT l.status FROM results l WHERE l.test_id = t.id "
		 "ORDER BY l.run_id DESC, l.seq DESC LIMIT 1), max(r.started_at), t.id "
		 "FROM (SELECT id, name FROM tests WHERE 1");
	if (f->project)
		buf_adds(&sql, " AND project_id = (SELECT id FROM projects WHERE name = ?5)");
	if (f->after_id)
		buf_adds(&sql, " AND (name, id) > (SELECT name, id FROM tests WHERE id = ?6)");
	buf_adds(&sql, " ORDER BY name, id");
	if (f->limit)
		buf_adds(&sql, " LIMIT ?7");
	buf_adds(&sql, ") t LEFT JOIN results r ON r.test_id = t.id"
		       " GROUP BY t.id ORDER BY t.name, t.id");
	sqlite3_stmt *q = sq_prepare(s, sql.data, e);
	buf_release(&sql);
	if (!q)
		return err_prefix(e, "listing tests");
	bind_timed_statuses(q);
	if (f->project)
		sq_bind_text(q, 5, f->project);
	if (f->after_id)
		sqlite3_bind_int64(q, 6, f->after_id);
	if (f->limit)
		sqlite3_bind_int(q, 7, f->limit);
	struct test_stat *ts = NULL;
	size_t cap = 0, count = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		GROW(ts, cap, count + 1);
		struct test_stat *t = &ts[count++];
		t->name = sq_column_dup(q, 0);
		t->results = sqlite3_column_int64(q, 1);
		t->avg_ms = column_avg(q, 2);
		const unsigned char *last = sqlite3_column_text(q, 3);
		if (!last || !status_parse((const char *)last, &t->last_status))
			t->last_status = RS_UNTESTED;
		t->last_at = sqlite3_column_int64(q, 4);
		t->id = sqlite3_column_int64(q, 5);
	}
	int rc = RC_OK;
	if (step != SQLITE_DONE) {
		rc = sq_fail(s, e, "listing tests");
		store_test_stats_free(ts, count);
		ts = NULL;
		count = 0;
	}
	sqlite3_finalize(q);
	*out = ts;
	*n = count;
	return rc;
}

int sq_test_exists(struct store *st, const char *project, const char *name, bool *exists,
		   struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_stmt(s, SQ_TEST_EXISTS,
				  "SELECT 1 FROM tests t JOIN projects p ON p.id = t.project_id "
				  "WHERE p.name = ?1 AND t.name = ?2",
				  e);
	if (!q)
		return err_prefix(e, "looking up test '%s'", name);
	sq_bind_text(q, 1, project);
	sq_bind_text(q, 2, name);
	int step = sqlite3_step(q);
	sqlite3_reset(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return sq_fail(s, e, "looking up test '%s'", name);
	*exists = step == SQLITE_ROW;
	return RC_OK;
}

int sq_test_durations(struct store *st, const char *project,
		      void (*cb)(void *ctx, const char *name, int64_t avg_ms), void *ctx,
		      struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(
		s,
		project ? "SELECT t.name, avg(r.duration_ms) FROM tests t "
			  "JOIN results r ON r.test_id = t.id "
			  "WHERE t.project_id = (SELECT id FROM projects WHERE name = ?5) "
			  "AND r.status IN (?1, ?2, ?3, ?4) GROUP BY t.id"
			: "SELECT t.name, avg(r.duration_ms) FROM tests t "
			  "JOIN results r ON r.test_id = t.id "
			  "WHERE r.status IN (?1, ?2, ?3, ?4) GROUP BY t.id",
		e);
	if (!q)
		return err_prefix(e, "reading test durations");
	bind_timed_statuses(q);
	if (project)
		sq_bind_text(q, 5, project);
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		cb(ctx, (const char *)sqlite3_column_text(q, 0), column_avg(q, 1));
	int rc = step == SQLITE_DONE ? RC_OK : sq_fail(s, e, "reading test durations");
	sqlite3_finalize(q);
	return rc;
}
