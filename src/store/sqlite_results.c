/* sqlite_results — the SQLite backend's results and the tests' history:
 * inserting a batch of results (the hot path of a run: every finished test
 * lands here), reading a run's results back, and per-test statistics for
 * `assay tests` and the planner.
 *
 * Results live in `result_rows` (schema 0004): keyed by seq = (run_no << 32)
 * + n, the n-th result of the run, so a run's results are one stretch of
 * the table; the test's name and parent come from `tests` by id; the status
 * is stored as its code below; the id as its 16 bytes. What the readers of
 * a test's history want (its result count, timed durations, newest result)
 * is kept on its `tests` row as results are recorded and runs pruned
 * (0009), and result_rows is indexed by run, then test: a run's entries go
 * to the end of the index, whatever the history before it. */
#include "util/base.h"

#include "store/sqlite_int.h"
#include "util/buf.h"
#include "util/time.h"
#include "util/uuid.h"

/* Past this many tests the cache starts over rather than grow without bound
 * in a long-lived `assay serve`. */
#define TEST_CACHE_MAX (1u << 18)

/* A run's results are seq (run_no << 32) + 1 ... + RUN_RESULTS_MAX. */
#define RUN_SHIFT 32
_Static_assert(RUN_SHIFT == 32, "the SQL here, in sqlite_orch.c and in 0004/0009 says seq >> 32");
#define RUN_RESULTS_MAX ((int64_t)UINT32_MAX)

/* ---- statuses as stored ---- */

/* The code a status is stored as (0004_compact_results and its view say the
 * same), fixed here so that reordering the model's enum cannot change what
 * a stored number means. */
static const enum result_status by_code[] = { RS_PASSED,  RS_FAILED,  RS_ERROR,
					      RS_BLOCKED, RS_SKIPPED, RS_INVALID,
					      RS_UNTESTED, RS_RETEST };
_Static_assert(ARRAY_SIZE(by_code) == RS__COUNT, "every status has a stored code");

static int status_code(enum result_status st)
{
	for (size_t i = 0; i < ARRAY_SIZE(by_code); i++)
		if (by_code[i] == st)
			return (int)i;
	return -1; /* not reached: statuses are checked before the insert */
}

static enum result_status status_of_code(int64_t code)
{
	return code >= 0 && code < (int64_t)ARRAY_SIZE(by_code) ? by_code[code] : RS_UNTESTED;
}

/* ---- the name → test id cache ---- */

static uint64_t test_hash(int64_t project_id, const char *name)
{
	uint64_t h = 14695981039346656037ull ^ (uint64_t)project_id; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	/* FNV's low bits (the slot) depend only on the low bits of each step:
	 * names that differ in their last digits crowd a few runs of slots
	 * (probing was 8% of a million-case import). Mix the high bits in. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* The slot holding (project_id, name), or the empty slot where it would go.
 * The table is never full (cache_find grows it first), so the probe ends.
 * The stored hash is compared first: most probes then end without
 * reading a name (a cache miss of its own). */
static struct test_slot *cache_slot(struct test_cache *c, uint64_t hash, int64_t project_id,
				    const char *name)
{
	size_t mask = c->cap - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct test_slot *t = &c->slots[i];
		if (!t->name || (t->hash == hash && t->project_id == project_id &&
				 !strcmp(t->name, name)))
			return t;
	}
}

static void cache_clear(struct test_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->slots[i].name);
	if (c->cap)
		memset(c->slots, 0, c->cap * sizeof(*c->slots));
	c->n = 0;
}

/* The slot of (project_id, name): its id if slot->name is set, else where
 * cache_fill puts it. Room for one more is made first (the cache starts
 * over when full), so the slot stays good until the next call. */
static struct test_slot *cache_find(struct test_cache *c, uint64_t hash, int64_t project_id,
				    const char *name)
{
	if (c->n >= TEST_CACHE_MAX)
		cache_clear(c);
	if ((c->n + 1) * 4 > c->cap * 3) {
		struct test_slot *old = c->slots;
		size_t old_cap = c->cap;
		c->cap = old_cap ? old_cap * 2 : 256;
		c->slots = xcalloc(c->cap, sizeof(*c->slots));
		for (size_t i = 0; i < old_cap; i++) {
			if (!old[i].name)
				continue;
			size_t mask = c->cap - 1, k = old[i].hash & mask;
			while (c->slots[k].name) /* names are distinct: no compare */
				k = (k + 1) & mask;
			c->slots[k] = old[i];
		}
		free(old);
	}
	return cache_slot(c, hash, project_id, name);
}

/* Fills the empty slot cache_find gave for (project_id, name). */
static void cache_fill(struct test_cache *c, struct test_slot *t, uint64_t hash,
		       int64_t project_id, const char *name, int64_t id)
{
	t->name = xstrdup(name);
	t->hash = hash;
	t->project_id = project_id;
	t->test_id = id;
	c->n++;
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
	int64_t run_no;
	int64_t next_seq; /* the seq of the run's next result */
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
	sqlite3_stmt *q = sq_stmt(s, SQ_RUN_PROJECT,
				  "SELECT project_id, run_no FROM test_runs WHERE id = ?1", e);
	if (!q)
		return e->code;
	sq_bind_text(q, 1, r->run_id);
	int step = sqlite3_step(q);
	int64_t project_id = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	int64_t run_no = step == SQLITE_ROW ? sqlite3_column_int64(q, 1) : 0;
	sqlite3_reset(q);
	if (step == SQLITE_DONE)
		return err_set(e, RC_NOTFOUND, "inserting result '%s': no run %s", r->test,
			       r->run_id);
	if (step != SQLITE_ROW)
		return sq_fail(s, e, "inserting result '%s': reading run %s", r->test, r->run_id);
	if (run_no <= 0 || run_no >= (INT64_C(1) << (62 - RUN_SHIFT)))
		return err_set(e, RC_STORE, "inserting result '%s': run %s has no number", r->test,
			       r->run_id);
	/* The run's last result so far: the top of its stretch of seq. */
	q = sq_stmt(s, SQ_RUN_LAST_SEQ,
		    "SELECT seq FROM result_rows WHERE seq > ?1 AND seq <= ?2 "
		    "ORDER BY seq DESC LIMIT 1",
		    e);
	if (!q)
		return e->code;
	int64_t base = run_no << RUN_SHIFT;
	sqlite3_bind_int64(q, 1, base);
	sqlite3_bind_int64(q, 2, base + RUN_RESULTS_MAX);
	step = sqlite3_step(q);
	int64_t last = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : base;
	sqlite3_reset(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return sq_fail(s, e, "inserting result '%s': reading run %s", r->test, r->run_id);
	GROW(*tallies, *cap, *n + 1);
	struct tally *t = &(*tallies)[(*n)++];
	memset(t, 0, sizeof(*t));
	t->run_id = r->run_id;
	t->project_id = project_id;
	t->run_no = run_no;
	t->next_seq = last + 1;
	*out = t;
	return RC_OK;
}

/* Whether a result of `status` has a duration that means something (the
 * test ran to an end): what a test's `timed` and `timed_ms` count (0009).
 * Blocked and untested results never ran; invalid and retest are verdicts
 * about a result, not timings. TIMED_SQL is the same set as stored codes. */
static bool status_is_timed(enum result_status st)
{
	return st == RS_PASSED || st == RS_FAILED || st == RS_ERROR || st == RS_SKIPPED;
}
#define TIMED_SQL "(0, 1, 2, 4)"

/* Binds what r, stored at `seq`, adds to its test's history as ?k .. ?k+4:
 * whether it is timed, its duration if so, seq, its status code, its start. */
static void bind_history(sqlite3_stmt *q, int k, const struct result *r, int64_t seq)
{
	bool timed = status_is_timed(r->status);
	sqlite3_bind_int(q, k, timed);
	sqlite3_bind_int64(q, k + 1, timed ? r->duration_ms : 0);
	sqlite3_bind_int64(q, k + 2, seq);
	sqlite3_bind_int(q, k + 3, status_code(r->status));
	sq_bind_opt(q, k + 4, r->started_at);
}

/* Adds r's test to `project_id` with r, to be stored at `seq`, as its one
 * result so far (0009); *id is 0 if it was there already. */
static int test_add(struct sqlite_store *s, int64_t project_id, const struct result *r,
		    int64_t now, int64_t seq, int64_t *id, struct error *e)
{
	sqlite3_stmt *q = sq_stmt(s, SQ_TEST_ADD,
				  "INSERT INTO tests (project_id, name, parent, created_at, results, "
				  "timed, timed_ms, last_seq, last_status, last_started) "
				  "VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
				  e);
	if (!q)
		return e->code;
	sqlite3_bind_int64(q, 1, project_id);
	sq_bind_text(q, 2, r->test);
	sq_bind_text(q, 3, r->parent);
	sqlite3_bind_int64(q, 4, now);
	bind_history(q, 5, r, seq);
	int step = sqlite3_step(q);
	sqlite3_reset(q);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "inserting result '%s': adding the test", r->test);
	*id = sqlite3_changes(s->db) ? sqlite3_last_insert_rowid(s->db) : 0;
	return RC_OK;
}

/* Counts r, stored at `seq`, in its test's history (0009). The newest
 * result is the one of highest seq: a batch of an older run recorded late
 * does not replace it. */
static int test_count(struct sqlite_store *s, int64_t test_id, const struct result *r,
		      int64_t seq, struct error *e)
{
	sqlite3_stmt *q = sq_stmt(
		s, SQ_TEST_COUNT,
		"UPDATE tests SET results = results + 1, timed = timed + ?2, "
		"timed_ms = timed_ms + ?3, "
		"last_status = CASE WHEN last_seq > ?4 THEN last_status ELSE ?5 END, "
		"last_started = CASE WHEN last_seq > ?4 THEN last_started ELSE ?6 END, "
		"last_seq = max(coalesce(last_seq, 0), ?4) WHERE id = ?1",
		e);
	if (!q)
		return e->code;
	sqlite3_bind_int64(q, 1, test_id);
	bind_history(q, 2, r, seq);
	int step = sqlite3_step(q);
	sqlite3_reset(q);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "inserting result '%s': counting it in the test's history",
			       r->test);
	return RC_OK;
}

/* The id of r's test in `project_id`; 0 if it has none. */
static int test_find(struct sqlite_store *s, int64_t project_id, const struct result *r,
		     int64_t *id, struct error *e)
{
	sqlite3_stmt *q = sq_stmt(s, SQ_TEST_GET,
				  "SELECT id FROM tests WHERE project_id = ?1 AND name = ?2", e);
	if (!q)
		return e->code;
	sqlite3_bind_int64(q, 1, project_id);
	sq_bind_text(q, 2, r->test);
	int step = sqlite3_step(q);
	*id = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return sq_fail(s, e, "inserting result '%s': reading the test", r->test);
	return RC_OK;
}

/* The id of r's test in `project_id`, created on first sight with r, to be
 * stored at `seq`, as its first result (then *created is set). While tests
 * keep being new (a first import), each is added straight away, one b-tree
 * descent, without asking the cache: a million new names in it cost a
 * probe that misses the CPU's cache, a copy and a free each, for nothing.
 * Otherwise the cache is asked first, then the table; the tests found there
 * are remembered (a test just made is found the next time it is needed),
 * except in an import.
 * We hold the write lock, so no one can add the test between two steps. */
static int test_id_of(struct sqlite_store *s, int64_t project_id, const struct result *r,
		      int64_t now, int64_t seq, int64_t *id, bool *created, struct error *e)
{
	*created = false;
	int rc;
	if (s->tests_new) {
		if ((rc = test_add(s, project_id, r, now, seq, id, e)))
			return rc;
		if (*id) {
			*created = true;
			return RC_OK;
		}
		s->tests_new = false; /* a known one: back to the cache */
	}
	/* An import (a whole transaction) meets each test once, bar reruns:
	 * remembering a million names would only cost memory (the 64 MiB an
	 * import may take) and time. */
	bool cached = !s->whole;
	uint64_t hash = 0;
	struct test_slot *slot = NULL;
	if (cached) {
		hash = test_hash(project_id, r->test);
		slot = cache_find(&s->tests, hash, project_id, r->test);
		if (slot->name) {
			*id = slot->test_id;
			return RC_OK;
		}
	}
	if ((rc = test_find(s, project_id, r, id, e)))
		return rc;
	if (!*id) {
		if ((rc = test_add(s, project_id, r, now, seq, id, e)))
			return rc;
		if (!*id) /* not reached: under the write lock a test is there or added */
			return err_set(e, RC_STORE, "inserting result '%s': adding the test",
				       r->test);
		*created = true;
		s->tests_new = true;
		return RC_OK;
	}
	if (cached) /* SQL left the cache alone: the slot is still good */
		cache_fill(&s->tests, slot, hash, project_id, r->test, *id);
	return RC_OK;
}

/* Result rows are inserted ROWS_PER_INSERT to a statement where they can
 * be: one statement per row spent a tenth of its instructions starting and
 * ending the statement (cachegrind, a bare loop of the same inserts). */
#define ROWS_PER_INSERT 16
#define RESULT_COLUMNS                                                                   \
	"seq, id, test_id, status, duration_ms, attempt, superseded, started_at, "        \
	"completed_at, exit_code, stdout_dropped, stderr_dropped, message, stdout_text, " \
	"stderr_text"
#define N_RESULT_COLUMNS 15

/* A row waiting for its INSERT; its strings are the caller's result's. */
struct pending_row {
	const struct result *r;
	int64_t seq, test_id;
	int attempt;
	unsigned char id[16];
};

struct pending {
	struct pending_row rows[ROWS_PER_INSERT];
	size_t n;
};

/* Binds row `p` as the `k`-th row of an INSERT of several. */
static void bind_row(sqlite3_stmt *q, int k, const struct pending_row *p)
{
	const struct result *r = p->r;
	int b = k * N_RESULT_COLUMNS;
	sqlite3_bind_int64(q, b + 1, p->seq);
	sqlite3_bind_blob(q, b + 2, p->id, sizeof(p->id), SQLITE_STATIC);
	sqlite3_bind_int64(q, b + 3, p->test_id);
	sqlite3_bind_int(q, b + 4, status_code(r->status));
	sqlite3_bind_int64(q, b + 5, r->duration_ms);
	sqlite3_bind_int(q, b + 6, p->attempt);
	sqlite3_bind_int(q, b + 7, r->superseded);
	sq_bind_opt(q, b + 8, r->started_at);
	sq_bind_opt(q, b + 9, r->completed_at);
	if (r->exit_code == -1)
		sqlite3_bind_null(q, b + 10);
	else
		sqlite3_bind_int(q, b + 10, r->exit_code);
	sqlite3_bind_int64(q, b + 11, r->stdout_dropped);
	sqlite3_bind_int64(q, b + 12, r->stderr_dropped);
	sq_bind_text(q, b + 13, r->message);
	sq_bind_text(q, b + 14, r->stdout_text);
	sq_bind_text(q, b + 15, r->stderr_text);
}

/* "INSERT INTO result_rows (...) VALUES (?1, ... ?15), ..." for `rows` rows. */
static char *insert_sql(int rows)
{
	struct buf sql = BUF_INIT;
	buf_adds(&sql, "INSERT INTO result_rows (" RESULT_COLUMNS ") VALUES ");
	for (int k = 0; k < rows; k++) {
		buf_adds(&sql, k ? ", (" : "(");
		for (int c = 1; c <= N_RESULT_COLUMNS; c++)
			buf_addf(&sql, c > 1 ? ", ?%d" : "?%d", k * N_RESULT_COLUMNS + c);
		buf_adds(&sql, ")");
	}
	return buf_detach(&sql);
}

/* Inserts the pending rows: ROWS_PER_INSERT at once, or one by one. */
static int flush_rows(struct sqlite_store *s, struct pending *pd, struct error *e)
{
	if (!pd->n)
		return RC_OK;
	bool many = pd->n == ROWS_PER_INSERT;
	sqlite3_stmt *q = s->stmt[many ? SQ_RESULT_ADD_MANY : SQ_RESULT_ADD];
	if (!q) {
		char *sql = insert_sql(many ? ROWS_PER_INSERT : 1);
		q = sq_stmt(s, many ? SQ_RESULT_ADD_MANY : SQ_RESULT_ADD, sql, e);
		free(sql);
		if (!q)
			return e->code;
	}
	for (size_t i = 0; i < pd->n; i += many ? pd->n : 1) {
		if (many)
			for (size_t k = 0; k < pd->n; k++)
				bind_row(q, (int)k, &pd->rows[k]);
		else
			bind_row(q, 0, &pd->rows[i]);
		int step = sqlite3_step(q);
		sqlite3_reset(q);
		if (step != SQLITE_DONE) {
			const char *first = pd->rows[i].r->test;
			const char *last = pd->rows[pd->n - 1].r->test;
			return many ? sq_fail(s, e, "inserting results '%s' to '%s'", first, last)
				    : sq_fail(s, e, "inserting result '%s'", first);
		}
	}
	pd->n = 0;
	return RC_OK;
}

/* Queues r's row; the rows are inserted once ROWS_PER_INSERT wait. */
static int insert_one(struct sqlite_store *s, struct pending *pd, const struct result *r,
		      int64_t seq, int64_t test_id, int attempt, struct error *e)
{
	struct pending_row *p = &pd->rows[pd->n++];
	p->r = r;
	p->seq = seq;
	p->test_id = test_id;
	p->attempt = attempt;
	if (r->id[0])
		uuid_to_bytes(r->id, p->id); /* checked before the transaction */
	else
		uuid7_new_bytes(p->id, 0);
	return pd->n == ROWS_PER_INSERT ? flush_rows(s, pd, e) : RC_OK;
}

/* A result is flaky when it is the final one of its test in the run, passed,
 * and an earlier attempt did not pass (failed, error, blocked, invalid: the
 * codes status_is_negative names). Tests run again that passed every time
 * (go test -count=3) are not flaky. The codes of the statuses that did not
 * pass, and the rule as SQL over result_rows x, with ?4 the start of x's run.
 * CASE, not AND: SQLite 3.40 computes both sides of an AND that gives a
 * value, so the EXISTS probe ran for every result an export read (a
 * million-result JUnit export went from 0.73 s to 1.2 s). */
#define NOT_PASSED_SQL "(1, 2, 3, 5)"
#define FLAKY_SQL                                                                        \
	"CASE WHEN x.superseded = 0 AND x.status = 0 AND x.attempt > 1 THEN EXISTS (SELECT 1 " \
	"FROM result_rows y WHERE (y.seq >> 32) = (x.seq >> 32) AND y.test_id = x.test_id " \
	"AND y.seq > ?4 AND y.seq < x.seq "                                                  \
	"AND y.status IN " NOT_PASSED_SQL ") ELSE 0 END"

/* Whether an attempt of test_id in t's run before `before` did not pass. */
static int failed_before(struct sqlite_store *s, const struct tally *t, int64_t test_id,
			 int64_t before, bool *failed, struct error *e)
{
	sqlite3_stmt *q = sq_stmt(s, SQ_FAILED_BEFORE,
				  "SELECT EXISTS (SELECT 1 FROM result_rows WHERE (seq >> 32) = ?4 "
				  "AND test_id = ?1 AND seq > ?2 AND seq < ?3 "
				  "AND status IN " NOT_PASSED_SQL ")",
				  e);
	if (!q)
		return e->code;
	sqlite3_bind_int64(q, 1, test_id);
	sqlite3_bind_int64(q, 2, t->run_no << RUN_SHIFT);
	sqlite3_bind_int64(q, 3, before);
	sqlite3_bind_int64(q, 4, t->run_no);
	int step = sqlite3_step(q);
	*failed = step == SQLITE_ROW && sqlite3_column_int(q, 0);
	sqlite3_reset(q);
	return step == SQLITE_ROW ? RC_OK : sq_fail(s, e, "reading the earlier attempts");
}

/* Whether a top-level result of `status`, attempt `attempt`, at `seq` is
 * flaky (see FLAKY_SQL): a query only for a passed result run again. */
static int counts_as_flaky(struct sqlite_store *s, const struct tally *t, bool sub,
			   enum result_status status, int attempt, int64_t test_id, int64_t seq,
			   bool *flaky, struct error *e)
{
	*flaky = false;
	if (sub || status != RS_PASSED || attempt <= 1)
		return RC_OK;
	return failed_before(s, t, test_id, seq, flaky, e);
}

/* The newest result of test_id in t's run, or with `current` the newest
 * not superseded: its seq, attempt, status, whether it is a sub-result and
 * whether it is superseded. *found false when there is none. */
static int newest_attempt(struct sqlite_store *s, const struct tally *t, int64_t test_id,
			  bool current, bool *found, int64_t *seq, int *attempt,
			  enum result_status *status, bool *sub, bool *superseded, struct error *e)
{
	/* Both walk the (run, test) index backwards and stop at the first row. */
	sqlite3_stmt *q = sq_stmt(
		s, current ? SQ_CURRENT : SQ_NEWEST,
		current ? "SELECT x.seq, x.attempt, x.status, t.parent IS NOT NULL, x.superseded "
			  "FROM result_rows x JOIN tests t ON t.id = x.test_id "
			  "WHERE (x.seq >> 32) = ?4 AND x.test_id = ?1 AND x.seq > ?2 "
			  "AND x.seq <= ?3 AND x.superseded = 0 ORDER BY x.seq DESC LIMIT 1"
			: "SELECT x.seq, x.attempt, x.status, t.parent IS NOT NULL, x.superseded "
			  "FROM result_rows x JOIN tests t ON t.id = x.test_id "
			  "WHERE (x.seq >> 32) = ?4 AND x.test_id = ?1 AND x.seq > ?2 "
			  "AND x.seq <= ?3 ORDER BY x.seq DESC LIMIT 1",
		e);
	if (!q)
		return e->code;
	sqlite3_bind_int64(q, 1, test_id);
	sqlite3_bind_int64(q, 2, t->run_no << RUN_SHIFT);
	sqlite3_bind_int64(q, 3, (t->run_no << RUN_SHIFT) + RUN_RESULTS_MAX);
	sqlite3_bind_int64(q, 4, t->run_no);
	int step = sqlite3_step(q);
	*found = step == SQLITE_ROW;
	if (*found) {
		*seq = sqlite3_column_int64(q, 0);
		*attempt = sqlite3_column_int(q, 1);
		*status = status_of_code(sqlite3_column_int64(q, 2));
		*sub = sqlite3_column_int(q, 3) != 0;
		*superseded = sqlite3_column_int(q, 4) != 0;
	}
	sqlite3_reset(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return sq_fail(s, e, "reading the current attempt");
	return RC_OK;
}

/* For a result asking for the next attempt (attempt 0): marks the test's
 * current result in the run superseded, takes it out of the tally, and
 * returns the attempt number that follows it, or, when every attempt of the
 * test in the run is superseded (a reporter may send its earlier attempts
 * as such first), the newest of those: 1 if there is none. Mostly one
 * probe: the newest row is the current one, or there is none. */
static int next_attempt(struct sqlite_store *s, struct tally *t, int64_t test_id,
			int *attempt, struct error *e)
{
	bool found, sub, superseded;
	int64_t seq;
	int prev;
	enum result_status status;
	int rc = newest_attempt(s, t, test_id, false, &found, &seq, &prev, &status, &sub,
				&superseded, e);
	if (rc)
		return rc;
	*attempt = found ? prev + 1 : 1;
	if (!found)
		return RC_OK;
	if (superseded) {
		/* An earlier attempt sent after the one that counts, or no
		 * current one at all: look for the current one itself. */
		int newest = prev;
		if ((rc = newest_attempt(s, t, test_id, true, &found, &seq, &prev, &status, &sub,
					 &superseded, e)))
			return rc;
		*attempt = (found && prev > newest ? prev : newest) + 1;
		if (!found)
			return RC_OK;
	}
	sqlite3_stmt *q =
		sq_stmt(s, SQ_SUPERSEDE, "UPDATE result_rows SET superseded = 1 WHERE seq = ?1", e);
	if (!q)
		return e->code;
	sqlite3_bind_int64(q, 1, seq);
	int step = sqlite3_step(q);
	sqlite3_reset(q);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "marking the earlier attempt superseded");
	t->counts[sub][status]--;
	bool flaky;
	if ((rc = counts_as_flaky(s, t, sub, status, prev, test_id, seq, &flaky, e)))
		return rc;
	t->flaky -= flaky;
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
		unsigned char id[16];
		if (r->id[0] && !uuid_to_bytes(r->id, id))
			return err_set(e, RC_USAGE, "inserting result '%s': id '%s' is not a UUID",
				       r->test, r->id);
	}
	int rc = sq_begin(s, e);
	if (rc)
		return err_prefix(e, "inserting %zu results", n);
	struct tally *tallies = NULL;
	size_t nt = 0, cap = 0;
	struct pending pd;
	pd.n = 0;
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
		if ((rc = test_id_of(s, t->project_id, r, now, t->next_seq, &test_id, &created,
				     e)))
			goto fail;
		if (attempt <= 0 && created)
			attempt = 1;
		else if (attempt <= 0 && ((rc = flush_rows(s, &pd, e)) || /* it may be waiting */
					  (rc = next_attempt(s, t, test_id, &attempt, e))))
			goto fail;
		if (t->next_seq > (t->run_no << RUN_SHIFT) + RUN_RESULTS_MAX) {
			rc = err_set(e, RC_USAGE, "inserting result '%s': run %s has %lld results, "
				     "the most a run can have", r->test, r->run_id,
				     (long long)RUN_RESULTS_MAX);
			goto fail;
		}
		/* A new test was made with this result counted (test_add). */
		if (!created && (rc = test_count(s, test_id, r, t->next_seq, e)))
			goto fail;
		if (r->superseded) {
			if ((rc = insert_one(s, &pd, r, t->next_seq++, test_id, attempt, e)))
				goto fail;
			continue;
		}
		/* Run again and passed: were the earlier attempts (some perhaps
		 * still waiting to be inserted) all passes? */
		bool flaky = false;
		if (!r->parent && r->status == RS_PASSED && attempt > 1 &&
		    ((rc = flush_rows(s, &pd, e)) ||
		     (rc = counts_as_flaky(s, t, false, r->status, attempt, test_id, t->next_seq,
					   &flaky, e))))
			goto fail;
		if ((rc = insert_one(s, &pd, r, t->next_seq++, test_id, attempt, e)))
			goto fail;
		t->counts[r->parent ? 1 : 0][r->status]++;
		t->flaky += flaky;
	}
	if ((rc = flush_rows(s, &pd, e)))
		goto fail;
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

/* ---- deleting a run's results ---- */

int sq_results_delete_run(struct sqlite_store *s, int64_t run_no, struct error *e)
{
	/* Its results leave their tests' counts and sums, the run's stretch
	 * of the (run, test) index giving them test by test; a test whose
	 * newest result was in it takes its newest in the runs left, found by
	 * one probe of that index per run, newest run first (the run's own
	 * row is gone already). Then the stretch itself goes. */
	static const char *const sql[] = {
		"UPDATE tests SET results = results - d.n, timed = timed - d.nt, "
		"timed_ms = timed_ms - d.ms FROM (SELECT test_id, count(*) AS n, "
		"sum(status IN " TIMED_SQL ") AS nt, "
		"sum(CASE WHEN status IN " TIMED_SQL " THEN duration_ms ELSE 0 END) AS ms "
		"FROM result_rows WHERE (seq >> 32) = ?1 GROUP BY test_id) AS d "
		"WHERE tests.id = d.test_id",
		"UPDATE tests SET (last_seq, last_status, last_started) = "
		"(SELECT x.seq, x.status, x.started_at FROM test_runs r CROSS JOIN result_rows x "
		"WHERE (x.seq >> 32) = +r.run_no AND x.test_id = tests.id AND r.run_no <> ?1 "
		"ORDER BY r.run_no DESC, x.seq DESC LIMIT 1) "
		"WHERE id IN (SELECT test_id FROM result_rows WHERE (seq >> 32) = ?1) "
		"AND last_seq >= (?1 << 32) AND last_seq < ((?1 + 1) << 32)",
		"DELETE FROM result_rows WHERE seq >= (?1 << 32) AND seq < ((?1 + 1) << 32)",
	};
	static const int slot[] = { SQ_RUN_UNCOUNT, SQ_RUN_UNLAST, SQ_RUN_RESULTS_DELETE };
	for (size_t i = 0; i < ARRAY_SIZE(sql); i++) {
		sqlite3_stmt *q = sq_stmt(s, slot[i], sql[i], e);
		if (!q)
			return e->code;
		sqlite3_bind_int64(q, 1, run_no);
		int step = sqlite3_step(q);
		sqlite3_reset(q);
		if (step != SQLITE_DONE)
			return sq_fail(s, e, "deleting the results of run number %lld",
				       (long long)run_no);
	}
	return RC_OK;
}

/* ---- reading results ---- */

enum {
	RES_ID, RES_RUN, RES_TEST, RES_PARENT, RES_STATUS, RES_DURATION, RES_MESSAGE, RES_STDOUT,
	RES_STDERR, RES_STDOUT_DROPPED, RES_STDERR_DROPPED, RES_ATTEMPT, RES_EXIT, RES_STARTED,
	RES_COMPLETED, RES_SUPERSEDED, RES_SEQ, RES_FLAKY
};

static char *column_text(sqlite3_stmt *q, int i)
{
	return (char *)sqlite3_column_text(q, i);
}

/* A 16-byte id column as text into out; "" if it is not 16 bytes. */
static void column_uuid(sqlite3_stmt *q, int i, char out[UUID_STR_LEN])
{
	const unsigned char *b = sqlite3_column_blob(q, i);
	if (b && sqlite3_column_bytes(q, i) == 16)
		uuid_from_bytes(b, out);
	else
		out[0] = '\0';
}

/* Fills `r` from the current row, its strings borrowed from the statement:
 * valid until the next step, never freed by the caller. The run id is the
 * one the walk is over (not read back from each row). */
static void read_result(sqlite3_stmt *q, const char *run_id, struct result *r)
{
	memset(r, 0, sizeof(*r));
	column_uuid(q, RES_ID, r->id);
	size_t n = strnlen(run_id, sizeof(r->run_id) - 1);
	memcpy(r->run_id, run_id, n);
	r->run_id[n] = '\0';
	r->test = column_text(q, RES_TEST);
	r->parent = column_text(q, RES_PARENT);
	r->status = status_of_code(sqlite3_column_int64(q, RES_STATUS));
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
	r->flaky = sqlite3_column_int(q, RES_FLAKY) != 0;
}

/* The run_no and project of run `run_id`; *run_no 0 when there is no such run. */
static int run_number(struct sqlite_store *s, const char *run_id, int64_t *run_no,
		      int64_t *project_id, struct error *e)
{
	sqlite3_stmt *q = sq_stmt(s, SQ_RUN_PROJECT,
				  "SELECT project_id, run_no FROM test_runs WHERE id = ?1", e);
	if (!q)
		return e->code;
	sq_bind_text(q, 1, run_id);
	int step = sqlite3_step(q);
	*project_id = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	*run_no = step == SQLITE_ROW ? sqlite3_column_int64(q, 1) : 0;
	sqlite3_reset(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return sq_fail(s, e, "listing results of run %s", run_id);
	return RC_OK;
}

int sq_run_orphan_failures(struct store *st, const char *run_id, int64_t *n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	int64_t run_no, project_id;
	int rc = run_number(s, run_id, &run_no, &project_id, e);
	if (rc || !run_no)
		return rc;
	/* Status codes 1, 2, 3 and 5: failed, error, blocked, invalid
	 * (status_is_negative). */
	sqlite3_stmt *q = sq_prepare(
		s,
		"SELECT count(*) FROM result_rows x JOIN tests t ON t.id = x.test_id "
		"WHERE (x.seq >> 32) = ?1 AND x.superseded = 0 AND t.parent IS NOT NULL "
		"AND x.status IN (1, 2, 3, 5) AND NOT EXISTS (SELECT 1 FROM tests p "
		"JOIN result_rows y ON (y.seq >> 32) = ?1 AND y.test_id = p.id "
		"WHERE p.project_id = ?2 AND p.name = t.parent AND y.superseded = 0)",
		e);
	if (!q)
		return e->code;
	sqlite3_bind_int64(q, 1, run_no);
	sqlite3_bind_int64(q, 2, project_id);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (step != SQLITE_ROW)
		return sq_fail(s, e, "counting the failures of run %s without a parent", run_id);
	return RC_OK;
}

int sq_results_each(struct store *st, const char *run_id, const struct result_filter *f,
		    int (*cb)(void *ctx, const struct result *r), void *ctx, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	int64_t run_no, project_id;
	int rc = run_number(s, run_id, &run_no, &project_id, e);
	if (rc || !run_no)
		return rc;
	/* The run's stretch of result_rows, walked in seq order, each row
	 * joined to its test by id (CROSS JOIN keeps result_rows outside).
	 * Output is only read when asked for: it is most of a result's bytes. */
	struct buf sql = BUF_INIT;
	buf_addf(&sql,
		 "SELECT x.id, NULL, t.name, t.parent, x.status, x.duration_ms, x.message, %s, "
		 "x.stdout_dropped, x.stderr_dropped, x.attempt, x.exit_code, x.started_at, "
		 "x.completed_at, x.superseded, x.seq, " FLAKY_SQL " "
		 "FROM result_rows x CROSS JOIN tests t "
		 "WHERE t.id = x.test_id AND x.seq > ?4 AND x.seq <= ?5",
		 f->with_output ? "x.stdout_text, x.stderr_text" : "NULL, NULL");
	if (f->status != -1)
		buf_adds(&sql, " AND x.status = ?2");
	if (f->top_level)
		buf_adds(&sql, " AND t.parent IS NULL");
	if (f->test)
		buf_adds(&sql, " AND x.test_id = (SELECT id FROM tests "
			       "WHERE project_id = ?1 AND name = ?3)");
	if (f->final_only)
		buf_adds(&sql, " AND x.superseded = 0");
	if (f->after_seq)
		buf_adds(&sql, " AND x.seq > ?6");
	buf_adds(&sql, f->slowest ? " ORDER BY x.duration_ms DESC, x.seq" : " ORDER BY x.seq");
	if (f->limit > 0)
		buf_addf(&sql, " LIMIT %d", f->limit);
	sqlite3_stmt *q = sq_prepare(s, sql.data, e);
	buf_release(&sql);
	if (!q)
		return err_prefix(e, "listing results of run %s", run_id);
	sqlite3_bind_int64(q, 1, project_id);
	if (f->status != -1)
		sqlite3_bind_int(q, 2, status_code((enum result_status)f->status));
	if (f->test)
		sq_bind_text(q, 3, f->test);
	sqlite3_bind_int64(q, 4, run_no << RUN_SHIFT);
	sqlite3_bind_int64(q, 5, (run_no << RUN_SHIFT) + RUN_RESULTS_MAX);
	if (f->after_seq)
		sqlite3_bind_int64(q, 6, f->after_seq);
	int step;
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

/* Where a page of tests starts: after the test `id` in (project_id, name)
 * order. Read apart, then bound: SQLite seeks an index by a row value only
 * when it is given one, not by a subquery's. *found is false when the test
 * is no more (the page is then empty). */
static int tests_cursor(struct sqlite_store *s, int64_t id, int64_t *project_id, char **name,
			bool *found, struct error *e)
{
	sqlite3_stmt *q = sq_stmt(s, SQ_TEST_CURSOR,
				  "SELECT project_id, name FROM tests WHERE id = ?1", e);
	if (!q)
		return err_prefix(e, "listing tests");
	sqlite3_bind_int64(q, 1, id);
	int step = sqlite3_step(q);
	*found = step == SQLITE_ROW;
	if (*found) {
		*project_id = sqlite3_column_int64(q, 0);
		*name = sq_column_dup(q, 1);
	}
	sqlite3_reset(q);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return sq_fail(s, e, "listing tests");
	return RC_OK;
}

int sq_tests_list(struct store *st, const struct test_filter *f, struct test_stat **out, size_t *n,
		  struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	*out = NULL;
	*n = 0;
	int64_t after_project = 0;
	char *after_name = NULL;
	bool found = true;
	int rc;
	if (f->after_id &&
	    (rc = tests_cursor(s, f->after_id, &after_project, &after_name, &found, e)))
		return rc;
	if (!found)
		return RC_OK;
	/* Each test's history is summed up on its row (0009): a page of tests
	 * is a walk of the UNIQUE (project_id, name) index, no results read. */
	struct buf sql = BUF_INIT;
	buf_adds(&sql,
		 "SELECT p.name, t.name, t.results, "
		 "CASE WHEN t.timed > 0 THEN t.timed_ms * 1.0 / t.timed END, "
		 "t.last_status, t.last_started, t.id "
		 "FROM tests t JOIN projects p ON p.id = t.project_id WHERE 1");
	if (f->project)
		buf_adds(&sql, " AND t.project_id = (SELECT id FROM projects WHERE name = ?5)");
	/* Within one project the cursor's project is that one (else the page
	 * is empty): its name bounds the walk, which a row value would not
	 * there (SQLite 3.40 seeks to the project only). */
	if (f->after_id)
		buf_adds(&sql, f->project ? " AND t.project_id = ?6 AND t.name > ?7"
					  : " AND (t.project_id, t.name) > (?6, ?7)");
	buf_adds(&sql, " ORDER BY t.project_id, t.name");
	if (f->limit)
		buf_adds(&sql, " LIMIT ?8");
	sqlite3_stmt *q = sq_prepare(s, sql.data, e);
	buf_release(&sql);
	if (!q) {
		free(after_name);
		return err_prefix(e, "listing tests");
	}
	if (f->project)
		sq_bind_text(q, 5, f->project);
	if (f->after_id) {
		sqlite3_bind_int64(q, 6, after_project);
		sq_bind_text(q, 7, after_name);
	}
	if (f->limit)
		sqlite3_bind_int(q, 8, f->limit);
	struct test_stat *ts = NULL;
	size_t cap = 0, count = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		GROW(ts, cap, count + 1);
		struct test_stat *t = &ts[count++];
		t->project = sq_column_dup(q, 0);
		t->name = sq_column_dup(q, 1);
		t->results = sqlite3_column_int64(q, 2);
		t->avg_ms = column_avg(q, 3);
		t->last_status = sqlite3_column_type(q, 4) == SQLITE_NULL
					 ? RS_UNTESTED
					 : status_of_code(sqlite3_column_int64(q, 4));
		t->last_at = sqlite3_column_int64(q, 5);
		t->id = sqlite3_column_int64(q, 6);
	}
	rc = RC_OK;
	if (step != SQLITE_DONE) {
		rc = sq_fail(s, e, "listing tests");
		store_test_stats_free(ts, count);
		ts = NULL;
		count = 0;
	}
	sqlite3_finalize(q);
	free(after_name);
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
		project ? "SELECT name, timed_ms * 1.0 / timed FROM tests "
			  "WHERE project_id = (SELECT id FROM projects WHERE name = ?1) "
			  "AND timed > 0"
			: "SELECT name, timed_ms * 1.0 / timed FROM tests WHERE timed > 0",
		e);
	if (!q)
		return err_prefix(e, "reading test durations");
	if (project)
		sq_bind_text(q, 1, project);
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		cb(ctx, (const char *)sqlite3_column_text(q, 0), column_avg(q, 1));
	int rc = step == SQLITE_DONE ? RC_OK : sq_fail(s, e, "reading test durations");
	sqlite3_finalize(q);
	return rc;
}
