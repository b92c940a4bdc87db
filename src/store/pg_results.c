/* pg_results — the PostgreSQL backend's results and the tests' history:
 * inserting a batch of results, reading a run's results back one row at a
 * time, and per-test statistics for `assay tests` and the planner. The
 * rules are sqlite_results.c's (attempts, superseding, counters); what
 * differs is said where it does. */
#include "util/base.h"

#include "store/pg_int.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"
#include "util/uuid.h"

/* Past this many tests the cache starts over rather than grow without bound
 * in a long-lived `assay serve`. */
#define TEST_CACHE_MAX (1u << 18)

/* ---- the name → test id cache (as in sqlite_results.c) ---- */

static uint64_t test_hash(int64_t project_id, const char *name)
{
	uint64_t h = 14695981039346656037ull ^ (uint64_t)project_id; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h;
}

/* The slot holding (project_id, name), or the empty slot where it would go. */
static struct pg_test_slot *cache_slot(struct pg_store *s, int64_t project_id, const char *name)
{
	size_t mask = s->tests_cap - 1;
	for (size_t i = test_hash(project_id, name) & mask;; i = (i + 1) & mask) {
		struct pg_test_slot *t = &s->tests[i];
		if (!t->name || (t->project_id == project_id && !strcmp(t->name, name)))
			return t;
	}
}

void pg_results_forget(struct pg_store *s)
{
	for (size_t i = 0; i < s->tests_cap; i++)
		free(s->tests[i].name);
	if (s->tests_cap)
		memset(s->tests, 0, s->tests_cap * sizeof(*s->tests));
	s->tests_n = 0;
}

void pg_results_release(struct pg_store *s)
{
	pg_results_forget(s);
	free(s->tests);
	s->tests = NULL;
	s->tests_cap = 0;
}

/* The cached slot of (project_id, name), or NULL. */
static struct pg_test_slot *cache_find(struct pg_store *s, int64_t project_id, const char *name)
{
	if (!s->tests_cap)
		return NULL;
	struct pg_test_slot *t = cache_slot(s, project_id, name);
	return t->name ? t : NULL;
}

static struct pg_test_slot *cache_put(struct pg_store *s, int64_t project_id, const char *name,
				      int64_t id)
{
	if (s->tests_n >= TEST_CACHE_MAX)
		pg_results_forget(s);
	if ((s->tests_n + 1) * 4 > s->tests_cap * 3) {
		struct pg_test_slot *old = s->tests;
		size_t old_cap = s->tests_cap;
		s->tests_cap = old_cap ? old_cap * 2 : 256;
		s->tests = xcalloc(s->tests_cap, sizeof(*s->tests));
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].name)
				*cache_slot(s, old[i].project_id, old[i].name) = old[i];
		free(old);
	}
	struct pg_test_slot *t = cache_slot(s, project_id, name);
	if (!t->name) {
		t->name = xstrdup(name);
		t->project_id = project_id;
		s->tests_n++;
		t->made_in = 0;
	}
	t->test_id = id;
	return t;
}

/* ---- inserting results ---- */

/* One run's share of a batch: its project and creation time (the partition
 * key), and the counts to add to it once at the end. */
struct tally {
	const char *run_id; /* points into the caller's results */
	int64_t project_id;
	int64_t run_at;
	int64_t counts[2][RS__COUNT]; /* [0] top-level, [1] sub-results */
	int64_t flaky;
};

/* The tally of r's run in this batch, looking the run up on first sight.
 * The lookup locks the run's row until the batch commits: batches for one
 * run (from several processes) then number attempts one after the other,
 * while batches for other runs go on. */
static int tally_of(struct pg_store *s, struct tally **tallies, size_t *n, size_t *cap,
		    const struct result *r, struct tally **out, struct error *e)
{
	for (size_t i = 0; i < *n; i++) {
		if (!strcmp((*tallies)[i].run_id, r->run_id)) {
			*out = &(*tallies)[i];
			return RC_OK;
		}
	}
	if (!pg_is_uuid(r->run_id))
		return err_set(e, RC_NOTFOUND, "inserting result '%s': no run %s", r->test,
			       r->run_id);
	struct pg_params p = { 0 };
	pp_text(&p, r->run_id);
	PGresult *q = pg_exec(s, PG_RUN_OF_RESULT,
			      "SELECT project_id, created_at FROM test_runs WHERE id = $1 "
			      "FOR NO KEY UPDATE",
			      &p, e, "inserting result '%s': reading run %s", r->test, r->run_id);
	if (!q)
		return e->code;
	if (PQntuples(q) != 1) {
		PQclear(q);
		return err_set(e, RC_NOTFOUND, "inserting result '%s': no run %s", r->test,
			       r->run_id);
	}
	GROW(*tallies, *cap, *n + 1);
	struct tally *t = &(*tallies)[(*n)++];
	memset(t, 0, sizeof(*t));
	t->run_id = r->run_id;
	t->project_id = pg_i64(q, 0, 0);
	t->run_at = pg_i64(q, 0, 1);
	PQclear(q);
	*out = t;
	return RC_OK;
}

/* The id of r's test in `project_id`, created on first sight (then *created
 * is set). Another process may add the same test at the same moment: DO
 * NOTHING waits for it, and the row that won is read. */
static int test_id_of(struct pg_store *s, int64_t project_id, const struct result *r,
		      int64_t now, int64_t *id, bool *created, struct error *e)
{
	*created = false;
	struct pg_test_slot *slot = cache_find(s, project_id, r->test);
	if (slot && slot->test_id > 0) {
		*id = slot->test_id;
		/* created by this batch's prefetch: new for its first result only */
		*created = slot->made_in == s->batch;
		slot->made_in = 0;
		return RC_OK;
	}
	struct pg_params p = { 0 };
	pp_i64(&p, project_id);
	pp_text_clean(&p, r->test);
	pp_text_clean(&p, r->parent);
	pp_i64(&p, now);
	PGresult *q = pg_exec(s, PG_TEST_ADD,
			      "INSERT INTO tests (project_id, name, parent, created_at) "
			      "VALUES ($1, $2, $3, $4) ON CONFLICT (project_id, name) DO NOTHING "
			      "RETURNING id",
			      &p, e, "inserting result '%s': adding the test", r->test);
	if (!q) {
		pp_release(&p);
		return e->code;
	}
	if (PQntuples(q) == 1) {
		*id = pg_i64(q, 0, 0);
		*created = true;
		pp_release(&p);
	} else {
		PQclear(q);
		p.n = 2;
		q = pg_exec(s, PG_TEST_GET, "SELECT id FROM tests WHERE project_id = $1 AND name = $2",
			    &p, e, "inserting result '%s': reading the test", r->test);
		pp_release(&p);
		if (!q)
			return e->code;
		if (PQntuples(q) != 1) {
			PQclear(q);
			return err_set(e, RC_STORE, "inserting result '%s': the test vanished",
				       r->test);
		}
		*id = pg_i64(q, 0, 0);
	}
	PQclear(q);
	cache_put(s, project_id, r->test, *id);
	return RC_OK;
}

/* Appends `v` to a text[] literal being built ("{" already there). */
static void array_add(struct buf *b, const char *v)
{
	if (b->len > 1)
		buf_addc(b, ',');
	if (!v) {
		buf_adds(b, "NULL");
		return;
	}
	buf_addc(b, '"');
	for (const char *c = v; *c; c++) {
		if (*c == '"' || *c == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *c);
	}
	buf_addc(b, '"');
}

/* ---- rows on their way ----
 *
 * A batch's results go to the server ROWS_MAX at a time in one INSERT over
 * unnest() of an array per column, not one INSERT each: a statement's
 * round of parse, plan and executor start-up cost more than the row
 * itself. Whatever else the batch sends about results (an earlier attempt
 * marked superseded, a query for earlier attempts, the run's counters)
 * sends the waiting rows first (rows_flush), so the server sees every
 * statement in the order the batch made them. */

enum { ROWS_MAX = 1000, ROWS_BYTES = 1 << 20, ROW_COLS = 18 };

struct rows {
	struct buf col[ROW_COLS]; /* each column's array literal, "{" first */
	size_t n, bytes;
	const char *last;         /* the last row's test, for messages */
};

static void rows_start(struct rows *w)
{
	for (int i = 0; i < ROW_COLS; i++) {
		buf_reset(&w->col[i]);
		buf_addc(&w->col[i], '{');
	}
	w->n = w->bytes = 0;
	w->last = NULL;
}

static void rows_release(struct rows *w)
{
	for (int i = 0; i < ROW_COLS; i++)
		buf_release(&w->col[i]);
}

/* Text from outside, as pp_text_clean stores it (invalid UTF-8 as U+FFFD). */
static void col_text(struct buf *b, const char *v)
{
	if (!v || str_utf8_valid(v)) {
		array_add(b, v);
		return;
	}
	char *clean = str_utf8_clean(v);
	array_add(b, clean);
	free(clean);
}

static void col_int(struct buf *b, int64_t v)
{
	if (b->len > 1)
		buf_addc(b, ',');
	buf_addf(b, "%lld", (long long)v);
}

/* 0 is "not set": NULL, as pp_opt. */
static void col_opt(struct buf *b, int64_t v)
{
	if (v)
		col_int(b, v);
	else
		array_add(b, NULL);
}

/* Sends the waiting rows (if any) down the pipeline in one INSERT. */
static int rows_flush(struct pg_store *s, struct rows *w, struct error *e)
{
	if (!w->n)
		return RC_OK;
	struct pg_params p = { 0 };
	for (int i = 0; i < ROW_COLS; i++) {
		buf_addc(&w->col[i], '}');
		pp_text(&p, w->col[i].data);
	}
	int rc = pg_pipe_cmd(s, PG_RESULT_ADD,
			     "INSERT INTO results (id, run_id, run_at, test_id, test, parent, status, "
			     "duration_ms, message, stdout_text, stderr_text, stdout_dropped, "
			     "stderr_dropped, attempt, exit_code, started_at, completed_at, "
			     "superseded) "
			     "SELECT c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, "
			     "c16, c17, c18 FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], "
			     "$4::bigint[], $5::text[], $6::text[], $7::result_status[], $8::bigint[], "
			     "$9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], "
			     "$14::integer[], $15::integer[], $16::bigint[], $17::bigint[], "
			     "$18::boolean[]) WITH ORDINALITY AS u(c1, c2, c3, c4, c5, c6, c7, c8, c9, "
			     "c10, c11, c12, c13, c14, c15, c16, c17, c18, o) ORDER BY o",
			     &p, "inserting results up to", w->last, e);
	rows_start(w);
	return rc;
}

/* Adds the insert of one result, as `id`, to the waiting rows; sends them
 * when there are enough. Its answer is read later (pg_pipe_cmd). */
static int rows_add(struct pg_store *s, struct rows *w, const struct tally *t,
		    const struct result *r, const char *id, int64_t test_id, int attempt,
		    struct error *e)
{
	if (!pg_is_uuid(id))
		return err_set(e, RC_USAGE, "inserting result '%s': its id %s is not a UUID",
			       r->test, id);
	struct buf *c = w->col;
	array_add(&c[0], id);
	array_add(&c[1], r->run_id);
	col_int(&c[2], t->run_at);
	col_int(&c[3], test_id);
	col_text(&c[4], r->test);
	col_text(&c[5], r->parent);
	array_add(&c[6], status_name(r->status));
	col_int(&c[7], r->duration_ms);
	col_text(&c[8], r->message);
	col_text(&c[9], r->stdout_text);
	col_text(&c[10], r->stderr_text);
	col_int(&c[11], r->stdout_dropped);
	col_int(&c[12], r->stderr_dropped);
	col_int(&c[13], attempt);
	if (r->exit_code == -1)
		array_add(&c[14], NULL);
	else
		col_int(&c[14], r->exit_code);
	col_opt(&c[15], r->started_at);
	col_opt(&c[16], r->completed_at);
	array_add(&c[17], r->superseded ? "t" : "f");
	w->n++;
	w->last = r->test;
	w->bytes += strlen(r->test) + (r->message ? strlen(r->message) : 0) +
		    (r->stdout_text ? strlen(r->stdout_text) : 0) +
		    (r->stderr_text ? strlen(r->stderr_text) : 0) + 128;
	if (w->n >= ROWS_MAX || w->bytes >= ROWS_BYTES)
		return rows_flush(s, w, e);
	return RC_OK;
}

/* A result is flaky when it is the final one of its test in the run, passed,
 * and an earlier attempt did not pass (as sqlite_results.c says). The
 * statuses that did not pass, and the rule as SQL over results x (CASE
 * makes the probe run only for retried passes, as on SQLite): */
#define NOT_PASSED_SQL "('failed', 'error', 'blocked', 'invalid')"
#define FLAKY_SQL                                                                         \
	"CASE WHEN NOT x.superseded AND x.status = 'passed' AND x.attempt > 1 THEN EXISTS (" \
	"SELECT 1 FROM results y WHERE y.run_at = x.run_at AND y.run_id = x.run_id "        \
	"AND y.test_id = x.test_id AND y.seq < x.seq "                                      \
	"AND y.status IN " NOT_PASSED_SQL ") ELSE false END"

/* Whether a top-level result of `status`, attempt `attempt`, is flaky: a
 * query (over the attempts of test_id in t's run before `before`) only for
 * a passed result run again. */
static int counts_as_flaky(struct pg_store *s, struct rows *w, const struct tally *t, bool sub,
			   enum result_status status, int attempt, int64_t test_id, int64_t before,
			   bool *flaky, struct error *e)
{
	*flaky = false;
	if (sub || status != RS_PASSED || attempt <= 1)
		return RC_OK;
	int rc = rows_flush(s, w, e); /* the earlier attempts may be waiting */
	if (rc)
		return rc;
	struct pg_params p = { 0 };
	pp_i64(&p, t->run_at);
	pp_text(&p, t->run_id);
	pp_i64(&p, test_id);
	pp_i64(&p, before);
	PGresult *q = pg_exec(s, PG_FAILED_BEFORE,
			      "SELECT EXISTS (SELECT 1 FROM results WHERE run_at = $1 "
			      "AND run_id = $2 AND test_id = $3 AND seq < $4 "
			      "AND status IN " NOT_PASSED_SQL ")",
			      &p, e, "reading the earlier attempts");
	pp_release(&p);
	if (!q)
		return e->code;
	*flaky = PQntuples(q) == 1 && pg_bool(q, 0, 0);
	PQclear(q);
	return RC_OK;
}

/* ---- the current attempts a batch asks about ----
 *
 * A result asking for the next attempt (attempt 0) supersedes its test's
 * current result in the run: the newest not superseded. Asking the server
 * for it result by result cost a round trip each, with the pipeline of
 * inserts drained before it: a second import of 20,000 known tests took
 * 4.7 times the first. Now one query per run fetches the current results
 * of every test of the batch that asks, into a table that the batch's own
 * results then update as they are sent. */

struct current {
	size_t run;      /* the tally's index; with test_id, the key */
	int64_t test_id; /* 0 = an empty slot */
	bool have;       /* the test has a current result in the run */
	char id[UUID_STR_LEN];
	int64_t seq;     /* INT64_MAX for one sent in this batch */
	int attempt;
	int top;         /* with no current one: the newest superseded attempt's number */
	enum result_status status;
	bool sub;
};

struct currents {
	struct current *slots;
	size_t cap; /* a power of two, over twice the batch */
};

static struct current *current_slot(struct currents *c, size_t run, int64_t test_id)
{
	uint64_t h = ((uint64_t)test_id * 0x9e3779b97f4a7c15ull) ^ run;
	for (size_t i = (h ^ (h >> 29)) & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
		struct current *k = &c->slots[i];
		if (!k->test_id || (k->test_id == test_id && k->run == run)) {
			k->run = run;
			k->test_id = test_id;
			return k;
		}
	}
}

/* Fills `c` with the current results in run `k` (tally t) of the tests of
 * the batch that ask for their next attempt, one query. */
static int currents_fetch(struct pg_store *s, struct currents *c, size_t k, const struct tally *t,
			  const struct result *rs, const size_t *tally, const int64_t *test_ids,
			  const bool *made, size_t n, struct error *e)
{
	struct buf ids = BUF_INIT;
	buf_addc(&ids, '{');
	for (size_t i = 0; i < n; i++) {
		if (tally[i] != k || rs[i].attempt > 0 || made[i])
			continue;
		struct current *cur = current_slot(c, k, test_ids[i]);
		if (cur->seq)
			continue; /* asked for already */
		cur->seq = INT64_MAX;
		buf_addf(&ids, "%s%lld", ids.len > 1 ? "," : "", (long long)test_ids[i]);
	}
	buf_addc(&ids, '}');
	int rc = RC_OK;
	if (ids.len == 2)
		goto done;
	struct pg_params p = { 0 };
	pp_i64(&p, t->run_at);
	pp_text(&p, t->run_id);
	pp_text(&p, ids.data);
	/* Per test its newest result not superseded, or failing that its
	 * newest superseded one (as sqlite_results.c's next_attempt). */
	PGresult *q = pg_exec(s, PG_CURRENT,
			      "SELECT DISTINCT ON (test_id) test_id, id, seq, attempt, status, "
			      "parent IS NOT NULL, superseded FROM results WHERE run_at = $1 "
			      "AND run_id = $2 AND test_id = ANY ($3::bigint[]) "
			      "ORDER BY test_id, superseded, seq DESC",
			      &p, e, "reading the current attempts");
	if (!q) {
		rc = e->code;
		goto done;
	}
	for (int i = 0; i < PQntuples(q); i++) {
		struct current *cur = current_slot(c, k, pg_i64(q, i, 0));
		if (pg_bool(q, i, 6)) { /* every attempt is superseded: none is current */
			cur->top = (int)pg_i64(q, i, 3);
			continue;
		}
		cur->have = true;
		snprintf(cur->id, sizeof(cur->id), "%s", pg_str(q, i, 1));
		cur->seq = pg_i64(q, i, 2);
		cur->attempt = (int)pg_i64(q, i, 3);
		if (!status_parse(pg_str(q, i, 4), &cur->status))
			cur->status = RS_UNTESTED;
		cur->sub = pg_bool(q, i, 5);
	}
	PQclear(q);
done:
	buf_release(&ids);
	return rc;
}

/* For a result asking for the next attempt: marks its test's current result
 * in the run superseded (sent down the pipeline), takes it out of the
 * tally, and gives the attempt number that follows it, or, with no current
 * one, the newest superseded one's (1 if none), as on SQLite. */
static int next_attempt(struct pg_store *s, struct rows *w, struct tally *t, struct currents *c,
			size_t k, int64_t test_id, int *attempt, struct error *e)
{
	struct current *cur = current_slot(c, k, test_id);
	if (!cur->have) {
		*attempt = cur->top + 1;
		return RC_OK;
	}
	*attempt = cur->attempt + 1;
	/* the row to mark may be waiting, if this batch made it */
	int rc = cur->seq == INT64_MAX ? rows_flush(s, w, e) : RC_OK;
	if (rc)
		return rc;
	struct pg_params p = { 0 };
	pp_i64(&p, t->run_at);
	pp_text(&p, cur->id);
	rc = pg_pipe_cmd(s, PG_SUPERSEDE,
			     "UPDATE results SET superseded = true WHERE run_at = $1 AND id = $2",
			     &p, "marking the earlier attempt superseded", cur->id, e);
	if (rc)
		return rc;
	t->counts[cur->sub][cur->status]--;
	bool flaky;
	if ((rc = counts_as_flaky(s, w, t, cur->sub, cur->status, cur->attempt, test_id, cur->seq,
				  &flaky, e)))
		return rc;
	t->flaky -= flaky;
	return RC_OK;
}

/* Notes the result just sent as its test's current one in the run. */
static void current_now(struct currents *c, size_t k, int64_t test_id, const char *id,
			const struct result *r, int attempt)
{
	struct current *cur = current_slot(c, k, test_id);
	cur->have = true;
	memcpy(cur->id, id, sizeof(cur->id));
	cur->seq = INT64_MAX;
	cur->attempt = attempt;
	cur->status = r->status;
	cur->sub = r->parent != NULL;
}

/* Adds one run's share of the batch to its counters: col = col + n, which
 * PostgreSQL applies to the row as it is when locked, so concurrent
 * batches add up. */
static int add_counts(struct pg_store *s, const struct tally *t, struct error *e)
{
	struct pg_params p = { 0 };
	for (int sub = 0; sub < 2; sub++)
		for (int i = 0; i < RS__COUNT; i++)
			pp_i64(&p, t->counts[sub][i]);
	pp_i64(&p, t->flaky);
	pp_text(&p, t->run_id);
	return pg_cmd(s, PG_COUNTERS, s->counters_sql, &p, NULL, e, "counting results of run %s",
		      t->run_id);
}

/* Creates the batch's tests of project `project_id` that the cache does
 * not know, in one statement, and caches the ids of all of them: a first
 * import of 10,000 tests costs two statements, not 10,000. Tests that other
 * processes create meanwhile are found by the second one. Names that are
 * not UTF-8 are left to test_id_of. */
static int prefetch_tests(struct pg_store *s, int64_t project_id, const struct result *rs,
			  const size_t *tally, const struct tally *tallies, size_t n, int64_t now,
			  struct error *e)
{
	struct buf names = BUF_INIT, parents = BUF_INIT;
	buf_addc(&names, '{');
	buf_addc(&parents, '{');
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		if (tallies[tally[i]].project_id != project_id || cache_find(s, project_id, r->test))
			continue;
		if (!str_utf8_valid(r->test) || (r->parent && !str_utf8_valid(r->parent)))
			continue;
		cache_put(s, project_id, r->test, -1);
		array_add(&names, r->test);
		array_add(&parents, r->parent);
		count++;
	}
	buf_addc(&names, '}');
	buf_addc(&parents, '}');
	int rc = RC_OK;
	if (!count)
		goto done;
	struct pg_params p = { 0 };
	pp_i64(&p, project_id);
	pp_text(&p, names.data);
	pp_text(&p, parents.data);
	pp_i64(&p, now);
	PGresult *q = pg_exec(s, PG_ONCE,
			      "INSERT INTO tests (project_id, name, parent, created_at) "
			      "SELECT $1, n, p, $4 FROM unnest($2::text[], $3::text[]) AS u(n, p) "
			      "ON CONFLICT (project_id, name) DO NOTHING RETURNING id, name",
			      &p, e, "inserting results: adding %zu tests", count);
	if (!q) {
		rc = e->code;
		goto done;
	}
	for (int i = 0; i < PQntuples(q); i++)
		cache_put(s, project_id, pg_str(q, i, 1), pg_i64(q, i, 0))->made_in = s->batch;
	size_t made = (size_t)PQntuples(q);
	PQclear(q);
	if (made < count) {
		p.n = 2;
		q = pg_exec(s, PG_ONCE,
			    "SELECT id, name FROM tests WHERE project_id = $1 AND name = ANY($2::text[])",
			    &p, e, "inserting results: reading %zu tests", count);
		if (!q) {
			rc = e->code;
			goto done;
		}
		for (int i = 0; i < PQntuples(q); i++) {
			struct pg_test_slot *t = cache_find(s, project_id, pg_str(q, i, 1));
			if (t && t->test_id < 0)
				t->test_id = pg_i64(q, i, 0);
		}
		PQclear(q);
	}
done:
	buf_release(&names);
	buf_release(&parents);
	return rc;
}

int pg_results_insert(struct store *st, const struct result *rs, size_t n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
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
	int rc = pg_begin(s, e);
	if (rc)
		return err_prefix(e, "inserting %zu results", n);
	struct tally *tallies = NULL;
	size_t nt = 0, cap = 0;
	int64_t now = time_now_ms();
	size_t *tally = xcalloc(n, sizeof(*tally)); /* each result's tally */
	int64_t *test_ids = NULL; /* each result's test */
	bool *made = NULL;        /* ... made for it by this batch */
	struct currents cur = { 0 };
	struct rows w = { 0 };
	rows_start(&w);
	if (!++s->batch)
		s->batch = 1;
	for (size_t i = 0; i < n; i++) {
		struct tally *t = NULL;
		if ((rc = tally_of(s, &tallies, &nt, &cap, &rs[i], &t, e)))
			goto fail;
		tally[i] = (size_t)(t - tallies);
	}
	for (size_t k = 0; k < nt; k++) {
		bool seen = false; /* one prefetch per project, however many runs */
		for (size_t j = 0; j < k; j++)
			seen = seen || tallies[j].project_id == tallies[k].project_id;
		if (!seen &&
		    (rc = prefetch_tests(s, tallies[k].project_id, rs, tally, tallies, n, now, e)))
			goto fail;
	}
	test_ids = xcalloc(n, sizeof(*test_ids));
	made = xcalloc(n, sizeof(*made));
	for (size_t i = 0; i < n; i++)
		if ((rc = test_id_of(s, tallies[tally[i]].project_id, &rs[i], now, &test_ids[i],
				     &made[i], e)))
			goto fail;
	cur.cap = 16;
	while (cur.cap < 2 * n + 2)
		cur.cap *= 2;
	cur.slots = xcalloc(cur.cap, sizeof(*cur.slots));
	for (size_t k = 0; k < nt; k++)
		if ((rc = currents_fetch(s, &cur, k, &tallies[k], rs, tally, test_ids, made, n, e)))
			goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &rs[i];
		struct tally *t = &tallies[tally[i]];
		int64_t test_id = test_ids[i];
		int attempt = r->attempt;
		if (attempt <= 0 && made[i])
			attempt = 1;
		else if (attempt <= 0 &&
			 (rc = next_attempt(s, &w, t, &cur, tally[i], test_id, &attempt, e)))
			goto fail;
		/* Run again and passed: were the earlier attempts all passes? */
		bool flaky = false;
		if (!r->superseded &&
		    (rc = counts_as_flaky(s, &w, t, r->parent != NULL, r->status, attempt, test_id,
					  INT64_MAX, &flaky, e)))
			goto fail;
		char id[UUID_STR_LEN];
		if (r->id[0])
			memcpy(id, r->id, sizeof(id));
		else
			uuid7_new(id, 0);
		if ((rc = rows_add(s, &w, t, r, id, test_id, attempt, e)))
			goto fail;
		if (r->superseded) {
			/* the newest superseded one: a next attempt follows it */
			current_slot(&cur, tally[i], test_id)->top = attempt;
			continue;
		}
		current_now(&cur, tally[i], test_id, id, r, attempt);
		t->counts[r->parent ? 1 : 0][r->status]++;
		t->flaky += flaky;
	}
	if ((rc = rows_flush(s, &w, e)))
		goto fail;
	for (size_t i = 0; i < nt; i++)
		if ((rc = add_counts(s, &tallies[i], e)))
			goto fail;
	if ((rc = pg_commit(s, e))) {
		err_prefix(e, "inserting %zu results", n);
		goto fail;
	}
	free(tallies);
	free(tally);
	free(test_ids);
	free(made);
	free(cur.slots);
	rows_release(&w);
	return RC_OK;
fail:
	rows_release(&w);
	pg_rollback(s);
	free(tallies);
	free(tally);
	free(test_ids);
	free(made);
	free(cur.slots);
	return rc;
}

/* ---- reading results ---- */

enum {
	RES_ID, RES_TEST, RES_PARENT, RES_STATUS, RES_DURATION, RES_MESSAGE, RES_STDOUT,
	RES_STDERR, RES_STDOUT_DROPPED, RES_STDERR_DROPPED, RES_ATTEMPT, RES_EXIT, RES_STARTED,
	RES_COMPLETED, RES_SUPERSEDED, RES_SEQ, RES_FLAKY
};

static enum result_status column_status(const PGresult *q, int i)
{
	const char *s = pg_str(q, 0, i);
	enum result_status st;
	for (int k = 0; s && k < RS__COUNT; k++)
		if (!strcmp(s, status_name((enum result_status)k)))
			return (enum result_status)k;
	return s && status_parse(s, &st) ? st : RS_UNTESTED;
}

/* Fills `r` from the one row of `q`, its strings borrowed from `q`. */
static void read_result(const PGresult *q, const char *run_id, struct result *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", pg_str(q, 0, RES_ID) ? pg_str(q, 0, RES_ID) : "");
	snprintf(r->run_id, sizeof(r->run_id), "%s", run_id);
	r->test = (char *)pg_str(q, 0, RES_TEST);
	r->parent = (char *)pg_str(q, 0, RES_PARENT);
	r->status = column_status(q, RES_STATUS);
	r->duration_ms = pg_i64(q, 0, RES_DURATION);
	r->message = (char *)pg_str(q, 0, RES_MESSAGE);
	r->stdout_text = (char *)pg_str(q, 0, RES_STDOUT);
	r->stderr_text = (char *)pg_str(q, 0, RES_STDERR);
	r->stdout_dropped = pg_i64(q, 0, RES_STDOUT_DROPPED);
	r->stderr_dropped = pg_i64(q, 0, RES_STDERR_DROPPED);
	r->attempt = (int)pg_i64(q, 0, RES_ATTEMPT);
	r->exit_code = pg_str(q, 0, RES_EXIT) ? (int)pg_i64(q, 0, RES_EXIT) : -1;
	r->started_at = pg_i64(q, 0, RES_STARTED);
	r->completed_at = pg_i64(q, 0, RES_COMPLETED);
	r->superseded = pg_bool(q, 0, RES_SUPERSEDED);
	r->seq = pg_i64(q, 0, RES_SEQ);
	r->flaky = pg_bool(q, 0, RES_FLAKY);
}

/* Reads the rows in libpq's single-row mode: one row in memory at a time,
 * however many the run has. When cb stops the walk, the rest of the rows
 * are cancelled (outside a transaction) or read and dropped (inside one,
 * where a cancel would abort the caller's transaction). */
int pg_run_orphan_failures(struct store *st, const char *run_id, int64_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(run_id))
		return RC_OK;
	struct pg_params p = { 0 };
	pp_text(&p, run_id);
	PGresult *q = pg_exec(s, PG_ONCE,
			      "SELECT count(*) FROM results x WHERE x.run_id = $1 "
			      "AND x.run_at = (SELECT created_at FROM test_runs WHERE id = $1) "
			      "AND NOT x.superseded AND x.parent IS NOT NULL "
			      "AND x.status IN " NOT_PASSED_SQL " AND NOT EXISTS (SELECT 1 "
			      "FROM results y WHERE y.run_at = x.run_at AND y.run_id = x.run_id "
			      "AND y.test = x.parent AND NOT y.superseded)",
			      &p, e, "counting the failures of run %s without a parent", run_id);
	pp_release(&p);
	if (!q)
		return e->code;
	*n = PQntuples(q) == 1 ? pg_i64(q, 0, 0) : 0;
	PQclear(q);
	return RC_OK;
}

int pg_results_each(struct store *st, const char *run_id, const struct result_filter *f,
		    int (*cb)(void *ctx, const struct result *r), void *ctx, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(run_id))
		return RC_OK; /* no such run, so no results */
	if (pg_ready(s, e) || pg_pipe_flush(s, e))
		return e->code;
	struct pg_params p = { 0 };
	struct buf sql = BUF_INIT;
	pp_text(&p, run_id);
	/* run_at from the run lets PostgreSQL read the one partition it is in. */
	buf_addf(&sql,
		 "SELECT id, test, parent, status, duration_ms, message, %s, stdout_dropped, "
		 "stderr_dropped, attempt, exit_code, started_at, completed_at, superseded, seq, "
		 FLAKY_SQL " FROM results x WHERE run_id = $1 "
		 "AND run_at = (SELECT created_at FROM test_runs WHERE id = $1)",
		 f->with_output ? "stdout_text, stderr_text" : "NULL, NULL");
	if (f->status != -1) {
		pp_text(&p, status_name((enum result_status)f->status));
		buf_addf(&sql, " AND status = $%d", p.n);
	}
	if (f->top_level)
		buf_adds(&sql, " AND parent IS NULL");
	if (f->test) {
		pp_text_clean(&p, f->test);
		buf_addf(&sql, " AND test = $%d", p.n);
	}
	if (f->final_only)
		buf_adds(&sql, " AND NOT superseded");
	if (f->after_seq) {
		pp_i64(&p, f->after_seq);
		buf_addf(&sql, " AND seq > $%d", p.n);
	}
	buf_adds(&sql, f->slowest ? " ORDER BY duration_ms DESC, seq" : " ORDER BY seq");
	if (f->limit > 0) {
		pp_i64(&p, f->limit);
		buf_addf(&sql, " LIMIT $%d", p.n);
	}
	int sent = PQsendQueryParams(s->conn, sql.data, p.n, NULL, p.v, NULL, NULL, 0);
	buf_release(&sql);
	pp_release(&p);
	if (!sent || !PQsetSingleRowMode(s->conn)) {
		int rc = err_set(e, RC_STORE, "listing results of run %s: %s", run_id,
				 PQerrorMessage(s->conn));
		PGresult *r;
		while ((r = PQgetResult(s->conn)))
			PQclear(r);
		return rc;
	}
	int rc = RC_OK;
	bool stopped = false;
	PGresult *q;
	while ((q = PQgetResult(s->conn))) {
		ExecStatusType status = PQresultStatus(q);
		if (status == PGRES_SINGLE_TUPLE) {
			if (!stopped) {
				struct result r;
				read_result(q, run_id, &r);
				if ((rc = cb(ctx, &r))) {
					stopped = true;
					PGcancel *c = s->depth ? NULL : PQgetCancel(s->conn);
					if (c) {
						char ignored[256];
						PQcancel(c, ignored, sizeof(ignored));
						PQfreeCancel(c);
					}
				}
			}
		} else if (status != PGRES_TUPLES_OK && !stopped && !rc) {
			const char *msg = PQresultErrorMessage(q);
			size_t len = strlen(msg);
			while (len && msg[len - 1] == '\n')
				len--;
			rc = err_set(e, RC_STORE, "listing results of run %s: %.*s", run_id, (int)len,
				     msg);
		}
		PQclear(q);
	}
	return rc;
}

/* ---- tests and their history ---- */

/* The statuses whose durations mean something (see sqlite_results.c). */
static void add_timed_statuses(struct pg_params *p)
{
	static const enum result_status timed[] = { RS_PASSED, RS_FAILED, RS_ERROR, RS_SKIPPED };
	for (size_t i = 0; i < ARRAY_SIZE(timed); i++)
		pp_text(p, status_name(timed[i]));
}

/* avg() is numeric on PostgreSQL: rounded to the nearest ms as SQLite's is. */
static int64_t column_avg(const PGresult *q, int row, int col)
{
	const char *v = pg_str(q, row, col);
	return v ? (int64_t)(strtod(v, NULL) + 0.5) : 0;
}

int pg_projects_list(struct store *st, struct project_stat **out, size_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	/* COLLATE "C": names sort byte-wise, as SQLite sorts them, whatever
	 * the database's locale. */
	PGresult *q = pg_exec(s, PG_ONCE,
			      "SELECT p.name, p.created_at, "
			      "(SELECT count(*) FROM test_runs r WHERE r.project_id = p.id), "
			      "(SELECT count(*) FROM tests t WHERE t.project_id = p.id), "
			      "(SELECT max(r.created_at) FROM test_runs r WHERE r.project_id = p.id) "
			      "FROM projects p ORDER BY p.name COLLATE \"C\"",
			      NULL, e, "listing projects");
	if (!q)
		return e->code;
	size_t count = (size_t)PQntuples(q);
	struct project_stat *ps = count ? xcalloc(count, sizeof(*ps)) : NULL;
	for (size_t i = 0; i < count; i++) {
		int row = (int)i;
		ps[i].name = pg_dup(q, row, 0);
		ps[i].created_at = pg_i64(q, row, 1);
		ps[i].runs = pg_i64(q, row, 2);
		ps[i].tests = pg_i64(q, row, 3);
		ps[i].last_run_at = pg_i64(q, row, 4);
	}
	PQclear(q);
	*out = ps;
	*n = count;
	return RC_OK;
}

int pg_tests_list(struct store *st, const struct test_filter *f, struct test_stat **out,
		  size_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	add_timed_statuses(&p);
	/* As on SQLite: the page of tests first, a walk of the UNIQUE
	 * (project_id, name) index from the cursor's test (names compare
	 * byte-wise since 0010), then only its results. */
	struct buf sql = BUF_INIT;
	buf_adds(&sql,
		 "SELECT p.name, t.name, count(r.seq), "
		 "avg(CASE WHEN r.status IN ($1, $2, $3, $4) THEN r.duration_ms END), "
		 "last.status, last.started_at, t.id "
		 "FROM (SELECT id, project_id, name FROM tests WHERE true");
	if (f->project) {
		pp_text(&p, f->project);
		buf_addf(&sql, " AND project_id = (SELECT id FROM projects WHERE name = $%d)", p.n);
	}
	if (f->after_id) {
		pp_i64(&p, f->after_id);
		buf_addf(&sql,
			 " AND (project_id, name) > ((SELECT project_id FROM tests WHERE id = $%d), "
			 "(SELECT name FROM tests WHERE id = $%d))",
			 p.n, p.n);
	}
	buf_adds(&sql, " ORDER BY project_id, name");
	if (f->limit) {
		pp_i64(&p, f->limit);
		buf_addf(&sql, " LIMIT $%d", p.n);
	}
	/* The newest result's status and start, as SQLite keeps them (0009):
	 * the start may be NULL (a blocked test), older results' are not
	 * looked at. */
	buf_adds(&sql, ") t JOIN projects p ON p.id = t.project_id "
		       "LEFT JOIN results r ON r.test_id = t.id "
		       "LEFT JOIN LATERAL (SELECT l.status, l.started_at FROM results l "
		       "WHERE l.test_id = t.id ORDER BY l.run_id DESC, l.seq DESC LIMIT 1) last "
		       "ON true "
		       "GROUP BY t.id, t.project_id, t.name, p.name, last.status, last.started_at "
		       "ORDER BY t.project_id, t.name");
	PGresult *q = pg_exec(s, PG_ONCE, sql.data, &p, e, "listing tests");
	buf_release(&sql);
	if (!q)
		return e->code;
	size_t count = (size_t)PQntuples(q);
	struct test_stat *ts = count ? xcalloc(count, sizeof(*ts)) : NULL;
	for (size_t i = 0; i < count; i++) {
		int row = (int)i;
		ts[i].project = pg_dup(q, row, 0);
		ts[i].name = pg_dup(q, row, 1);
		ts[i].results = pg_i64(q, row, 2);
		ts[i].avg_ms = column_avg(q, row, 3);
		const char *last = pg_str(q, row, 4);
		if (!last || !status_parse(last, &ts[i].last_status))
			ts[i].last_status = RS_UNTESTED;
		ts[i].last_at = pg_i64(q, row, 5);
		ts[i].id = pg_i64(q, row, 6);
	}
	PQclear(q);
	*out = ts;
	*n = count;
	return RC_OK;
}

int pg_test_exists(struct store *st, const char *project, const char *name, bool *exists,
		   struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, project);
	pp_text_clean(&p, name);
	PGresult *q = pg_exec(s, PG_TEST_EXISTS,
			      "SELECT 1 FROM tests t JOIN projects p ON p.id = t.project_id "
			      "WHERE p.name = $1 AND t.name = $2",
			      &p, e, "looking up test '%s'", name);
	pp_release(&p);
	if (!q)
		return e->code;
	*exists = PQntuples(q) > 0;
	PQclear(q);
	return RC_OK;
}

int pg_test_durations(struct store *st, const char *project,
		      void (*cb)(void *ctx, const char *name, int64_t avg_ms), void *ctx,
		      struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	add_timed_statuses(&p);
	if (project)
		pp_text(&p, project);
	PGresult *q = pg_exec(
		s, PG_ONCE,
		project ? "SELECT t.name, avg(r.duration_ms) FROM tests t "
			  "JOIN results r ON r.test_id = t.id "
			  "WHERE t.project_id = (SELECT id FROM projects WHERE name = $5) "
			  "AND r.status IN ($1, $2, $3, $4) GROUP BY t.id"
			: "SELECT t.name, avg(r.duration_ms) FROM tests t "
			  "JOIN results r ON r.test_id = t.id "
			  "WHERE r.status IN ($1, $2, $3, $4) GROUP BY t.id",
		&p, e, "reading test durations");
	if (!q)
		return e->code;
	for (int i = 0; i < PQntuples(q); i++)
		cb(ctx, pg_str(q, i, 0), column_avg(q, i, 1));
	PQclear(q);
	return RC_OK;
}
