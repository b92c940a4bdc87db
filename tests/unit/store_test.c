/* Unit tests of store/ on the backend under test (testlib.h): SQLite, where
 * each test gets a fresh database at <tmpdir>/.assay/assay.db (the parent
 * directory does not exist yet, as in a fresh checkout), or PostgreSQL,
 * where it gets a new empty database. Both are removed afterwards. The few
 * tests of one backend's own matters say so and skip on the other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <ftw.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "store/schema.h"
#include "store/store.h"
#include "util/time.h"
#include "util/uuid.h"

#include "testlib.h"

struct fixture {
	char dir[64];
	char path[128]; /* the SQLite file */
	char db[256];   /* what the store is opened from: path, or a PostgreSQL URL */
	struct store *st;
};

static int setup(void **state)
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

static int teardown(void **state)
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
static int64_t sql_int(const char *db, const char *sql)
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
static void sql_exec(const char *db, const char *sql)
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
static int newest_version_of(bool pg)
{
	int v = 0;
	const struct schema_migration *set = pg ? pg_schema_migrations : schema_migrations;
	for (const struct schema_migration *m = set; m->version; m++)
		v = m->version > v ? m->version : v;
	return v;
}

/* The newest migration of the backend this pass tests. */
static int newest_known_version(void)
{
	return newest_version_of(testlib_pg());
}

/* A run of `project` with every field set, created at `created_at`. */
static void full_run(struct run *r, const char *project, int64_t created_at)
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
static void add_run(struct store *st, const char *project, int64_t created_at, const char *env,
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
static struct result result_of(const char *run_id, const char *test, const char *parent,
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

/* What the store said while opening, one sentence after the other. */
static char notices[1024];

static void keep_notice(const char *msg)
{
	size_t at = strlen(notices);
	snprintf(notices + at, sizeof(notices) - at, "%s\n", msg);
}

static void migrations_apply_once_and_reopening_is_a_no_op(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(store_schema_version(fx->st), newest_known_version());
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM schema_version"),
			 newest_known_version());
	if (!testlib_pg()) {
		struct stat sb;
		assert_int_equal(stat(fx->path, &sb), 0); /* .assay/ was created */
		/* WAL is a property of the file: another connection sees it too */
		sqlite3 *db;
		sqlite3_stmt *q;
		assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
		sqlite3_finalize(q);
		sqlite3_close(db);
	}
	store_close(fx->st);
	struct error e = ERROR_INIT;
	notices[0] = '\0';
	store_set_notice(keep_notice);
	assert_int_equal(store_open(fx->db, &fx->st, &e), RC_OK);
	store_set_notice(NULL);
	assert_string_equal(notices, ""); /* nothing to upgrade, nothing said */
	assert_int_equal(store_schema_version(fx->st), newest_known_version());
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM schema_version"),
			 newest_known_version());
}

/* A database as assay left it at schema version 3 (results keyed by text,
 * test names copied into each row): two runs, a retried test, a
 * sub-result, output, and an attachment. */
static void make_version_3_database(const char *path)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL),
			 SQLITE_OK);
	for (const struct schema_migration *m = schema_migrations; m->version; m++) {
		if (m->version > 3)
			continue;
		assert_int_equal(sqlite3_exec(db, m->sql, NULL, NULL, NULL), SQLITE_OK);
		char *v = xasprintf("INSERT INTO schema_version VALUES (%d, 1)", m->version);
		assert_int_equal(sqlite3_exec(db, v, NULL, NULL, NULL), SQLITE_OK);
		free(v);
	}
	const char *rows =
		"INSERT INTO projects VALUES (1, 'demo', 1);"
		"INSERT INTO test_runs (id, status, project_id, lifecycle, lifecycle_code, "
		"created_at, n_passed, n_failed, sub_n_passed) VALUES "
		"('0190aaaa-0000-7000-8000-00000000000a', 'failed', 1, 'completed_with_failures', "
		"8, 10, 1, 1, 1), "
		"('0190bbbb-0000-7000-8000-00000000000b', 'running', 1, 'in_progress', 6, 20, "
		"1, 0, 0);"
		"INSERT INTO tests (id, project_id, name, parent, created_at) VALUES "
		"(1, 1, 'a', NULL, 1), (2, 1, 'b', NULL, 1), (3, 1, 'b/x', 'b', 1);"
		"INSERT INTO results (seq, id, run_id, test_id, test, parent, status, duration_ms, "
		"message, stdout_text, attempt, exit_code, started_at, superseded) VALUES "
		"(1, '0190aaaa-0000-7000-8000-000000000001', '0190aaaa-0000-7000-8000-00000000000a',"
		" 1, 'a', NULL, 'failed', 5, 'boom', 'out1', 1, 1, 100, 1),"
		"(2, '0190bbbb-0000-7000-8000-000000000002', '0190bbbb-0000-7000-8000-00000000000b',"
		" 2, 'b', NULL, 'passed', 7, NULL, NULL, 1, 0, 200, 0),"
		"(3, '0190aaaa-0000-7000-8000-000000000003', '0190aaaa-0000-7000-8000-00000000000a',"
		" 1, 'a', NULL, 'passed', 6, NULL, NULL, 2, 0, 101, 0),"
		"(4, '0190aaaa-0000-7000-8000-000000000004', '0190aaaa-0000-7000-8000-00000000000a',"
		" 3, 'b/x', 'b', 'passed', 1, NULL, NULL, 1, NULL, 102, 0),"
		"(5, '0190aaaa-0000-7000-8000-000000000005', '0190aaaa-0000-7000-8000-00000000000a',"
		" 2, 'b', NULL, 'failed', 9, 'no', NULL, 1, 1, 103, 0);"
		"INSERT INTO attachments VALUES ('0190cccc-0000-7000-8000-00000000000c', "
		"'0190aaaa-0000-7000-8000-000000000004', 'shot.png', 'image/png', 3, x'010203', 1);";
	char *err = NULL;
	int rc = sqlite3_exec(db, rows, NULL, NULL, &err);
	if (rc)
		fail_msg("%s", err);
	sqlite3_close(db);
}

static void a_version_3_database_keeps_its_runs_and_results(void **state)
{
	struct fixture *fx = *state;
	if (testlib_pg())
		skip(); /* 0004 converts SQLite's own layout of results */
	store_close(fx->st);
	fx->st = NULL;
	char path[160];
	snprintf(path, sizeof(path), "%s/old.db", fx->dir);
	make_version_3_database(path);
	struct error e = ERROR_INIT;
	notices[0] = '\0';
	store_set_notice(keep_notice);
	assert_int_equal(store_open(path, &fx->st, &e), RC_OK);
	store_set_notice(NULL);
	assert_int_equal(store_schema_version(fx->st), newest_known_version());
	/* the upgrade is announced (it may take long), and its end */
	char *said = xasprintf("upgrading its schema from version 3 to %d\n",
			       newest_known_version());
	assert_non_null(strstr(notices, said));
	free(said);
	said = xasprintf("upgraded to schema version %d in ", newest_known_version());
	assert_non_null(strstr(notices, said));
	free(said);

	/* the first run's results, in their order, as they were */
	struct result_filter all = { .status = -1, .with_output = true };
	struct result *rs;
	size_t n;
	assert_int_equal(store_results_list(fx->st, "0190aaaa-0000-7000-8000-00000000000a", &all,
					    &rs, &n, &e),
			 RC_OK);
	assert_int_equal(n, 4);
	assert_string_equal(rs[0].id, "0190aaaa-0000-7000-8000-000000000001");
	assert_string_equal(rs[0].test, "a");
	assert_int_equal(rs[0].status, RS_FAILED);
	assert_string_equal(rs[0].message, "boom");
	assert_string_equal(rs[0].stdout_text, "out1");
	assert_true(rs[0].superseded);
	assert_int_equal(rs[0].exit_code, 1);
	assert_int_equal(rs[0].started_at, 100);
	assert_string_equal(rs[1].id, "0190aaaa-0000-7000-8000-000000000003");
	assert_int_equal(rs[1].attempt, 2);
	assert_false(rs[1].superseded);
	assert_string_equal(rs[2].test, "b/x");
	assert_string_equal(rs[2].parent, "b");
	assert_int_equal(rs[2].exit_code, -1);
	assert_string_equal(rs[3].test, "b");
	assert_null(rs[3].parent);
	assert_int_equal(rs[3].duration_ms, 9);
	assert_true(rs[0].seq < rs[1].seq && rs[1].seq < rs[2].seq && rs[2].seq < rs[3].seq);
	int64_t last_seq = rs[3].seq;
	store_results_free(rs, n);
	assert_int_equal(store_results_list(fx->st, "0190bbbb-0000-7000-8000-00000000000b", &all,
					    &rs, &n, &e),
			 RC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(rs[0].id, "0190bbbb-0000-7000-8000-000000000002");
	store_results_free(rs, n);

	/* a test's history spans both runs; the last status is the newest run's */
	struct test_stat *ts;
	struct test_filter tf = { .project = "demo" };
	assert_int_equal(store_tests_list(fx->st, &tf, &ts, &n, &e), RC_OK);
	assert_int_equal(n, 3);
	assert_string_equal(ts[0].name, "a");
	assert_int_equal(ts[0].results, 2);
	assert_int_equal(ts[0].avg_ms, 6); /* 5.5 */
	assert_int_equal(ts[0].last_status, RS_PASSED);
	assert_int_equal(ts[0].last_at, 101);
	assert_string_equal(ts[1].name, "b");
	assert_int_equal(ts[1].results, 2);
	assert_int_equal(ts[1].avg_ms, 8);
	assert_int_equal(ts[1].last_status, RS_PASSED);
	assert_int_equal(ts[1].last_at, 200);
	assert_int_equal(ts[2].results, 1);
	store_test_stats_free(ts, n);

	/* the attachment still belongs to its result */
	assert_int_equal(sql_int(path, "SELECT count(*) FROM attachments a JOIN results r "
				       "ON r.seq = a.result_seq WHERE r.test = 'b/x'"),
			 1);

	/* a retry added to the old open run follows its results, and takes
	 * over from the stored attempt */
	struct result more = result_of("0190bbbb-0000-7000-8000-00000000000b", "b", NULL,
				       RS_FAILED, 3);
	more.attempt = 0;
	assert_int_equal(store_results_insert(fx->st, &more, 1, &e), RC_OK);
	struct result_filter fin = { .status = -1, .final_only = true };
	assert_int_equal(store_results_list(fx->st, "0190bbbb-0000-7000-8000-00000000000b", &fin,
					    &rs, &n, &e),
			 RC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rs[0].attempt, 2);
	assert_int_equal(rs[0].status, RS_FAILED);
	assert_true(rs[0].seq > last_seq);
	store_results_free(rs, n);
	assert_int_equal(store_tests_list(fx->st, &tf, &ts, &n, &e), RC_OK);
	assert_int_equal(ts[1].results, 3);
	assert_int_equal(ts[1].avg_ms, 6); /* (7 + 9 + 3) / 3 */
	assert_int_equal(ts[1].last_status, RS_FAILED);
	store_test_stats_free(ts, n);
	assert_int_equal(sql_int(path, "SELECT n_passed * 10 + n_failed FROM test_runs "
				       "WHERE id = '0190bbbb-0000-7000-8000-00000000000b'"),
			 1);

	/* a new run is numbered after the old ones */
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	struct result first = result_of(id, "a", NULL, RS_PASSED, 1);
	assert_int_equal(store_results_insert(fx->st, &first, 1, &e), RC_OK);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM results"), 7);
	assert_int_equal(sql_int(path, "SELECT count(DISTINCT run_no) FROM test_runs"), 3);
}

static void a_database_from_a_newer_assay_is_refused(void **state)
{
	struct fixture *fx = *state;
	store_close(fx->st);
	fx->st = NULL;
	/* one past what this assay knows, whatever that is today */
	char insert[80], newer[40];
	snprintf(insert, sizeof(insert), "INSERT INTO schema_version VALUES (%d, 0)",
		 newest_known_version() + 1);
	snprintf(newer, sizeof(newer), "schema version %d", newest_known_version() + 1);
	sql_exec(fx->db, insert);
	struct error e = ERROR_INIT;
	assert_int_equal(store_open(fx->db, &fx->st, &e), RC_SCHEMA);
	assert_null(fx->st);
	/* named by its file, or by its name on the PostgreSQL server */
	assert_non_null(strstr(e.msg, testlib_pg() ? strrchr(fx->db, '/') + 1 : fx->path));
	assert_non_null(strstr(e.msg, newer));
	char known[64];
	snprintf(known, sizeof(known), "knows up to %d", newest_known_version());
	assert_non_null(strstr(e.msg, known));
	assert_non_null(strstr(e.msg, "upgrade assay"));
}

/* Ends every other session on the test's database (the store's), waiting
 * until they are gone, as a PostgreSQL restart or an administrator would. */
static void terminate_sessions(const char *db)
{
	/* OFFSET 0 keeps the filter apart: the planner may not evaluate
	 * pg_terminate_backend on this very session before the pid test. */
	PGresult *r = testlib_pg_exec(
		db, "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM (SELECT "
		    "pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
		    "pg_backend_pid() AND backend_type = 'client backend' OFFSET 0) AS others");
	assert_string_equal(PQgetvalue(r, 0, 0), "1");
	PQclear(r);
}

static void a_dropped_connection_is_reset_between_transactions_only(void **state)
{
	struct fixture *fx = *state;
	if (!testlib_pg())
		skip(); /* a matter of connections to a server */
	struct error e = ERROR_INIT;
	struct run r, got;
	full_run(&r, "demo", 1700000000000);
	assert_int_equal(store_run_insert(fx->st, &r, &e), RC_OK);

	/* Between transactions: the statement reaches a new session. */
	terminate_sessions(fx->db);
	assert_int_equal(store_run_get(fx->st, r.id, &got, &e), RC_OK);
	run_release(&got);
	terminate_sessions(fx->db);
	assert_int_equal(store_begin(fx->st, &e), RC_OK);
	r.total = 13;
	assert_int_equal(store_run_update(fx->st, &r, &e), RC_OK);
	assert_int_equal(store_commit(fx->st, &e), RC_OK);

	/* Inside one: the transaction is lost with its session; the statement
	 * fails rather than run alone on a new one, and nothing is written. */
	assert_int_equal(store_begin(fx->st, &e), RC_OK);
	r.total = 14;
	assert_int_equal(store_run_update(fx->st, &r, &e), RC_OK);
	terminate_sessions(fx->db);
	r.total = 15;
	assert_int_equal(store_run_update(fx->st, &r, &e), RC_STORE);
	store_rollback(fx->st);
	/* The next one resets the connection. */
	assert_int_equal(store_run_get(fx->st, r.id, &got, &e), RC_OK);
	assert_int_equal(got.total, 13);
	run_release(&got);
	run_release(&r);
}

static void a_file_that_is_not_a_database_is_refused_by_name(void **state)
{
	struct fixture *fx = *state;
	if (testlib_pg())
		skip(); /* a matter of SQLite files */
	char junk[160];
	snprintf(junk, sizeof(junk), "%s/notes.txt", fx->dir);
	FILE *f = fopen(junk, "w");
	assert_non_null(f);
	for (int i = 0; i < 100; i++)
		fputs("this is not an SQLite database, just some notes\n", f);
	fclose(f);
	struct store *st = NULL;
	struct error e = ERROR_INIT;
	assert_int_equal(store_open(junk, &st, &e), RC_STORE);
	assert_null(st);
	assert_non_null(strstr(e.msg, junk));
}

static void urls_choose_the_backend(void **state)
{
	struct fixture *fx = *state;
	struct store *st = NULL;
	struct error e = ERROR_INIT;
	char url[200];
	snprintf(url, sizeof(url), "sqlite:%s", fx->path);
	assert_int_equal(store_open(url, &st, &e), RC_OK);
	assert_int_equal(store_schema_version(st), newest_version_of(false));
	store_close(st);
	/* PostgreSQL is tried (nothing listens on port 1), and the password
	 * in the URL is not echoed in the error. */
	assert_int_equal(store_open("postgresql://u:secret@127.0.0.1:1/assay", &st, &e), RC_STORE);
	assert_non_null(strstr(e.msg, "connecting to PostgreSQL"));
	assert_null(strstr(e.msg, "secret"));
	assert_int_equal(store_open("postgres://u:secret@127.0.0.1:1/assay", &st, &e), RC_STORE);
	assert_null(strstr(e.msg, "secret"));
	/* libpq would quote a badly encoded part of the URL: refused unquoted */
	assert_int_equal(store_open("postgresql://u:se%zzcret@127.0.0.1:1/assay", &st, &e),
			 RC_USAGE);
	assert_null(strstr(e.msg, "zzcret"));
	char shown[200];
	store_url_display("postgresql://u:secret@db:5432/assay?password=x", shown, sizeof(shown));
	assert_string_equal(shown, "postgresql://u:***@db:5432/assay");
	store_url_display("postgres://db/assay", shown, sizeof(shown));
	assert_string_equal(shown, "postgres://db/assay");
	store_url_display("a/b.db", shown, sizeof(shown));
	assert_string_equal(shown, "a/b.db");
	assert_int_equal(store_open("mysql://db/assay", &st, &e), RC_USAGE);
	assert_non_null(strstr(e.msg, "'mysql'"));
	assert_null(st);
}

static void a_run_round_trips_every_field(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	struct run r, got;
	full_run(&r, "demo", 1700000000000);
	assert_int_equal(store_run_insert(fx->st, &r, &e), RC_OK);
	assert_int_equal(store_run_get(fx->st, r.id, &got, &e), RC_OK);
	assert_string_equal(got.id, r.id);
	assert_string_equal(got.project, "demo");
	assert_string_equal(got.definition, "unit all");
	assert_string_equal(got.title, "nightly");
	assert_string_equal(got.description, "the nightly run");
	assert_string_equal(got.environment, "ci");
	assert_string_equal(got.triggered_by, "jenkins");
	assert_string_equal(got.milestone, "1.0");
	assert_string_equal(got.pool, "linux-x64");
	assert_string_equal(got.context_json, "{\"build_dir\":\"build\"}");
	assert_int_equal(got.lifecycle, LC_QUEUED);
	assert_int_equal(got.verdict, V_RUNNING);
	assert_int_equal(got.created_at, 1700000000000);
	assert_int_equal(got.started_at, 1700000000001);
	assert_int_equal(got.completed_at, 0);
	assert_int_equal(got.total, 12);
	assert_string_equal(got.host, "box1");
	assert_int_equal(got.pid, 4242);
	assert_int_equal(got.pid_start, 987654);
	assert_null(got.reason);
	for (int i = 0; i < RS__COUNT; i++)
		assert_int_equal(got.counts[i] + got.sub_counts[i], 0);
	run_release(&got);

	/* the mutable fields */
	free(r.title);
	r.title = xstrdup("nightly, retitled");
	free(r.description);
	r.description = NULL;
	r.lifecycle = LC_FAILED;
	r.verdict = V_ERROR;
	r.completed_at = 1700000005000;
	r.duration_ms = 4999;
	r.total = 13;
	r.reason = xstrdup("worker lost");
	r.pid = 0;
	r.pid_start = 0;
	free(r.host);
	r.host = xstrdup("box2");
	r.counts[RS_PASSED] = 99; /* not written by an update */
	assert_int_equal(store_run_update(fx->st, &r, &e), RC_OK);
	assert_int_equal(store_run_get(fx->st, r.id, &got, &e), RC_OK);
	assert_string_equal(got.title, "nightly, retitled");
	assert_null(got.description);
	assert_int_equal(got.lifecycle, LC_FAILED);
	assert_int_equal(got.verdict, V_ERROR);
	assert_int_equal(got.completed_at, 1700000005000);
	assert_int_equal(got.duration_ms, 4999);
	assert_int_equal(got.total, 13);
	assert_string_equal(got.reason, "worker lost");
	assert_int_equal(got.pid, 0);
	assert_int_equal(got.pid_start, 0);
	assert_string_equal(got.host, "box2");
	assert_int_equal(got.counts[RS_PASSED], 0);
	assert_string_equal(got.environment, "ci"); /* immutable fields stay */
	run_release(&got);
	assert_int_equal(sql_int(fx->db, "SELECT lifecycle_code FROM test_runs"), 99);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM test_runs WHERE status = 'error'"
					   " AND lifecycle = 'failed'"),
			 1);

	/* the same id twice, and ids that do not exist */
	assert_int_equal(store_run_insert(fx->st, &r, &e), RC_EXISTS);
	memcpy(r.id, "0190ffff-0000-7000-8000-000000000000", UUID_STR_LEN);
	assert_int_equal(store_run_update(fx->st, &r, &e), RC_NOTFOUND);
	assert_int_equal(store_run_get(fx->st, r.id, &got, &e), RC_NOTFOUND);
	assert_non_null(strstr(e.msg, r.id));
	run_release(&r);
}

static void a_run_without_project_or_creation_time_gets_defaults(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	struct run r, got;
	memset(&r, 0, sizeof(r));
	uuid7_new(r.id, 0);
	int64_t before = time_now_ms();
	assert_int_equal(store_run_insert(fx->st, &r, &e), RC_OK);
	assert_int_equal(store_run_get(fx->st, r.id, &got, &e), RC_OK);
	assert_string_equal(got.project, "default");
	assert_true(got.created_at >= before);
	assert_null(got.title);
	run_release(&got);
}

static void events_come_back_oldest_first(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_QUEUED, id);
	assert_int_equal(store_run_event_add(fx->st, id, LC_QUEUED, 1000, NULL, &e), RC_OK);
	assert_int_equal(store_run_event_add(fx->st, id, LC_INITIALIZING, 2000, "on box1", &e),
			 RC_OK);
	/* two transitions in the same millisecond keep the order they were recorded in */
	assert_int_equal(store_run_event_add(fx->st, id, LC_INITIALIZED, 2000, NULL, &e), RC_OK);
	assert_int_equal(store_run_event_add(fx->st, id, LC_IN_PROGRESS, 2000, NULL, &e), RC_OK);
	assert_int_equal(store_run_event_add(fx->st, id, LC_COMPLETED, 3000, "done", &e), RC_OK);
	struct run_event *ev;
	size_t n;
	assert_int_equal(store_run_events(fx->st, id, &ev, &n, &e), RC_OK);
	assert_int_equal(n, 5);
	enum lifecycle want[] = { LC_QUEUED, LC_INITIALIZING, LC_INITIALIZED, LC_IN_PROGRESS,
				  LC_COMPLETED };
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ev[i].lifecycle, want[i]);
	assert_null(ev[0].message);
	assert_string_equal(ev[1].message, "on box1");
	assert_int_equal(ev[1].at, 2000);
	assert_string_equal(ev[4].message, "done");
	run_events_free(ev, n);

	assert_int_equal(store_run_event_add(fx->st, "0190ffff-0000-7000-8000-000000000000",
					     LC_QUEUED, 1, NULL, &e),
			 RC_NOTFOUND);
	assert_int_equal(store_run_event_add(fx->st, id, (enum lifecycle)42, 1, NULL, &e), RC_USAGE);
}

/* Suites' own output: kept per run in recording order, listed with sizes
 * and without texts, read by suite, refused for an unknown run, and gone
 * with its run. */
static void suite_outputs_are_kept_per_run(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN], other[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_COMPLETED, id);
	add_run(fx->st, "demo", 2000, "ci", LC_COMPLETED, other);
	struct suite_output in[] = {
		{ .suite = "com.acme.CartTest", .stdout_text = "set up\n", .stderr_text = "warn\xc3\xa9" },
		{ .suite = "", .stdout_text = "top level" },
		{ .suite = "empty" }, /* neither text: not stored */
		{ .suite = "com.acme.CartTest", .stderr_text = "again" },
	};
	assert_int_equal(store_suite_outputs_add(fx->st, id, in, ARRAY_SIZE(in), &e), RC_OK);
	assert_int_equal(store_suite_outputs_add(fx->st, other, in + 1, 1, &e), RC_OK);
	struct suite_output *o;
	size_t n;
	assert_int_equal(store_suite_outputs(fx->st, id, NULL, false, &o, &n, &e), RC_OK);
	assert_int_equal(n, 3);
	assert_string_equal(o[0].suite, "com.acme.CartTest");
	assert_null(o[0].stdout_text);
	assert_int_equal(o[0].stdout_bytes, 7);
	assert_int_equal(o[0].stderr_bytes, 6); /* bytes, not characters */
	assert_string_equal(o[1].suite, "");
	assert_int_equal(o[1].stdout_bytes, 9);
	assert_int_equal(o[1].stderr_bytes, 0);
	assert_string_equal(o[2].suite, "com.acme.CartTest");
	suite_outputs_free(o, n);

	assert_int_equal(store_suite_outputs(fx->st, id, "com.acme.CartTest", true, &o, &n, &e),
			 RC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(o[0].stdout_text, "set up\n");
	assert_string_equal(o[0].stderr_text, "warn\xc3\xa9");
	assert_null(o[1].stdout_text);
	assert_string_equal(o[1].stderr_text, "again");
	suite_outputs_free(o, n);
	assert_int_equal(store_suite_outputs(fx->st, id, "", true, &o, &n, &e), RC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(o[0].stdout_text, "top level");
	suite_outputs_free(o, n);

	const char *nobody = "0190ffff-0000-7000-8000-000000000000";
	assert_int_equal(store_suite_outputs_add(fx->st, nobody, in, 1, &e), RC_NOTFOUND);
	assert_int_equal(store_suite_outputs(fx->st, nobody, NULL, true, &o, &n, &e), RC_OK);
	assert_int_equal(n, 0);
	struct suite_output unnamed = { .stdout_text = "x" };
	assert_int_equal(store_suite_outputs_add(fx->st, id, &unnamed, 1, &e), RC_USAGE);

	int64_t deleted = 0;
	assert_int_equal(store_runs_delete(fx->st, &id, 1, &deleted, &e),
			 RC_OK);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM suite_outputs"), 1);
}

/* A batch longer than one multi-row INSERT, with a retry whose earlier
 * attempt is still waiting in the same group of rows: every row lands, in
 * order, and the retry supersedes the attempt before it. */
static void a_long_batch_keeps_order_and_retries(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	enum { N = 40 };
	struct result rs[N];
	char names[N][16];
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "t%02d", i);
		rs[i] = result_of(id, names[i], NULL, RS_PASSED, i);
	}
	/* t03 fails, then is run again at position 7 and 35 (attempt 0 = next) */
	rs[3].status = RS_FAILED;
	snprintf(names[7], sizeof(names[7]), "t03");
	rs[7].attempt = 0;
	rs[7].status = RS_FAILED;
	snprintf(names[35], sizeof(names[35]), "t03");
	rs[35].attempt = 0;
	assert_int_equal(store_results_insert(fx->st, rs, N, &e), RC_OK);
	struct result_filter all = { .status = -1 };
	struct result *got;
	size_t n;
	assert_int_equal(store_results_list(fx->st, id, &all, &got, &n, &e), RC_OK);
	assert_int_equal(n, N);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(got[i].test, names[i]);
		assert_int_equal(got[i].duration_ms, (int64_t)i);
		if (i)
			assert_true(got[i].seq > got[i - 1].seq);
	}
	assert_int_equal(got[3].attempt, 1);
	assert_true(got[3].superseded);
	assert_int_equal(got[7].attempt, 2);
	assert_true(got[7].superseded);
	assert_int_equal(got[35].attempt, 3);
	assert_false(got[35].superseded);
	store_results_free(got, n);
	/* 38 tests, all finally passed; t03 counted once, as flaky */
	assert_int_equal(sql_int(fx->db, "SELECT n_passed * 1000 + n_failed * 10 + n_flaky "
					   "FROM test_runs"),
			 38001);
}

/* Texts that are special in a PostgreSQL array literal (where that backend
 * sends a batch's rows, 1,000 to a statement) come back as they went, in
 * a batch longer than one statement, with empty and absent texts apart. */
static void awkward_texts_come_back_as_they_went(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	static const char *texts[] = { "NULL", "", "a \"quoted\" word", "back\\slash\\",
				       "{braces}, commas", "line\nbreak\ttab", "\"{\\\"NULL\\\"}\"",
				       "caf\xc3\xa9 \xe2\x9c\x93" };
	enum { N = 2500, K = ARRAY_SIZE(texts) };
	struct result *rs = xcalloc(N, sizeof(*rs));
	char(*names)[32] = xcalloc(N, sizeof(*names));
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "%s%d", i % K == 4 ? "{x,\"y\"}/" : "t", i);
		rs[i] = result_of(id, names[i], NULL, i % 3 ? RS_PASSED : RS_FAILED, i);
		rs[i].message = (char *)texts[i % K];
		rs[i].stdout_text = i % 2 ? (char *)texts[(i + 1) % K] : NULL;
		rs[i].stderr_text = (char *)texts[(i + 2) % K];
		rs[i].exit_code = i % 5 ? i : -1;
		rs[i].started_at = i % 4 ? 1000 + i : 0;
	}
	assert_int_equal(store_results_insert(fx->st, rs, N, &e), RC_OK);
	struct result_filter all = { .status = -1, .with_output = true };
	struct result *got;
	size_t n;
	assert_int_equal(store_results_list(fx->st, id, &all, &got, &n, &e), RC_OK);
	assert_int_equal(n, N);
	for (int i = 0; i < N; i++) {
		assert_string_equal(got[i].test, names[i]);
		assert_int_equal(got[i].status, rs[i].status);
		assert_int_equal(got[i].duration_ms, i);
		/* an empty message is no message on both backends, or itself */
		if (*texts[i % K])
			assert_string_equal(got[i].message, texts[i % K]);
		else
			assert_true(!got[i].message || !*got[i].message);
		if (i % 2)
			assert_string_equal(got[i].stdout_text ? got[i].stdout_text : "",
					    texts[(i + 1) % K]);
		else
			assert_null(got[i].stdout_text);
		assert_int_equal(got[i].exit_code, i % 5 ? i : -1);
		assert_int_equal(got[i].started_at, i % 4 ? 1000 + i : 0);
	}
	store_results_free(got, n);
	free(names);
	free(rs);
}

static void results_insert_in_order_and_keep_the_counters(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	struct result rs[] = {
		result_of(id, "parse.basic", NULL, RS_PASSED, 10),
		result_of(id, "query.tap", NULL, RS_FAILED, 20),
		result_of(id, "query.tap/1 select", "query.tap", RS_PASSED, 0),
		result_of(id, "query.tap/2 join", "query.tap", RS_FAILED, 0),
		result_of(id, "query.tap/3 index", "query.tap", RS_SKIPPED, 0),
	};
	rs[1].message = "2 of 3 failed";
	rs[1].stdout_text = "ok 1\nnot ok 2\n";
	rs[1].stderr_text = "warning\n";
	rs[1].stdout_dropped = 7;
	rs[1].stderr_dropped = 3;
	rs[1].exit_code = 1;
	rs[1].attempt = 2;
	rs[1].started_at = 5000;
	rs[1].completed_at = 5020;
	memcpy(rs[0].id, "0190aaaa-0000-7000-8000-000000000001", UUID_STR_LEN);
	assert_int_equal(store_results_insert(fx->st, rs, ARRAY_SIZE(rs), &e), RC_OK);
	/* a second batch adds to the counters */
	struct result more = result_of(id, "parse.extra", NULL, RS_PASSED, 5);
	assert_int_equal(store_results_insert(fx->st, &more, 1, &e), RC_OK);

	struct run got;
	assert_int_equal(store_run_get(fx->st, id, &got, &e), RC_OK);
	assert_int_equal(got.counts[RS_PASSED], 2);
	assert_int_equal(got.counts[RS_FAILED], 1);
	assert_int_equal(got.counts[RS_SKIPPED], 0);
	assert_int_equal(got.sub_counts[RS_PASSED], 1);
	assert_int_equal(got.sub_counts[RS_FAILED], 1);
	assert_int_equal(got.sub_counts[RS_SKIPPED], 1);
	run_release(&got);

	struct result *out;
	size_t n;
	struct result_filter all = { .status = -1, .with_output = true };
	assert_int_equal(store_results_list(fx->st, id, &all, &out, &n, &e), RC_OK);
	assert_int_equal(n, 6);
	const char *order[] = { "parse.basic", "query.tap", "query.tap/1 select",
				"query.tap/2 join", "query.tap/3 index", "parse.extra" };
	for (size_t i = 0; i < n; i++)
		assert_string_equal(out[i].test, order[i]);
	assert_string_equal(out[0].id, "0190aaaa-0000-7000-8000-000000000001");
	assert_int_equal(strlen(out[1].id), 36); /* made by the store */
	assert_string_equal(out[1].run_id, id);
	assert_null(out[1].parent);
	assert_int_equal(out[1].status, RS_FAILED);
	assert_int_equal(out[1].duration_ms, 20);
	assert_string_equal(out[1].message, "2 of 3 failed");
	assert_string_equal(out[1].stdout_text, "ok 1\nnot ok 2\n");
	assert_string_equal(out[1].stderr_text, "warning\n");
	assert_int_equal(out[1].stdout_dropped, 7);
	assert_int_equal(out[1].stderr_dropped, 3);
	assert_int_equal(out[1].exit_code, 1);
	assert_int_equal(out[1].attempt, 2);
	assert_int_equal(out[1].started_at, 5000);
	assert_int_equal(out[1].completed_at, 5020);
	assert_int_equal(out[0].exit_code, -1);
	assert_string_equal(out[3].parent, "query.tap");
	store_results_free(out, n);

	/* filters, and output left out unless asked for */
	struct result_filter top = { .status = -1, .top_level = true };
	assert_int_equal(store_results_list(fx->st, id, &top, &out, &n, &e), RC_OK);
	assert_int_equal(n, 3);
	assert_null(out[1].stdout_text);
	assert_int_equal(out[1].stdout_dropped, 7);
	store_results_free(out, n);
	struct result_filter failed = { .status = RS_FAILED };
	assert_int_equal(store_results_list(fx->st, id, &failed, &out, &n, &e), RC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(out[1].test, "query.tap/2 join");
	store_results_free(out, n);
	struct result_filter one = { .status = -1, .test = "parse.extra" };
	assert_int_equal(store_results_list(fx->st, id, &one, &out, &n, &e), RC_OK);
	assert_int_equal(n, 1);
	store_results_free(out, n);

	/* sub-results are tests of their own, with their parent */
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM tests"), 6);
	assert_int_equal(
		sql_int(fx->db, "SELECT count(*) FROM tests WHERE parent = 'query.tap'"), 3);
}

static void a_batch_with_a_bad_item_writes_nothing(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	struct result first = result_of(id, "a", NULL, RS_PASSED, 1);
	assert_int_equal(store_results_insert(fx->st, &first, 1, &e), RC_OK);

	struct result rs[] = {
		result_of(id, "b", NULL, RS_PASSED, 1),
		result_of(id, "c", NULL, RS_FAILED, 1),
		result_of("0190ffff-0000-7000-8000-000000000000", "d.orphan", NULL, RS_PASSED, 1),
	};
	assert_int_equal(store_results_insert(fx->st, rs, ARRAY_SIZE(rs), &e), RC_NOTFOUND);
	assert_non_null(strstr(e.msg, "d.orphan"));
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM results"), 1);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM tests"), 1);
	assert_int_equal(sql_int(fx->db, "SELECT n_passed + n_failed FROM test_runs"), 1);

	/* a constraint failing on the database side rolls back the same way */
	struct result dup[] = {
		result_of(id, "b", NULL, RS_PASSED, 1),
		result_of(id, "c", NULL, RS_PASSED, 1),
	};
	memcpy(dup[0].id, "0190aaaa-0000-7000-8000-000000000001", UUID_STR_LEN);
	memcpy(dup[1].id, dup[0].id, UUID_STR_LEN);
	assert_int_equal(store_results_insert(fx->st, dup, 2, &e), RC_STORE);
	/* the row, or on PostgreSQL the last row of the INSERT that failed */
	assert_true(strstr(e.msg, "inserting result 'c'") || strstr(e.msg, "inserting results up to 'c'"));
	assert_true(strstr(e.msg, "UNIQUE") || strstr(e.msg, "unique")); /* SQLite, PostgreSQL */
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM results"), 1);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM tests"), 1);
	assert_int_equal(sql_int(fx->db, "SELECT n_passed FROM test_runs"), 1);

	/* the tests the failed batches made are not remembered as existing */
	assert_int_equal(store_results_insert(fx->st, rs, 2, &e), RC_OK);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM tests"), 3);
	assert_int_equal(sql_int(fx->db, "SELECT n_passed * 10 + n_failed FROM test_runs"), 21);

	/* items are checked before anything is locked */
	struct result bad = result_of(id, "e", NULL, (enum result_status)77, 1);
	assert_int_equal(store_results_insert(fx->st, &bad, 1, &e), RC_USAGE);
	bad = result_of(id, "", NULL, RS_PASSED, 1);
	assert_int_equal(store_results_insert(fx->st, &bad, 1, &e), RC_USAGE);
}

static void two_thousand_results_insert_in_one_batch(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	enum { N = 2000 };
	struct result *rs = xcalloc(N, sizeof(*rs));
	char(*names)[32] = xcalloc(N, sizeof(*names));
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "suite.test_%04d", i);
		rs[i] = result_of(id, names[i], NULL, i % 10 ? RS_PASSED : RS_FAILED, i);
	}
	int64_t t0 = time_mono_ns();
	assert_int_equal(store_results_insert(fx->st, rs, N, &e), RC_OK);
	int64_t t1 = time_mono_ns();
	/* the second run of the same tests finds every test in the cache */
	assert_int_equal(store_results_insert(fx->st, rs, N, &e), RC_OK);
	int64_t t2 = time_mono_ns();
	print_message("2000 results: %.1f ms with new tests, %.1f ms with known tests\n",
		      (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6);
	struct run got;
	assert_int_equal(store_run_get(fx->st, id, &got, &e), RC_OK);
	assert_int_equal(got.counts[RS_PASSED], 2 * 1800);
	assert_int_equal(got.counts[RS_FAILED], 2 * 200);
	run_release(&got);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM tests"), N);
	free(rs);
	free(names);
}

static void resolve_finds_last_prefixes_and_reports_ambiguity(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	static const char *const ids[] = {
		"0190aaaa-0000-7000-8000-000000000001",
		"0190aaab-0000-7000-8000-000000000002",
		"0190bbbb-0000-7000-8000-000000000003",
	};
	for (int i = 0; i < 3; i++) {
		struct run r;
		full_run(&r, "demo", 1000 + i);
		memcpy(r.id, ids[i], UUID_STR_LEN);
		assert_int_equal(store_run_insert(fx->st, &r, &e), RC_OK);
		run_release(&r);
	}
	char id[UUID_STR_LEN];
	assert_int_equal(store_run_resolve(fx->st, "last", id, &e), RC_OK);
	assert_string_equal(id, ids[2]);
	assert_int_equal(store_run_resolve(fx->st, "last~1", id, &e), RC_OK);
	assert_string_equal(id, ids[1]);
	assert_int_equal(store_run_resolve(fx->st, "last~2", id, &e), RC_OK);
	assert_string_equal(id, ids[0]);
	assert_int_equal(store_run_resolve(fx->st, "last~3", id, &e), RC_NOTFOUND);
	assert_int_equal(store_run_resolve(fx->st, "last~x", id, &e), RC_USAGE);
	assert_int_equal(store_run_resolve(fx->st, ids[1], id, &e), RC_OK);
	assert_string_equal(id, ids[1]);
	assert_int_equal(store_run_resolve(fx->st, "0190b", id, &e), RC_OK);
	assert_string_equal(id, ids[2]);
	assert_int_equal(store_run_resolve(fx->st, "0190AAAB", id, &e), RC_OK);
	assert_string_equal(id, ids[1]);
	assert_int_equal(store_run_resolve(fx->st, "0190aaa", id, &e), RC_USAGE);
	assert_non_null(strstr(e.msg, ids[0]));
	assert_non_null(strstr(e.msg, ids[1]));
	assert_int_equal(store_run_resolve(fx->st, "ffff", id, &e), RC_NOTFOUND);
	assert_non_null(strstr(e.msg, "no run named 'ffff'"));
	assert_int_equal(store_run_resolve(fx->st, "019", id, &e), RC_NOTFOUND);
	assert_int_equal(store_run_resolve(fx->st, "nightly", id, &e), RC_NOTFOUND);
}

static void resolve_last_in_an_empty_database_is_not_found(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	assert_int_equal(store_run_resolve(fx->st, "last", id, &e), RC_NOTFOUND);
}

/* True when `runs` are exactly the runs with `ids`, in that order. */
static void assert_runs(const struct run *runs, size_t n, const char *const *ids, size_t m)
{
	assert_int_equal(n, m);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(runs[i].id, ids[i]);
}

static void listing_filters_runs_newest_first(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char a[UUID_STR_LEN], b[UUID_STR_LEN], c[UUID_STR_LEN], d[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_COMPLETED, a);
	add_run(fx->st, "demo", 2000, "local", LC_COMPLETED_FAILURES, b);
	add_run(fx->st, "demo", 3000, "ci", LC_IN_PROGRESS, c);
	add_run(fx->st, "other", 4000, "ci", LC_QUEUED, d);
	struct run *runs;
	size_t n;

	assert_int_equal(store_runs_list(fx->st, &(struct run_filter){ 0 }, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ d, c, b, a }, 4);
	assert_int_equal(runs[1].lifecycle, LC_IN_PROGRESS);
	assert_string_equal(runs[0].project, "other");
	store_runs_free(runs, n);

	struct run_filter f = { .verdict = "passed" };
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ a }, 1);
	store_runs_free(runs, n);

	f = (struct run_filter){ .verdict = "running" };
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ d, c }, 2);
	store_runs_free(runs, n);

	f = (struct run_filter){ .environment = "ci" };
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ d, c, a }, 3);
	store_runs_free(runs, n);

	f = (struct run_filter){ .since = 2000, .until = 4000 };
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ c, b }, 2);
	store_runs_free(runs, n);

	f = (struct run_filter){ .limit = 2 };
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ d, c }, 2);
	store_runs_free(runs, n);

	f = (struct run_filter){ .unfinished = true, .project = "demo" };
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ c }, 1);
	store_runs_free(runs, n);

	f = (struct run_filter){ .environment = "ci", .verdict = "FAILED" };
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_int_equal(n, 0);
	store_runs_free(runs, n);

	f = (struct run_filter){ .verdict = "green" };
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_USAGE);
	assert_non_null(strstr(e.msg, "green"));
}

/* Collects store_test_durations' callbacks as "name=avg;" */
static void collect_duration(void *ctx, const char *name, int64_t avg_ms)
{
	char *s = ctx;
	size_t len = strlen(s);
	snprintf(s + len, 256 - len, "%s=%lld;", name, (long long)avg_ms);
}

static void test_durations_average_timed_results_per_test(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char r1[UUID_STR_LEN], r2[UUID_STR_LEN], other[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_COMPLETED, r1);
	add_run(fx->st, "demo", 2000, "ci", LC_COMPLETED, r2);
	add_run(fx->st, "other", 3000, "ci", LC_COMPLETED, other);
	struct result rs[] = {
		result_of(r1, "a", NULL, RS_PASSED, 100),
		result_of(r2, "a", NULL, RS_FAILED, 301),
		result_of(r1, "b", NULL, RS_SKIPPED, 10),
		result_of(r2, "b", NULL, RS_BLOCKED, 9999), /* never ran: not a timing */
		result_of(r1, "c", NULL, RS_BLOCKED, 5),
		result_of(r2, "d", NULL, RS_ERROR, 7),
		result_of(other, "a", NULL, RS_PASSED, 5000),
	};
	rs[0].started_at = 1100;
	rs[1].started_at = 2100;
	assert_int_equal(store_results_insert(fx->st, rs, ARRAY_SIZE(rs), &e), RC_OK);

	char got[256] = "";
	assert_int_equal(store_test_durations(fx->st, "demo", collect_duration, got, &e), RC_OK);
	/* order is not part of the contract: check each */
	assert_non_null(strstr(got, "a=201;"));
	assert_non_null(strstr(got, "b=10;"));
	assert_non_null(strstr(got, "d=7;"));
	assert_null(strstr(got, "c="));
	assert_int_equal(strlen(got), strlen("a=201;b=10;d=7;"));

	struct test_stat *ts;
	size_t n;
	struct test_filter f = { .project = "demo" };
	assert_int_equal(store_tests_list(fx->st, &f, &ts, &n, &e), RC_OK);
	assert_int_equal(n, 4);
	assert_string_equal(ts[0].name, "a");
	assert_int_equal(ts[0].results, 2);
	assert_int_equal(ts[0].avg_ms, 201);
	assert_int_equal(ts[0].last_status, RS_FAILED);
	assert_int_equal(ts[0].last_at, 2100);
	assert_string_equal(ts[1].name, "b");
	assert_int_equal(ts[1].avg_ms, 10);
	assert_string_equal(ts[2].name, "c");
	assert_int_equal(ts[2].results, 1);
	assert_int_equal(ts[2].avg_ms, 0);
	assert_int_equal(ts[2].last_status, RS_BLOCKED);
	assert_int_equal(ts[2].last_at, 0);
	store_test_stats_free(ts, n);
	f.project = NULL;
	assert_int_equal(store_tests_list(fx->st, &f, &ts, &n, &e), RC_OK);
	assert_int_equal(n, 5);
	store_test_stats_free(ts, n);
	f.project = "nope";
	assert_int_equal(store_tests_list(fx->st, &f, &ts, &n, &e), RC_OK);
	assert_int_equal(n, 0);
	store_test_stats_free(ts, n);

	/* Pages of 2 over the 5 tests of both projects: project by project
	 * (as they were made), then by name; each test once, with its
	 * project, and the same figures as on one page. */
	f = (struct test_filter){ .limit = 2 };
	const char *want[] = { "demo/a", "demo/b", "demo/c", "demo/d", "other/a" };
	int64_t results[] = { 2, 2, 1, 1, 1 };
	size_t seen = 0, pages = 0;
	do {
		assert_int_equal(store_tests_list(fx->st, &f, &ts, &n, &e), RC_OK);
		assert_true(n <= 2);
		for (size_t i = 0; i < n; i++, seen++) {
			assert_true(seen < ARRAY_SIZE(want));
			char *got_name = xasprintf("%s/%s", ts[i].project, ts[i].name);
			assert_string_equal(got_name, want[seen]);
			free(got_name);
			assert_int_equal(ts[i].results, results[seen]);
		}
		if (n)
			f.after_id = ts[n - 1].id;
		store_test_stats_free(ts, n);
		pages++;
	} while (n == 2);
	assert_int_equal(seen, 5);
	assert_int_equal(pages, 3);

	/* and within one project: pages of 3, then 1 */
	f = (struct test_filter){ .project = "demo", .limit = 3 };
	assert_int_equal(store_tests_list(fx->st, &f, &ts, &n, &e), RC_OK);
	assert_int_equal(n, 3);
	assert_string_equal(ts[2].name, "c");
	f.after_id = ts[2].id;
	store_test_stats_free(ts, n);
	assert_int_equal(store_tests_list(fx->st, &f, &ts, &n, &e), RC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ts[0].name, "d");
	assert_string_equal(ts[0].project, "demo");
	store_test_stats_free(ts, n);

	/* A newest result without a start (blocked) is the last one all the
	 * same, on both backends: its status, and no time of an older one. */
	char r3[UUID_STR_LEN];
	add_run(fx->st, "demo", 4000, "ci", LC_COMPLETED, r3);
	struct result late = result_of(r3, "a", NULL, RS_BLOCKED, 0);
	assert_int_equal(store_results_insert(fx->st, &late, 1, &e), RC_OK);
	f = (struct test_filter){ .project = "demo", .limit = 1 };
	assert_int_equal(store_tests_list(fx->st, &f, &ts, &n, &e), RC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ts[0].name, "a");
	assert_int_equal(ts[0].results, 3);
	assert_int_equal(ts[0].avg_ms, 201);
	assert_int_equal(ts[0].last_status, RS_BLOCKED);
	assert_int_equal(ts[0].last_at, 0);
	store_test_stats_free(ts, n);
}

/* store_begin_whole: its parts take no savepoints of their own, so after
 * one fails the transaction can only be rolled back, parts that went well
 * with it; a plain transaction afterwards undoes a failed part alone. */
static void a_whole_transaction_with_a_failed_part_is_only_rolled_back(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	struct result a = result_of(id, "a", NULL, RS_PASSED, 1);
	struct result b = result_of(id, "b", NULL, RS_PASSED, 1);
	struct result orphan =
		result_of("0190ffff-0000-7000-8000-000000000000", "c", NULL, RS_PASSED, 1);

	assert_int_equal(store_begin_whole(fx->st, &e), RC_OK);
	assert_int_equal(store_results_insert(fx->st, &a, 1, &e), RC_OK);
	assert_int_equal(store_commit(fx->st, &e), RC_OK);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM results"), 1);

	assert_int_equal(store_begin_whole(fx->st, &e), RC_OK);
	assert_int_equal(store_results_insert(fx->st, &b, 1, &e), RC_OK);
	assert_int_equal(store_results_insert(fx->st, &orphan, 1, &e), RC_NOTFOUND);
	assert_int_equal(store_commit(fx->st, &e), RC_STORE);
	assert_non_null(strstr(e.msg, "can only be rolled back"));
	store_rollback(fx->st);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM results"), 1);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM tests"), 1);
	assert_int_equal(sql_int(fx->db, "SELECT n_passed FROM test_runs"), 1);

	assert_int_equal(store_begin(fx->st, &e), RC_OK);
	assert_int_equal(store_results_insert(fx->st, &b, 1, &e), RC_OK);
	assert_int_equal(store_results_insert(fx->st, &orphan, 1, &e), RC_NOTFOUND);
	assert_int_equal(store_commit(fx->st, &e), RC_OK);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM results"), 2);
	assert_int_equal(sql_int(fx->db, "SELECT n_passed FROM test_runs"), 2);
}

/* The first test's figures in `project`'s listing, by name. */
static void expect_test(struct store *st, const char *name, int64_t results, int64_t avg_ms,
			enum result_status last, int64_t last_at)
{
	struct error e = ERROR_INIT;
	struct test_stat *ts;
	size_t n;
	struct test_filter f = { .project = "demo" };
	assert_int_equal(store_tests_list(st, &f, &ts, &n, &e), RC_OK);
	size_t i = 0;
	while (i < n && strcmp(ts[i].name, name))
		i++;
	assert_true(i < n);
	assert_int_equal(ts[i].results, results);
	assert_int_equal(ts[i].avg_ms, avg_ms);
	assert_int_equal(ts[i].last_status, last);
	assert_int_equal(ts[i].last_at, last_at);
	store_test_stats_free(ts, n);
}

/* Pruning a run takes its results out of the tests' histories: counts and
 * averages lose them, and a test whose newest result was in the pruned run
 * gets its newest from the runs left (or none). */
static void pruned_runs_leave_the_tests_histories(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char r[3][UUID_STR_LEN];
	for (int i = 0; i < 3; i++)
		add_run(fx->st, "demo", 1000 * (i + 1), "ci", LC_COMPLETED, r[i]);
	struct result rs[] = {
		result_of(r[0], "a", NULL, RS_PASSED, 100),
		result_of(r[0], "b", NULL, RS_FAILED, 50),
		result_of(r[1], "a", NULL, RS_FAILED, 300),
		result_of(r[1], "a", NULL, RS_PASSED, 500), /* its retry */
		result_of(r[2], "a", NULL, RS_ERROR, 7),
	};
	int64_t started[] = { 1100, 1200, 2100, 2200, 3100 };
	for (size_t i = 0; i < ARRAY_SIZE(rs); i++)
		rs[i].started_at = started[i];
	rs[3].attempt = 0; /* the next attempt of a in r[1] */
	assert_int_equal(store_results_insert(fx->st, rs, ARRAY_SIZE(rs), &e), RC_OK);
	expect_test(fx->st, "a", 4, 227, RS_ERROR, 3100);
	expect_test(fx->st, "b", 1, 50, RS_FAILED, 1200);

	int64_t deleted = 0;
	assert_int_equal(store_runs_delete(fx->st, &r[2], 1, &deleted, &e), RC_OK);
	assert_int_equal(deleted, 1);
	expect_test(fx->st, "a", 3, 300, RS_PASSED, 2200);

	assert_int_equal(store_runs_delete(fx->st, &r[0], 1, &deleted, &e), RC_OK);
	expect_test(fx->st, "a", 2, 400, RS_PASSED, 2200);
	expect_test(fx->st, "b", 0, 0, RS_UNTESTED, 0);
	char got[256] = "";
	assert_int_equal(store_test_durations(fx->st, "demo", collect_duration, got, &e), RC_OK);
	assert_string_equal(got, "a=400;");

	/* and recording goes on from there */
	struct result more = result_of(r[1], "b", NULL, RS_SKIPPED, 4);
	more.started_at = 2300;
	assert_int_equal(store_results_insert(fx->st, &more, 1, &e), RC_OK);
	expect_test(fx->st, "b", 1, 4, RS_SKIPPED, 2300);
	assert_int_equal(store_runs_delete(fx->st, &r[1], 1, &deleted, &e), RC_OK);
	expect_test(fx->st, "a", 0, 0, RS_UNTESTED, 0);
	expect_test(fx->st, "b", 0, 0, RS_UNTESTED, 0);
}

/* Pruning a run of many tests changes every page of `tests` in one
 * statement, whose sub-journal outgrows memory and goes to a file: with a
 * spill size over 128 KiB SQLite 3.40 failed that with "database or disk is
 * full" (sqlite.c, configure_sqlite). */
static void a_run_of_many_tests_is_pruned(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	enum { TESTS = 250000, BATCH = 5000 };
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_COMPLETED, id);
	struct result *rs = xcalloc(BATCH, sizeof(*rs));
	char(*names)[16] = xcalloc(BATCH, sizeof(*names));
	for (int done = 0; done < TESTS; done += BATCH) {
		for (int i = 0; i < BATCH; i++) {
			snprintf(names[i], sizeof(names[i]), "t%07d", done + i);
			rs[i] = result_of(id, names[i], NULL, RS_PASSED, 3);
		}
		assert_int_equal(store_results_insert(fx->st, rs, BATCH, &e), RC_OK);
	}
	free(names);
	free(rs);
	int64_t deleted = 0;
	assert_int_equal(store_runs_delete(fx->st, &id, 1, &deleted, &e), RC_OK);
	assert_int_equal(deleted, 1);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM results"), 0);
	expect_test(fx->st, "t0000000", 0, 0, RS_UNTESTED, 0);
}

static void the_seed_indexes_exist_by_name(void **state)
{
	struct fixture *fx = *state;
	if (testlib_pg()) {
		assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM pg_indexes WHERE tablename = "
						 "'test_runs' AND indexname = 'test_runs_definition_idx' "
						 "AND indexdef LIKE '%(test_definition_id)'"),
				 1);
		assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM pg_indexes WHERE tablename = "
						 "'test_runs' AND indexname = 'test_runs_status_idx' "
						 "AND indexdef LIKE '%(status)'"),
				 1);
		return;
	}
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
					   " AND tbl_name = 'test_runs' AND name = "
					   "'test_runs_definition_idx' AND sql LIKE "
					   "'%(test_definition_id)'"),
			 1);
	assert_int_equal(sql_int(fx->path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
					   " AND tbl_name = 'test_runs' AND name = "
					   "'test_runs_status_idx' AND sql LIKE '%(status)'"),
			 1);
}

static void an_outer_transaction_is_all_or_nothing(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];

	/* rolled back: the run and both batches are gone, as are the tests */
	assert_int_equal(store_begin(fx->st, &e), RC_OK);
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	struct result a = result_of(id, "a", NULL, RS_PASSED, 1);
	struct result b = result_of(id, "b", NULL, RS_FAILED, 1);
	assert_int_equal(store_results_insert(fx->st, &a, 1, &e), RC_OK);
	assert_int_equal(store_results_insert(fx->st, &b, 1, &e), RC_OK);
	/* another connection sees nothing before the commit */
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM test_runs"), 0);
	store_rollback(fx->st);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM test_runs"), 0);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM results"), 0);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM tests"), 0);

	/* a failing inner batch undoes only itself; the rest commits */
	assert_int_equal(store_begin(fx->st, &e), RC_OK);
	add_run(fx->st, "demo", 2000, "ci", LC_IN_PROGRESS, id);
	a = result_of(id, "a", NULL, RS_PASSED, 1);
	assert_int_equal(store_results_insert(fx->st, &a, 1, &e), RC_OK);
	struct result bad[] = {
		result_of(id, "c", NULL, RS_PASSED, 1),
		result_of("0190ffff-0000-7000-8000-000000000000", "orphan", NULL, RS_PASSED, 1),
	};
	assert_int_equal(store_results_insert(fx->st, bad, 2, &e), RC_NOTFOUND);
	assert_int_equal(store_commit(fx->st, &e), RC_OK);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM test_runs"), 1);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM results"), 1);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM tests"), 1);
	assert_int_equal(sql_int(fx->db, "SELECT n_passed FROM test_runs"), 1);

	/* the tests the rolled-back transaction made are created again */
	b = result_of(id, "b", NULL, RS_FAILED, 1);
	assert_int_equal(store_results_insert(fx->st, &b, 1, &e), RC_OK);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM tests"), 2);
}

/* Walks a run's results, keeping their names and the flags. */
struct walk {
	char names[512];
	int stop_after;
	int seen;
};

static int walk_one(void *ctx, const struct result *r)
{
	struct walk *w = ctx;
	size_t len = strlen(w->names);
	snprintf(w->names + len, sizeof(w->names) - len, "%s%s%s:%d", len ? " " : "", r->test,
		 r->superseded ? "~" : "", r->attempt);
	w->seen++;
	return w->stop_after && w->seen >= w->stop_after ? 42 : 0;
}

static void retried_results_count_once_and_flaky_ones_are_counted(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	struct result rs[] = {
		result_of(id, "flaky", NULL, RS_FAILED, 5),
		result_of(id, "flaky", NULL, RS_ERROR, 6),
		result_of(id, "flaky", NULL, RS_PASSED, 7),
		result_of(id, "broken", NULL, RS_FAILED, 50),
		result_of(id, "broken", NULL, RS_FAILED, 60),
		result_of(id, "steady", NULL, RS_PASSED, 1),
	};
	rs[0].superseded = rs[1].superseded = rs[3].superseded = true;
	rs[1].attempt = 2;
	rs[2].attempt = 3;
	rs[4].attempt = 2;
	assert_int_equal(store_results_insert(fx->st, rs, ARRAY_SIZE(rs), &e), RC_OK);

	struct run r;
	assert_int_equal(store_run_get(fx->st, id, &r, &e), RC_OK);
	assert_int_equal(r.counts[RS_PASSED], 2);
	assert_int_equal(r.counts[RS_FAILED], 1);
	assert_int_equal(r.counts[RS_ERROR], 0);
	assert_int_equal(r.flaky, 1);
	run_release(&r);

	struct walk w = { 0 };
	struct result_filter all = { .status = -1 };
	assert_int_equal(store_results_each(fx->st, id, &all, walk_one, &w, &e), RC_OK);
	assert_string_equal(w.names, "flaky~:1 flaky~:2 flaky:3 broken~:1 broken:2 steady:1");

	memset(&w, 0, sizeof(w));
	struct result_filter final = { .status = -1, .final_only = true };
	assert_int_equal(store_results_each(fx->st, id, &final, walk_one, &w, &e), RC_OK);
	assert_string_equal(w.names, "flaky:3 broken:2 steady:1");

	memset(&w, 0, sizeof(w));
	struct result_filter slow = { .status = -1, .slowest = true, .limit = 2 };
	assert_int_equal(store_results_each(fx->st, id, &slow, walk_one, &w, &e), RC_OK);
	assert_string_equal(w.names, "broken:2 broken~:1");

	/* a callback's non-zero answer stops the walk and is returned */
	memset(&w, 0, sizeof(w));
	w.stop_after = 2;
	assert_int_equal(store_results_each(fx->st, id, &all, walk_one, &w, &e), 42);
	assert_int_equal(w.seen, 2);
}

static void test_exists_looks_in_the_named_project(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	struct result a = result_of(id, "suite/a", NULL, RS_PASSED, 1);
	assert_int_equal(store_results_insert(fx->st, &a, 1, &e), RC_OK);
	bool exists = false;
	assert_int_equal(store_test_exists(fx->st, "demo", "suite/a", &exists, &e), RC_OK);
	assert_true(exists);
	assert_int_equal(store_test_exists(fx->st, "demo", "suite/b", &exists, &e), RC_OK);
	assert_false(exists);
	assert_int_equal(store_test_exists(fx->st, "other", "suite/a", &exists, &e), RC_OK);
	assert_false(exists);
}

static void attempt_zero_supersedes_the_current_result(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN], other[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	add_run(fx->st, "demo", 2000, "ci", LC_IN_PROGRESS, other);
	/* the same test in another run is not an earlier attempt */
	struct result o = result_of(other, "t", NULL, RS_FAILED, 1);
	o.attempt = 0;
	assert_int_equal(store_results_insert(fx->st, &o, 1, &e), RC_OK);

	struct result rs[] = {
		result_of(id, "t", NULL, RS_FAILED, 1),
		result_of(id, "t", NULL, RS_PASSED, 2),
		result_of(id, "u", NULL, RS_PASSED, 3),
	};
	for (size_t i = 0; i < ARRAY_SIZE(rs); i++)
		rs[i].attempt = 0;
	assert_int_equal(store_results_insert(fx->st, rs, ARRAY_SIZE(rs), &e), RC_OK);
	struct run r;
	assert_int_equal(store_run_get(fx->st, id, &r, &e), RC_OK);
	assert_int_equal(r.counts[RS_PASSED], 2);
	assert_int_equal(r.counts[RS_FAILED], 0);
	assert_int_equal(r.flaky, 1);
	run_release(&r);

	/* a third attempt in a later batch takes the flaky pass back out */
	struct result again = result_of(id, "t", NULL, RS_ERROR, 4);
	again.attempt = 0;
	assert_int_equal(store_results_insert(fx->st, &again, 1, &e), RC_OK);
	assert_int_equal(store_run_get(fx->st, id, &r, &e), RC_OK);
	assert_int_equal(r.counts[RS_PASSED], 1);
	assert_int_equal(r.counts[RS_ERROR], 1);
	assert_int_equal(r.flaky, 0);
	run_release(&r);

	struct walk w = { 0 };
	struct result_filter all = { .status = -1 };
	assert_int_equal(store_results_each(fx->st, id, &all, walk_one, &w, &e), RC_OK);
	assert_string_equal(w.names, "t~:1 t~:2 u:1 t:3");
	assert_int_equal(store_run_get(fx->st, other, &r, &e), RC_OK);
	assert_int_equal(r.counts[RS_FAILED], 1);
	run_release(&r);
}

static void runs_page_by_keyset_even_within_one_millisecond(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char a[UUID_STR_LEN], b[UUID_STR_LEN], c[UUID_STR_LEN], d[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_COMPLETED, a);
	add_run(fx->st, "demo", 5000, "ci", LC_COMPLETED, b);
	add_run(fx->st, "demo", 5000, "ci", LC_COMPLETED, c); /* same ms, larger id */
	add_run(fx->st, "demo", 9000, "ci", LC_COMPLETED, d);
	struct run *runs;
	size_t n;
	struct run_filter f = { .before_created = 5000, .before_id = c };
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ b, a }, 2);
	store_runs_free(runs, n);
	/* A run recorded after the page was read does not shift the next one. */
	char later[UUID_STR_LEN];
	add_run(fx->st, "demo", 10000, "ci", LC_COMPLETED, later);
	f = (struct run_filter){ .before_created = 9000, .before_id = d, .limit = 2 };
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ c, b }, 2);
	store_runs_free(runs, n);
}

/* Sets a run's title and description by SQL (add_run gives every run the same). */
static void retitle(const char *db, const char *id, const char *title, const char *who)
{
	if (testlib_pg()) {
		PGconn *c = PQconnectdb(db);
		assert_int_equal(PQstatus(c), CONNECTION_OK);
		const char *v[] = { title, who, id };
		PGresult *r = PQexecParams(c,
					   "UPDATE test_runs SET title = $1, triggered_by = $2 "
					   "WHERE id = $3",
					   3, NULL, v, NULL, NULL, 0);
		assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
		PQfinish(c);
		return;
	}
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(h,
					    "UPDATE test_runs SET title = ?1, triggered_by = ?2 "
					    "WHERE id = ?3",
					    -1, &q, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(q, 1, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	sqlite3_close(h);
}

static void runs_filter_by_text_and_triggered_by(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char a[UUID_STR_LEN], b[UUID_STR_LEN], c[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_COMPLETED, a);
	add_run(fx->st, "demo", 2000, "ci", LC_COMPLETED, b);
	add_run(fx->st, "demo", 3000, "ci", LC_COMPLETED, c);
	retitle(fx->db, a, "Release 100% green", "alice");
	retitle(fx->db, b, "release 1000 green", "bob");
	retitle(fx->db, c, "smoke_test", "alice");
	struct run *runs;
	size_t n;
	struct run_filter f = { .text = "RELEASE" };
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ b, a }, 2);
	store_runs_free(runs, n);
	f = (struct run_filter){ .text = "100%" }; /* % is literal */
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ a }, 1);
	store_runs_free(runs, n);
	f = (struct run_filter){ .text = "e_t" }; /* _ is literal */
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ c }, 1);
	store_runs_free(runs, n);
	f = (struct run_filter){ .text = "nightly run" }; /* the description */
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_int_equal(n, 3);
	store_runs_free(runs, n);
	f = (struct run_filter){ .triggered_by = "alice" };
	assert_int_equal(store_runs_list(fx->st, &f, &runs, &n, &e), RC_OK);
	assert_runs(runs, n, (const char *[]){ c, a }, 2);
	store_runs_free(runs, n);
}

static void results_page_after_a_seq(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	struct result rs[] = {
		result_of(id, "a", NULL, RS_PASSED, 1), result_of(id, "b", NULL, RS_PASSED, 1),
		result_of(id, "c", NULL, RS_PASSED, 1), result_of(id, "d", NULL, RS_PASSED, 1),
	};
	assert_int_equal(store_results_insert(fx->st, rs, 4, &e), RC_OK);
	struct result *got;
	size_t n;
	struct result_filter f = { .status = -1, .limit = 2 };
	assert_int_equal(store_results_list(fx->st, id, &f, &got, &n, &e), RC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(got[1].test, "b");
	assert_true(got[0].seq > 0 && got[1].seq > got[0].seq);
	f.after_seq = got[1].seq;
	store_results_free(got, n);
	assert_int_equal(store_results_list(fx->st, id, &f, &got, &n, &e), RC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(got[0].test, "c");
	assert_string_equal(got[1].test, "d");
	store_results_free(got, n);
}

static void idempotency_keys_store_one_answer_per_scope(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	struct idem_answer a;
	assert_int_equal(store_idem_get(fx->st, "results:x", "k", &a, &e), RC_NOTFOUND);
	struct idem_answer put = { .status = 201, .body = "{\"ok\":1}", .request_hash = "h1" };
	assert_int_equal(store_idem_put(fx->st, "results:x", "k", &put, &e), RC_OK);
	assert_int_equal(store_idem_put(fx->st, "results:x", "k", &put, &e), RC_EXISTS);
	assert_int_equal(store_idem_put(fx->st, "results:y", "k", &put, &e), RC_OK);
	assert_int_equal(store_idem_get(fx->st, "results:x", "k", &a, &e), RC_OK);
	assert_int_equal(a.status, 201);
	assert_string_equal(a.body, "{\"ok\":1}");
	assert_string_equal(a.request_hash, "h1");
	idem_answer_release(&a);
	/* Rolled back with the transaction it was written in. */
	assert_int_equal(store_begin(fx->st, &e), RC_OK);
	assert_int_equal(store_idem_put(fx->st, "results:x", "k2", &put, &e), RC_OK);
	store_rollback(fx->st);
	assert_int_equal(store_idem_get(fx->st, "results:x", "k2", &a, &e), RC_NOTFOUND);
	/* Keys are forgotten by age. */
	int64_t n;
	assert_int_equal(store_idem_expire(fx->st, 1000, &n, &e), RC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_idem_expire(fx->st, time_now_ms() + 1, &n, &e), RC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_idem_get(fx->st, "results:x", "k", &a, &e), RC_NOTFOUND);
}

static void count_lifecycle(void *ctx, enum lifecycle lc, int64_t count)
{
	char *s = ctx;
	size_t len = strlen(s);
	snprintf(s + len, 256 - len, "%d=%lld;", (int)lc, (long long)count);
}

static void runs_are_counted_by_lifecycle(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_COMPLETED, id);
	add_run(fx->st, "demo", 2000, "ci", LC_COMPLETED, id);
	add_run(fx->st, "demo", 3000, "ci", LC_IN_PROGRESS, id);
	char s[256] = "";
	assert_int_equal(store_runs_by_lifecycle(fx->st, count_lifecycle, s, &e), RC_OK);
	assert_string_equal(s, "6=1;7=2;");
}

static void tokens_are_found_by_hash_until_revoked(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	struct token t;
	assert_int_equal(store_token_add(fx->st, "ci", ROLE_WRITE, "h1", &e), RC_OK);
	assert_int_equal(store_token_add(fx->st, "ci", ROLE_READ, "h2", &e), RC_EXISTS);
	assert_int_equal(store_token_find(fx->st, "h1", &t, &e), RC_OK);
	assert_string_equal(t.name, "ci");
	assert_int_equal(t.role, ROLE_WRITE);
	assert_int_equal(t.revoked_at, 0);
	token_release(&t);
	assert_int_equal(store_token_find(fx->st, "h9", &t, &e), RC_NOTFOUND);
	assert_int_equal(store_token_revoke(fx->st, "ci", &e), RC_OK);
	assert_int_equal(store_token_find(fx->st, "h1", &t, &e), RC_NOTFOUND);
	assert_int_equal(store_token_revoke(fx->st, "ci", &e), RC_NOTFOUND);
	assert_int_equal(store_token_add(fx->st, "ci", ROLE_READ, "h2", &e), RC_OK);
	struct token *ts;
	size_t n;
	assert_int_equal(store_tokens_list(fx->st, &ts, &n, &e), RC_OK);
	assert_int_equal(n, 2);
	assert_true(ts[0].revoked_at > 0);
	assert_int_equal(ts[1].revoked_at, 0);
	assert_int_equal(ts[1].role, ROLE_READ);
	tokens_free(ts, n);
	assert_true(role_allows(ROLE_ADMIN, ROLE_WRITE));
	assert_true(role_allows(ROLE_WRITE, ROLE_READ));
	assert_false(role_allows(ROLE_READ, ROLE_WRITE));
}

static void share_links_point_at_one_run_until_revoked(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN], got[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_COMPLETED, id);
	assert_int_equal(store_share_add(fx->st, "0000dead-0000-7000-8000-000000000000", "h0", &e),
			 RC_NOTFOUND);
	assert_int_equal(store_share_add(fx->st, id, "h1", &e), RC_OK);
	assert_int_equal(store_share_add(fx->st, id, "h2", &e), RC_OK);
	assert_int_equal(store_share_find(fx->st, "h2", got, &e), RC_OK);
	assert_string_equal(got, id);
	int64_t n;
	assert_int_equal(store_share_revoke(fx->st, id, &n, &e), RC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_share_find(fx->st, "h1", got, &e), RC_NOTFOUND);
	assert_int_equal(store_share_revoke(fx->st, id, &n, &e), RC_OK);
	assert_int_equal(n, 0);
}

/* Several processes (assay run, assay serve, workers) record results into
 * one run at once. Each writer sends every test of a shared set as its next
 * attempt (attempt 0), so writers race on the same tests: in the end each
 * test has attempts 1..K with only the last one current, and the run's
 * counters equal its current results. */
static void concurrent_writers_keep_attempts_and_counters_exact(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", time_now_ms(), "ci", LC_IN_PROGRESS, id);
	enum { WRITERS = 4, BATCHES = 15, TESTS = 8 };
	static const char *const names[TESTS] = { "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7" };
	pid_t kids[WRITERS];
	for (int w = 0; w < WRITERS; w++) {
		kids[w] = fork();
		assert_true(kids[w] >= 0);
		if (kids[w])
			continue;
		/* the child: a connection of its own, as another process has */
		struct store *st;
		if (store_open(fx->db, &st, &e))
			_exit(10);
		for (int b = 0; b < BATCHES; b++) {
			struct result rs[TESTS];
			for (int i = 0; i < TESTS; i++) {
				rs[i] = result_of(id, names[i], NULL,
						  (b + i + w) % 3 ? RS_PASSED : RS_FAILED, 1);
				rs[i].attempt = 0;
			}
			if (store_results_insert(st, rs, TESTS, &e)) {
				fprintf(stderr, "writer %d: %s\n", w, e.msg);
				_exit(11);
			}
		}
		store_close(st);
		_exit(0);
	}
	for (int w = 0; w < WRITERS; w++) {
		int status = 0;
		assert_int_equal(waitpid(kids[w], &status, 0), kids[w]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	int64_t each = WRITERS * BATCHES;
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM results"), TESTS * each);
	/* one current result per test, the one with the highest attempt */
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM results WHERE NOT superseded"),
			 TESTS);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM results r WHERE NOT superseded "
					 "AND attempt = (SELECT max(attempt) FROM results m "
					 "WHERE m.test = r.test)"),
			 TESTS);
	/* attempts 1..K, each once per test */
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM (SELECT test FROM results "
					 "GROUP BY test HAVING count(DISTINCT attempt) = count(*) "
					 "AND min(attempt) = 1 AND max(attempt) = count(*)) AS t"),
			 TESTS);
	struct run got;
	assert_int_equal(store_run_get(fx->st, id, &got, &e), RC_OK);
	assert_int_equal(got.counts[RS_PASSED],
			 sql_int(fx->db, "SELECT count(*) FROM results WHERE NOT superseded AND "
					 "status = 'passed'"));
	assert_int_equal(got.counts[RS_PASSED] + got.counts[RS_FAILED], TESTS);
	assert_int_equal(got.flaky, sql_int(fx->db, "SELECT count(*) FROM results WHERE NOT "
						    "superseded AND status = 'passed' AND attempt > 1"));
	run_release(&got);
}

/* A test the database has never seen, twice in one batch as next attempts
 * (a rerun read from a file): attempts 1 and 2, the first superseded. */
static void a_new_test_twice_in_one_batch_gets_two_attempts(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN];
	add_run(fx->st, "demo", 1000, "ci", LC_IN_PROGRESS, id);
	struct result rs[] = {
		result_of(id, "fresh", NULL, RS_FAILED, 1),
		result_of(id, "fresh", NULL, RS_PASSED, 2),
	};
	rs[0].attempt = rs[1].attempt = 0;
	assert_int_equal(store_results_insert(fx->st, rs, ARRAY_SIZE(rs), &e), RC_OK);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM results WHERE test = 'fresh' AND "
					 "((attempt = 1 AND superseded) OR (attempt = 2 AND NOT "
					 "superseded))"),
			 2);
	struct run r;
	assert_int_equal(store_run_get(fx->st, id, &r, &e), RC_OK);
	assert_int_equal(r.counts[RS_PASSED], 1);
	assert_int_equal(r.counts[RS_FAILED], 0);
	assert_int_equal(r.flaky, 1);
	run_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(migrations_apply_once_and_reopening_is_a_no_op),
		T(a_version_3_database_keeps_its_runs_and_results),
		T(a_database_from_a_newer_assay_is_refused),
		T(a_file_that_is_not_a_database_is_refused_by_name),
		T(a_dropped_connection_is_reset_between_transactions_only),
		T(urls_choose_the_backend),
		T(a_run_round_trips_every_field),
		T(a_run_without_project_or_creation_time_gets_defaults),
		T(events_come_back_oldest_first),
		T(results_insert_in_order_and_keep_the_counters),
		T(a_long_batch_keeps_order_and_retries),
		T(awkward_texts_come_back_as_they_went),
		T(a_batch_with_a_bad_item_writes_nothing),
		T(two_thousand_results_insert_in_one_batch),
		T(resolve_finds_last_prefixes_and_reports_ambiguity),
		T(resolve_last_in_an_empty_database_is_not_found),
		T(listing_filters_runs_newest_first),
		T(test_durations_average_timed_results_per_test),
		T(pruned_runs_leave_the_tests_histories),
		T(suite_outputs_are_kept_per_run),
		T(a_run_of_many_tests_is_pruned),
		T(a_whole_transaction_with_a_failed_part_is_only_rolled_back),
		T(the_seed_indexes_exist_by_name),
		T(an_outer_transaction_is_all_or_nothing),
		T(retried_results_count_once_and_flaky_ones_are_counted),
		T(test_exists_looks_in_the_named_project),
		T(attempt_zero_supersedes_the_current_result),
		T(runs_page_by_keyset_even_within_one_millisecond),
		T(runs_filter_by_text_and_triggered_by),
		T(results_page_after_a_seq),
		T(idempotency_keys_store_one_answer_per_scope),
		T(runs_are_counted_by_lifecycle),
		T(tokens_are_found_by_hash_until_revoked),
		T(share_links_point_at_one_run_until_revoked),
		T(concurrent_writers_keep_attempts_and_counters_exact),
		T(a_new_test_twice_in_one_batch_gets_two_attempts),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
