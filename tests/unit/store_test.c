/* Unit tests of store/'s schema, connections and runs on the backend under
 * test (testlib.h): SQLite, where each test gets a fresh database at
 * <tmpdir>/.assay/assay.db (the parent directory does not exist yet, as in a
 * fresh checkout), or PostgreSQL, where it gets a new empty database, made
 * by store_fixture.h's setup with testlib_db_new. Both are removed
 * afterwards. The few tests of one backend's own matters say so and skip on
 * the other. Results and tests are store_results_test.c's. */
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
#include "store_fixture.h"

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
		T(resolve_finds_last_prefixes_and_reports_ambiguity),
		T(resolve_last_in_an_empty_database_is_not_found),
		T(listing_filters_runs_newest_first),
		T(a_whole_transaction_with_a_failed_part_is_only_rolled_back),
		T(the_seed_indexes_exist_by_name),
		T(an_outer_transaction_is_all_or_nothing),
		T(runs_page_by_keyset_even_within_one_millisecond),
		T(runs_filter_by_text_and_triggered_by),
		T(idempotency_keys_store_one_answer_per_scope),
		T(runs_are_counted_by_lifecycle),
		T(tokens_are_found_by_hash_until_revoked),
		T(share_links_point_at_one_run_until_revoked),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
