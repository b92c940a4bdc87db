/* store_fixture — what the store tests share (store_test.c: schema,
 * connections and runs; store_results_test.c: results and tests): a fresh
 * database per test, opened with testlib_db_new on the backend under test,
 * and helpers to make runs and results and to read rows back over a
 * connection of their own. Included once, after cmocka.h and testlib.h. */
#ifndef ASSAY_TESTS_STORE_FIXTURE_H
#define ASSAY_TESTS_STORE_FIXTURE_H

struct fixture {
	char dir[64];
	char path[128]; /* the SQLite file */
	char db[256];   /* what the store is opened from: path, or a PostgreSQL URL */
	struct store *st;
};

static inline int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/assay-store-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/.assay/assay.db", fx->dir);
	testlib_db_new(fx->db, sizeof(fx->db), fx->path);
	struct error e = ERROR_INIT;
	if (store_open(fx->db, &fx->st, &e)) {
		fprintf(stderr, "store_open: %s\n", e.msg);
		return -1;
	}
	*state = fx;
	return 0;
}

static inline int teardown(void **state)
{
	struct fixture *fx = *state;
	store_close(fx->st);
	testlib_db_drop(fx->db);
	testlib_rmtree(fx->dir);
	free(fx);
	return 0;
}

/* One integer from `sql`, read over a connection of its own, as another
 * process (assay serve, the sqlite3 shell, psql) would see the database. */
static inline int64_t sql_int(const char *db, const char *sql)
{
	if (testlib_pg()) {
		PGresult *r = testlib_pg_exec(db, sql);
		assert_int_equal(PQntuples(r), 1);
		int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		return v;
	}
	sqlite3 *h;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(h);
	return v;
}

/* Runs one statement that returns no rows, as sql_int does. */
static inline void sql_exec(const char *db, const char *sql)
{
	if (testlib_pg()) {
		PQclear(testlib_pg_exec(db, sql));
		return;
	}
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/* The newest migration of one backend's set. */
static inline int newest_version_of(bool pg)
{
	int v = 0;
	const struct schema_migration *set = pg ? pg_schema_migrations : schema_migrations;
	for (const struct schema_migration *m = set; m->version; m++)
		v = m->version > v ? m->version : v;
	return v;
}

/* The newest migration of the backend this pass tests. */
static inline int newest_known_version(void)
{
	return newest_version_of(testlib_pg());
}

/* A run of `project` with every field set, created at `created_at`. */
static inline void full_run(struct run *r, const char *project, int64_t created_at)
{
	memset(r, 0, sizeof(*r));
	uuid7_new(r->id, created_at);
	r->project = xstrdup(project);
	r->definition = xstrdup("unit all");
	r->title = xstrdup("nightly");
	r->description = xstrdup("the nightly run");
	r->environment = xstrdup("ci");
	r->triggered_by = xstrdup("jenkins");
	r->milestone = xstrdup("1.0");
	r->pool = xstrdup("linux-x64");
	r->context_json = xstrdup("{\"build_dir\":\"build\"}");
	r->lifecycle = LC_QUEUED;
	r->verdict = V_RUNNING;
	r->created_at = created_at;
	r->started_at = created_at + 1;
	r->total = 12;
	r->host = xstrdup("box1");
	r->pid = 4242;
	r->pid_start = 987654;
}

/* Inserts a run with the given properties and puts its id in `id`. */
static inline void add_run(struct store *st, const char *project, int64_t created_at, const char *env,
		    enum lifecycle lc, char id[UUID_STR_LEN])
{
	struct run r;
	struct error e = ERROR_INIT;
	full_run(&r, project, created_at);
	free(r.environment);
	r.environment = xstrdup(env);
	r.lifecycle = lc;
	r.verdict = verdict_of(lc);
	assert_int_equal(store_run_insert(st, &r, &e), RC_OK);
	memcpy(id, r.id, UUID_STR_LEN);
	run_release(&r);
}

/* A result that borrows its strings (the store copies nothing it is given). */
static inline struct result result_of(const char *run_id, const char *test, const char *parent,
			       enum result_status status, int64_t duration_ms)
{
	struct result r;
	memset(&r, 0, sizeof(r));
	memcpy(r.run_id, run_id, UUID_STR_LEN);
	r.test = (char *)test;
	r.parent = (char *)parent;
	r.status = status;
	r.duration_ms = duration_ms;
	r.attempt = 1;
	r.exit_code = -1;
	return r;
}

#endif
