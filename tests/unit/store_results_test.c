/* Unit tests of store/'s results, tests and their histories on the
 * backend under test (testlib.h), each on a database of its own made by
 * store_fixture.h's setup with testlib_db_new: inserting and reading back
 * results and attempts, counters, durations, pruning, paging, concurrent
 * writers. Schema, connections and runs are store_test.c's. */
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
		T(results_insert_in_order_and_keep_the_counters),
		T(a_long_batch_keeps_order_and_retries),
		T(awkward_texts_come_back_as_they_went),
		T(a_batch_with_a_bad_item_writes_nothing),
		T(two_thousand_results_insert_in_one_batch),
		T(test_durations_average_timed_results_per_test),
		T(pruned_runs_leave_the_tests_histories),
		T(suite_outputs_are_kept_per_run),
		T(a_run_of_many_tests_is_pruned),
		T(retried_results_count_once_and_flaky_ones_are_counted),
		T(test_exists_looks_in_the_named_project),
		T(attempt_zero_supersedes_the_current_result),
		T(results_page_after_a_seq),
		T(concurrent_writers_keep_attempts_and_counters_exact),
		T(a_new_test_twice_in_one_batch_gets_two_attempts),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
