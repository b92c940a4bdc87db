/* Unit tests of service/results_pipe: the same rows, in the same order and
 * with the same fields, as store_results_each, across many batches; a
 * callback that stops early stops the reader without a hang, whichever
 * batch it is in; the store's errors come back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <ftw.h>
#include <sys/stat.h>

#include "service/results_pipe.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/uuid.h"

#include "testlib.h"

enum { N = 6000 }; /* about 3 MB of rows: several 512 KiB batches */

struct fixture {
	char dir[64];
	char db[256]; /* a SQLite file or a PostgreSQL URL (testlib_db_new) */
	struct store *st;
	char run[UUID_STR_LEN];
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/assay-pipe-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	char *path = xasprintf("%s/assay.db", fx->dir);
	testlib_db_new(fx->db, sizeof(fx->db), path);
	struct error e = ERROR_INIT;
	int rc = store_open(fx->db, &fx->st, &e);
	free(path);
	if (rc)
		return -1;
	struct run r = { 0 };
	uuid7_new(r.id, 0);
	r.project = "p";
	r.lifecycle = LC_IN_PROGRESS;
	r.created_at = 1;
	if (store_run_insert(fx->st, &r, &e))
		return -1;
	memcpy(fx->run, r.id, sizeof(fx->run));
	struct result *rs = xcalloc(N, sizeof(*rs));
	char *big = xmalloc(400);
	memset(big, 'x', 399);
	big[399] = '\0';
	for (int i = 0; i < N; i++) {
		memcpy(rs[i].run_id, r.id, sizeof(rs[i].run_id));
		rs[i].test = xasprintf("s%d/t%05d", i % 7, i);
		rs[i].parent = i % 3 ? NULL : xasprintf("s%d", i % 7);
		rs[i].status = (enum result_status)(i % RS__COUNT);
		rs[i].duration_ms = i * 3;
		rs[i].message = i % 2 ? big : NULL;
		rs[i].stdout_text = i % 5 ? NULL : "out\n";
		rs[i].stderr_text = i % 4 ? "" : "err";
		rs[i].stdout_dropped = i % 11;
		rs[i].attempt = 1 + i % 2;
		rs[i].superseded = i % 9 == 0;
		rs[i].exit_code = i % 13 - 1;
		rs[i].started_at = 1000 + i;
		rs[i].completed_at = 2000 + i;
	}
	rc = store_results_insert(fx->st, rs, N, &e);
	for (int i = 0; i < N; i++) {
		free(rs[i].test);
		free(rs[i].parent);
	}
	free(rs);
	free(big);
	if (rc)
		return -1;
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

static void add_str(struct buf *b, const char *s)
{
	buf_adds(b, s ? s : "<null>");
	buf_addc(b, '|');
}

/* Every field of every row, as text. */
static int describe(void *ctx, const struct result *r)
{
	struct buf *b = ctx;
	add_str(b, r->id);
	add_str(b, r->run_id);
	add_str(b, r->test);
	add_str(b, r->parent);
	add_str(b, r->message);
	add_str(b, r->stdout_text);
	add_str(b, r->stderr_text);
	buf_addf(b, "%d %lld %lld %lld %d %d %d %lld %lld\n", (int)r->status,
		 (long long)r->duration_ms, (long long)r->stdout_dropped,
		 (long long)r->stderr_dropped, r->attempt, (int)r->superseded, r->exit_code,
		 (long long)r->started_at, (long long)r->completed_at);
	return 0;
}

static void rows_are_those_of_the_store_walk(void **state)
{
	struct fixture *fx = *state;
	const struct result_filter filters[] = {
		{ .status = -1, .with_output = true },
		{ .status = -1, .final_only = true, .top_level = true },
		{ .status = RS_FAILED, .with_output = true },
	};
	for (size_t k = 0; k < ARRAY_SIZE(filters); k++) {
		struct buf want = BUF_INIT, got = BUF_INIT;
		struct error e = ERROR_INIT;
		assert_int_equal(store_results_each(fx->st, fx->run, &filters[k], describe, &want, &e),
				 RC_OK);
		assert_int_equal(results_pipe_each(fx->st, fx->run, &filters[k], describe, &got, &e),
				 RC_OK);
		assert_true(want.len > 1000);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.data, want.data, want.len);
		buf_release(&want);
		buf_release(&got);
	}
}

struct stopper {
	int seen, stop_at;
	struct error *e;
};

static int stop_at(void *ctx, const struct result *r)
{
	struct stopper *s = ctx;
	if (++s->seen == s->stop_at)
		return err_set(s->e, RC_IO, "stopped at %d", s->seen);
	return 0;
}

static void a_callback_that_stops_stops_the_walk(void **state)
{
	struct fixture *fx = *state;
	const struct result_filter f = { .status = -1, .with_output = true };
	const int at[] = { 1, 2, 1500, 3000, N - 1, N };
	for (size_t k = 0; k < ARRAY_SIZE(at); k++) {
		struct error e = ERROR_INIT;
		struct stopper s = { 0, at[k], &e };
		assert_int_equal(results_pipe_each(fx->st, fx->run, &f, stop_at, &s, &e), RC_IO);
		assert_int_equal(s.seen, at[k]);
		char want[64];
		snprintf(want, sizeof(want), "stopped at %d", at[k]);
		assert_string_equal(e.msg, want);
	}
	/* The store is usable again afterwards. */
	struct stopper s = { 0, -1, NULL };
	struct error e = ERROR_INIT;
	assert_int_equal(results_pipe_each(fx->st, fx->run, &f, stop_at, &s, &e), RC_OK);
	assert_int_equal(s.seen, N);
}

static void store_errors_come_back(void **state)
{
	struct fixture *fx = *state;
	const struct result_filter bad = { .status = 99 };
	struct error e = ERROR_INIT;
	struct stopper s = { 0, -1, NULL };
	assert_int_equal(results_pipe_each(fx->st, fx->run, &bad, stop_at, &s, &e), RC_USAGE);
	assert_non_null(strstr(e.msg, "no status 99"));
	assert_int_equal(s.seen, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(rows_are_those_of_the_store_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(a_callback_that_stops_stops_the_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(store_errors_come_back, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
