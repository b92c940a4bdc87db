/* Unit tests of service/ingest (group commit): requests that wait together
 * are committed together, and each still gets its own outcome — a request
 * refused for its own reason (a closed run, no such run, a reused
 * idempotency key) leaves the others of its group recorded; a repeated key
 * inside one group is answered from the first; a store failure in a group
 * makes the writer record the group's requests one by one, so only the
 * failing one is lost; what is queued when the writer stops is recorded,
 * and what comes after is refused.
 *
 * Groups are made without clocks: the test holds SQLite's write lock from
 * its own handle, submits a first job (the writer takes it and waits for the
 * lock), queues the jobs of interest behind it, then lets go of the lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <pthread.h>
#include <time.h>

#include "service/ingest.h"
#include "store/store.h"
#include "util/uuid.h"

#include "testlib.h"

struct fixture {
	char *dir;
	char *path;
	struct store *st; /* the test's own handle */
	struct ingest *g;
	char open_run[UUID_STR_LEN], closed_run[UUID_STR_LEN];
};

/* One request: its results and its outcome. */
struct req {
	struct ingest_job job;
	struct result rs[3];
	char hash[8];
	char answer[64];
	int done; /* times done() was called */
};

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_done(struct ingest_job *job, void *ctx)
{
	(void)job;
	struct req *r = ctx;
	pthread_mutex_lock(&done_lock);
	r->done++;
	pthread_mutex_unlock(&done_lock);
}

static void nap(void)
{
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, NULL);
}

static void make_run(struct store *st, enum lifecycle lc, char id[UUID_STR_LEN])
{
	struct run r = { 0 };
	uuid7_new(r.id, 0);
	r.project = "p";
	r.lifecycle = lc;
	r.created_at = 1;
	struct error e = ERROR_INIT;
	assert_int_equal(store_run_insert(st, &r, &e), RC_OK);
	memcpy(id, r.id, UUID_STR_LEN);
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	fx->dir = testlib_tmpdir();
	fx->path = xasprintf("%s/assay.db", fx->dir);
	struct error e = ERROR_INIT;
	if (store_open(fx->path, &fx->st, &e) || ingest_new(fx->path, &fx->g, &e))
		return -1;
	make_run(fx->st, LC_IN_PROGRESS, fx->open_run);
	make_run(fx->st, LC_COMPLETED, fx->closed_run);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	ingest_free(fx->g);
	store_close(fx->st);
	testlib_rmdir(fx->dir);
	free(fx->path);
	free(fx);
	return 0;
}

/* Fills r with n results named "<prefix>.<i>" for run_id. */
static void req_init(struct req *r, const char *run_id, const char *prefix, size_t n,
		     const char *key, const char *hash)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		r->rs[i].test = xasprintf("%s.%zu", prefix, i);
		r->rs[i].status = RS_PASSED;
		r->rs[i].attempt = 1;
		r->rs[i].exit_code = -1;
		uuid7_new(r->rs[i].id, 0);
	}
	snprintf(r->hash, sizeof(r->hash), "%s", hash ? hash : "");
	snprintf(r->answer, sizeof(r->answer), "{\"answer\":\"%s\"}", prefix);
	r->job.req = (struct results_add_request){
		.run_id = run_id, .results = r->rs, .n = n, .idem_key = key,
		.request_hash = r->hash, .answer = { .status = 201, .body = r->answer },
	};
	r->job.done = on_done;
	r->job.ctx = r;
}

static void req_release(struct req *r)
{
	for (size_t i = 0; i < r->job.req.n; i++)
		free(r->rs[i].test);
	if (r->job.replayed)
		idem_answer_release(&r->job.replay);
}

/* Holds the write lock, submits `first` and waits until the writer has taken
 * it (it then waits for the lock), so that what is submitted next queues up
 * as one group. */
static void hold_writer(struct fixture *fx, struct req *first)
{
	struct error e = ERROR_INIT;
	assert_int_equal(store_begin(fx->st, &e), RC_OK);
	ingest_submit(fx->g, &first->job);
	struct ingest_stats s;
	for (ingest_stats(fx->g, &s); s.queued; ingest_stats(fx->g, &s))
		nap();
}

/* Lets go of the lock and waits until `jobs` jobs in all have been answered. */
static void release_writer(struct fixture *fx, size_t jobs)
{
	store_rollback(fx->st);
	struct ingest_stats s;
	for (ingest_stats(fx->g, &s); s.jobs < jobs; ingest_stats(fx->g, &s))
		nap();
}

/* How many results the run holds with this test name. */
static size_t stored(struct fixture *fx, const char *run_id, const char *test)
{
	struct result_filter f = { .status = -1, .test = test };
	struct result *rs;
	size_t n = 0;
	struct error e = ERROR_INIT;
	assert_int_equal(store_results_list(fx->st, run_id, &f, &rs, &n, &e), RC_OK);
	store_results_free(rs, n);
	return n;
}

static void refused_requests_leave_their_group_recorded(void **state)
{
	struct fixture *fx = *state;
	static char missing[UUID_STR_LEN];
	uuid7_new(missing, 0);
	struct req first, ok1, closed, nosuch, keyed, retry, reused, ok2;
	req_init(&first, fx->open_run, "first", 1, NULL, NULL);
	req_init(&ok1, fx->open_run, "ok1", 3, NULL, NULL);
	req_init(&closed, fx->closed_run, "closed", 2, NULL, NULL);
	req_init(&nosuch, missing, "nosuch", 1, NULL, NULL);
	req_init(&keyed, fx->open_run, "keyed", 2, "K1", "h1");
	req_init(&retry, fx->open_run, "keyed", 2, "K1", "h1");  /* the same request again */
	req_init(&reused, fx->open_run, "reused", 1, "K1", "h2"); /* the key, another request */
	req_init(&ok2, fx->open_run, "ok2", 1, NULL, NULL);
	struct req *group[] = { &ok1, &closed, &nosuch, &keyed, &retry, &reused, &ok2 };

	hold_writer(fx, &first);
	for (size_t i = 0; i < ARRAY_SIZE(group); i++)
		ingest_submit(fx->g, &group[i]->job);
	release_writer(fx, 1 + ARRAY_SIZE(group));

	struct ingest_stats s;
	ingest_stats(fx->g, &s);
	assert_int_equal(s.jobs, 8);
	assert_int_equal(s.commits, 2); /* the first alone, then the group of 7 */
	assert_int_equal(first.done, 1);
	for (size_t i = 0; i < ARRAY_SIZE(group); i++)
		assert_int_equal(group[i]->done, 1);
	assert_int_equal(first.job.rc, RC_OK);
	assert_int_equal(ok1.job.rc, RC_OK);
	assert_int_equal(closed.job.rc, RC_STATE);
	assert_int_equal(nosuch.job.rc, RC_NOTFOUND);
	assert_int_equal(keyed.job.rc, RC_OK);
	assert_false(keyed.job.replayed);
	assert_int_equal(retry.job.rc, RC_OK);
	assert_true(retry.job.replayed);
	assert_int_equal(retry.job.replay.status, 201);
	assert_string_equal(retry.job.replay.body, "{\"answer\":\"keyed\"}");
	assert_int_equal(reused.job.rc, RC_EXISTS);
	assert_int_equal(ok2.job.rc, RC_OK);

	/* Each accepted result is stored once; nothing of the refused ones. */
	assert_int_equal(stored(fx, fx->open_run, "first.0"), 1);
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "ok1.%d", i);
		assert_int_equal(stored(fx, fx->open_run, name), 1);
	}
	assert_int_equal(stored(fx, fx->open_run, "keyed.0"), 1);
	assert_int_equal(stored(fx, fx->open_run, "keyed.1"), 1);
	assert_int_equal(stored(fx, fx->open_run, "ok2.0"), 1);
	assert_int_equal(stored(fx, fx->open_run, "reused.0"), 0);
	assert_int_equal(stored(fx, fx->open_run, NULL), 7);
	assert_int_equal(stored(fx, fx->closed_run, NULL), 0);
	struct run r;
	struct error e = ERROR_INIT;
	assert_int_equal(store_run_get(fx->st, fx->open_run, &r, &e), RC_OK);
	assert_int_equal(r.counts[RS_PASSED], 7);
	run_release(&r);

	req_release(&first);
	for (size_t i = 0; i < ARRAY_SIZE(group); i++)
		req_release(group[i]);
}

static void a_store_failure_costs_only_its_own_request(void **state)
{
	struct fixture *fx = *state;
	struct req first, a, bad, c;
	req_init(&first, fx->open_run, "first", 1, NULL, NULL);
	req_init(&a, fx->open_run, "a", 2, NULL, NULL);
	req_init(&bad, fx->open_run, "bad", 2, NULL, NULL);
	req_init(&c, fx->open_run, "c", 1, NULL, NULL);
	/* The second result of `bad` reuses the id of `first`'s, which the
	 * store refuses (ids are unique): a failure of the store, not of the
	 * request's own checks. */
	memcpy(bad.rs[1].id, first.rs[0].id, UUID_STR_LEN);

	hold_writer(fx, &first);
	ingest_submit(fx->g, &a.job);
	ingest_submit(fx->g, &bad.job);
	ingest_submit(fx->g, &c.job);
	release_writer(fx, 4);

	assert_int_equal(first.job.rc, RC_OK);
	assert_int_equal(a.job.rc, RC_OK);
	assert_int_not_equal(bad.job.rc, RC_OK);
	assert_int_equal(c.job.rc, RC_OK);
	struct ingest_stats s;
	ingest_stats(fx->g, &s);
	assert_int_equal(s.commits, 4); /* the group was given up: one each */
	assert_int_equal(stored(fx, fx->open_run, "a.0"), 1);
	assert_int_equal(stored(fx, fx->open_run, "a.1"), 1);
	assert_int_equal(stored(fx, fx->open_run, "bad.0"), 0);
	assert_int_equal(stored(fx, fx->open_run, "c.0"), 1);
	assert_int_equal(stored(fx, fx->open_run, NULL), 4);

	req_release(&first);
	req_release(&a);
	req_release(&bad);
	req_release(&c);
}

static void stopping_records_what_is_queued(void **state)
{
	struct fixture *fx = *state;
	enum { N = 50 };
	struct req *rs = xcalloc(N + 1, sizeof(*rs));
	req_init(&rs[N], fx->open_run, "first", 1, NULL, NULL);
	hold_writer(fx, &rs[N]);
	for (int i = 0; i < N; i++) {
		char prefix[16];
		snprintf(prefix, sizeof(prefix), "q%d", i);
		req_init(&rs[i], fx->open_run, prefix, 1, NULL, NULL);
		ingest_submit(fx->g, &rs[i].job);
	}
	store_rollback(fx->st);
	ingest_stop(fx->g); /* while jobs are still queued */
	for (int i = 0; i <= N; i++) {
		assert_int_equal(rs[i].done, 1);
		assert_int_equal(rs[i].job.rc, RC_OK);
		req_release(&rs[i]);
	}
	assert_int_equal(stored(fx, fx->open_run, NULL), N + 1);
	/* Submitted after the stop: refused at once, recorded nowhere. */
	struct req late;
	req_init(&late, fx->open_run, "late", 1, NULL, NULL);
	ingest_submit(fx->g, &late.job);
	assert_int_equal(late.done, 1);
	assert_int_equal(late.job.rc, RC_CANCELLED);
	assert_int_equal(stored(fx, fx->open_run, "late.0"), 0);
	req_release(&late);
	free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(refused_requests_leave_their_group_recorded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_store_failure_costs_only_its_own_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(stopping_records_what_is_queued, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
