/* Unit tests of service/orch.c over the store (SQLite, and PostgreSQL on
 * the suite's second pass): the queue's order,
 * the one-claim-per-run guarantee under concurrent claimers, leases
 * (requeued once, failed the second time), cancel, health and retention. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <pthread.h>
#include <time.h>

#include <sqlite3.h>

#include "service/orch.h"
#include "service/results_add.h"
#include "store/store.h"
#include "util/str.h"
#include "util/time.h"
#include "util/uuid.h"

#include "testlib.h"

struct fixture {
	char *dir;
	char *path;
	char db[256]; /* what the store is opened from: path, or a PostgreSQL URL */
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	fx->dir = testlib_tmpdir();
	fx->path = xasprintf("%s/assay.db", fx->dir);
	testlib_db_new(fx->db, sizeof(fx->db), fx->path);
	struct error e = ERROR_INIT;
	if (store_open(fx->db, &fx->st, &e))
		return -1;
	struct pool p = { .name = "linux", .expected_servers = 2 };
	if (service_pool_add(fx->st, &p, &e))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	store_close(fx->st);
	testlib_db_drop(fx->db);
	testlib_rmdir(fx->dir);
	free(fx->path);
	free(fx);
	return 0;
}

static void start(struct store *st, int64_t priority, char id[UUID_STR_LEN])
{
	struct start_request req = { .suite = "smoke", .pool = "linux", .priority = priority };
	struct run r;
	char *warning = NULL;
	struct error e = ERROR_INIT;
	int rc = service_run_start(st, &req, &r, &warning, &e);
	if (rc)
		fail_msg("start: %s", e.msg);
	assert_non_null(warning); /* no worker is online */
	assert_int_equal(r.lifecycle, LC_QUEUED);
	memcpy(id, r.id, UUID_STR_LEN);
	free(warning);
	run_release(&r);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

/* Claims a run for `worker`, granting it `lease_ms`. */
static void claim_leased(struct store *st, const char *worker, int64_t lease_ms,
			 char id[UUID_STR_LEN], int64_t *claim)
{
	struct claim c;
	struct error e = ERROR_INIT;
	if (service_worker_claim(st, worker, lease_ms, &c, &e))
		fail_msg("claim: %s", e.msg);
	assert_int_equal(c.run.lifecycle, LC_INITIALIZING);
	memcpy(id, c.run.id, UUID_STR_LEN);
	*claim = c.order.claim;
	claim_release(&c);
}

static void claim_ok(struct store *st, const char *worker, char id[UUID_STR_LEN],
		     int64_t *claim)
{
	claim_leased(st, worker, 60000, id, claim);
}

static void test_priority_then_oldest(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char a[UUID_STR_LEN], b[UUID_STR_LEN], c[UUID_STR_LEN], got[UUID_STR_LEN];
	start(fx->st, 0, a);
	sleep_ms(2);
	start(fx->st, 5, b);
	sleep_ms(2);
	start(fx->st, 0, c);
	assert_int_equal(service_worker_register(fx->st, "w1", "linux", 1, NULL, 0, &e), RC_OK);
	int64_t claim;
	claim_ok(fx->st, "w1", got, &claim);
	assert_string_equal(got, b);
	claim_ok(fx->st, "w1", got, &claim);
	assert_string_equal(got, a);
	claim_ok(fx->st, "w1", got, &claim);
	assert_string_equal(got, c);
	struct claim none;
	assert_int_equal(service_worker_claim(fx->st, "w1", 60000, &none, &e), RC_NOTFOUND);
}

struct claimer {
	const char *path;
	const char *name;
	char ids[64][UUID_STR_LEN];
	int n;
	int errors;
};

static void *claim_all(void *arg)
{
	struct claimer *cl = arg;
	struct store *st;
	struct error e = ERROR_INIT;
	if (store_open(cl->path, &st, &e)) {
		cl->errors++;
		return NULL;
	}
	for (;;) {
		struct claim c;
		int rc = service_worker_claim(st, cl->name, 60000, &c, &e);
		if (rc == RC_NOTFOUND)
			break;
		if (rc) {
			cl->errors++;
			break;
		}
		memcpy(cl->ids[cl->n++], c.run.id, UUID_STR_LEN);
		claim_release(&c);
	}
	store_close(st);
	return NULL;
}

static void test_concurrent_claims_give_each_run_once(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	enum { RUNS = 40, CLAIMERS = 4 };
	char ids[RUNS][UUID_STR_LEN];
	for (int i = 0; i < RUNS; i++)
		start(fx->st, i % 3, ids[i]);
	struct claimer cl[CLAIMERS];
	pthread_t th[CLAIMERS];
	char names[CLAIMERS][16];
	for (int i = 0; i < CLAIMERS; i++) {
		snprintf(names[i], sizeof(names[i]), "w%d", i);
		assert_int_equal(service_worker_register(fx->st, names[i], "linux", 1, NULL, 0, &e),
				 RC_OK);
		memset(&cl[i], 0, sizeof(cl[i]));
		cl[i].path = fx->db;
		cl[i].name = names[i];
		pthread_create(&th[i], NULL, claim_all, &cl[i]);
	}
	int total = 0;
	for (int i = 0; i < CLAIMERS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(cl[i].errors, 0);
		total += cl[i].n;
	}
	assert_int_equal(total, RUNS);
	/* Every run was claimed by exactly one claimer. */
	for (int r = 0; r < RUNS; r++) {
		int seen = 0;
		for (int i = 0; i < CLAIMERS; i++)
			for (int k = 0; k < cl[i].n; k++)
				seen += !strcmp(cl[i].ids[k], ids[r]);
		assert_int_equal(seen, 1);
	}
}

/* PostgreSQL: a claim whose transaction is still open holds its run
 * locked; a second worker's claim passes over it (SKIP LOCKED) and takes
 * the next run at once instead of waiting for the first to commit; a
 * claim rolled back leaves its run queued. (With a plain FOR UPDATE the
 * second claim would wait for the first here forever.) SQLite's one
 * write lock makes a second writer wait, so this is PostgreSQL's only. */
static void test_open_claim_is_skipped_not_waited_for(void **state)
{
	struct fixture *fx = *state;
	if (!testlib_pg())
		skip();
	struct error e = ERROR_INIT;
	char a[UUID_STR_LEN], b[UUID_STR_LEN], got1[UUID_STR_LEN], got2[UUID_STR_LEN];
	start(fx->st, 5, a);
	start(fx->st, 0, b);
	assert_int_equal(service_worker_register(fx->st, "w1", "linux", 1, NULL, 0, &e), RC_OK);
	assert_int_equal(service_worker_register(fx->st, "w2", "linux", 1, NULL, 0, &e), RC_OK);
	struct store *other;
	assert_int_equal(store_open(fx->db, &other, &e), RC_OK);
	int64_t c1, c2;
	assert_int_equal(store_begin(fx->st, &e), RC_OK);
	assert_int_equal(store_order_claim(fx->st, "linux", "w1", time_now_ms(), got1, &c1, &e),
			 RC_OK);
	assert_string_equal(got1, a);
	assert_int_equal(store_begin(other, &e), RC_OK);
	assert_int_equal(store_order_claim(other, "linux", "w2", time_now_ms(), got2, &c2, &e),
			 RC_OK);
	assert_string_equal(got2, b);
	/* nothing else is queued and unlocked */
	char none[UUID_STR_LEN];
	int64_t cn;
	assert_int_equal(store_order_claim(other, "linux", "w2", time_now_ms(), none, &cn, &e),
			 RC_NOTFOUND);
	assert_int_equal(store_commit(other, &e), RC_OK);
	store_rollback(fx->st);
	struct run_order o;
	assert_int_equal(store_order_get(fx->st, a, &o, &e), RC_OK);
	assert_int_equal(o.state, ORDER_QUEUED);
	assert_int_equal(o.claim, 0);
	run_order_release(&o);
	assert_int_equal(store_order_get(fx->st, b, &o, &e), RC_OK);
	assert_int_equal(o.state, ORDER_CLAIMED);
	assert_string_equal(o.worker, "w2");
	run_order_release(&o);
	/* the run given back is the next one claimed */
	assert_int_equal(store_order_claim(other, "linux", "w2", time_now_ms(), got2, &c2, &e),
			 RC_OK);
	assert_string_equal(got2, a);
	store_close(other);
}

/* Adds one result named `test` to run `id` as worker `w` under `claim`;
 * returns service_results_add's code, and checks `lost` agrees with it. */
static int add_as(struct store *st, const char *id, const char *w, int64_t claim,
		  const char *test)
{
	struct result res = { .test = (char *)test, .status = RS_PASSED, .attempt = 1,
			      .exit_code = -1 };
	struct results_add_request rq = { .run_id = id, .results = &res, .n = 1,
					  .claim_worker = w, .claim = claim };
	struct idem_answer replay;
	bool replayed;
	struct error e = ERROR_INIT;
	int rc = service_results_add(st, &rq, &replay, &replayed, &e);
	assert_int_equal(rq.lost, rc == RC_STATE);
	return rc;
}

static size_t results_in(struct store *st, const char *id)
{
	struct result_filter all = { .status = -1 };
	struct result *rs;
	size_t n;
	struct error e = ERROR_INIT;
	assert_int_equal(store_results_list(st, id, &all, &rs, &n, &e), RC_OK);
	store_results_free(rs, n);
	return n;
}

static void test_lease_requeues_once_then_fails(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN], got[UUID_STR_LEN];
	start(fx->st, 0, id);
	assert_int_equal(service_worker_register(fx->st, "w1", "linux", 1, NULL, 0, &e), RC_OK);
	assert_int_equal(service_worker_register(fx->st, "w2", "linux", 1, NULL, 0, &e), RC_OK);
	int64_t claim1, claim2;
	/* Granted a minute by the server it claimed from. */
	claim_ok(fx->st, "w1", got, &claim1);
	assert_int_equal(service_worker_phase(fx->st, "w1", id, claim1, LC_INITIALIZED, NULL, &e),
			 RC_OK);
	/* While it holds the run, its results are taken. */
	assert_int_equal(add_as(fx->st, id, "w1", claim1, "early"), RC_OK);
	sleep_ms(30);
	/* Another server with a 10 ms lease goes by the minute w1 was granted. */
	size_t requeued, failed;
	assert_int_equal(service_orch_expire(fx->st, 10, &requeued, &failed, &e), RC_OK);
	assert_int_equal(requeued, 0);
	/* Once w1's row records 10 ms (a heartbeat through a 10 ms server),
	 * 30 ms of silence lose it the run. */
	struct heartbeat_answer a;
	assert_int_equal(service_worker_heartbeat(fx->st, "w1", id, claim1, 10, &a, &e), RC_OK);
	assert_false(a.lost);
	sleep_ms(30);
	assert_int_equal(service_orch_expire(fx->st, 60000, &requeued, &failed, &e), RC_OK);
	assert_int_equal(requeued, 1);
	assert_int_equal(failed, 0);
	struct run r;
	assert_int_equal(store_run_get(fx->st, id, &r, &e), RC_OK);
	assert_int_equal(r.lifecycle, LC_QUEUED);
	run_release(&r);
	/* The old holder is fenced off. */
	assert_int_equal(service_worker_phase(fx->st, "w1", id, claim1, LC_UPGRADING, NULL, &e),
			 RC_STATE);
	assert_true(str_starts(e.msg, "lost:"));
	/* Its results too, in the transaction that would insert them. */
	assert_int_equal(add_as(fx->st, id, "w1", claim1, "late"), RC_STATE);
	assert_int_equal(results_in(fx->st, id), 1);
	assert_int_equal(service_worker_heartbeat(fx->st, "w1", id, claim1, 60000, &a, &e), RC_OK);
	assert_true(a.lost);
	claim_leased(fx->st, "w2", 10, got, &claim2);
	assert_string_equal(got, id);
	assert_true(claim2 > claim1);
	sleep_ms(30);
	assert_int_equal(service_orch_expire(fx->st, 10, &requeued, &failed, &e), RC_OK);
	assert_int_equal(failed, 1);
	assert_int_equal(store_run_get(fx->st, id, &r, &e), RC_OK);
	assert_int_equal(r.lifecycle, LC_FAILED);
	assert_non_null(strstr(r.reason, "lost twice"));
	run_release(&r);
	struct run_event *ev;
	size_t n;
	assert_int_equal(store_run_events(fx->st, id, &ev, &n, &e), RC_OK);
	int queued = 0;
	for (size_t i = 0; i < n; i++)
		queued += ev[i].lifecycle == LC_QUEUED;
	assert_int_equal(queued, 2); /* started, and queued again once */
	run_events_free(ev, n);
}

static void test_cancel_queued_and_held(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char a[UUID_STR_LEN], b[UUID_STR_LEN], got[UUID_STR_LEN];
	start(fx->st, 0, a);
	start(fx->st, 0, b);
	assert_int_equal(service_worker_register(fx->st, "w1", "linux", 1, NULL, 0, &e), RC_OK);
	int64_t claim;
	claim_ok(fx->st, "w1", got, &claim);
	assert_string_equal(got, a);
	struct run r;
	assert_int_equal(service_run_cancel_any(fx->st, b, NULL, &r, &e), RC_OK);
	assert_int_equal(r.lifecycle, LC_CANCELLED);
	run_release(&r);
	assert_int_equal(service_run_cancel_any(fx->st, b, NULL, &r, &e), RC_STATE);
	assert_int_equal(service_run_cancel_any(fx->st, a, "stop it", &r, &e), RC_OK);
	assert_int_equal(r.lifecycle, LC_CANCELLING);
	run_release(&r);
	struct heartbeat_answer ha;
	assert_int_equal(service_worker_heartbeat(fx->st, "w1", a, claim, 60000, &ha, &e), RC_OK);
	assert_true(ha.cancel);
	assert_false(ha.lost);
	assert_int_equal(service_worker_phase(fx->st, "w1", a, claim, LC_INITIALIZED, NULL, &e),
			 RC_STATE);
	assert_true(str_starts(e.msg, "cancelling:"));
	assert_int_equal(service_worker_finish(fx->st, "w1", a, claim, LC_COMPLETED, NULL, false,
					       &r, &e),
			 RC_OK);
	assert_int_equal(r.lifecycle, LC_CANCELLED);
	run_release(&r);
}

static void test_health_takes_worker_offline(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN], got[UUID_STR_LEN];
	start(fx->st, 0, id);
	assert_int_equal(service_worker_register(fx->st, "w1", "linux", 1, NULL, 0, &e), RC_OK);
	bool offline;
	assert_int_equal(service_worker_health(fx->st, "w1", "health", false, "disk", &offline, &e), 0);
	assert_int_equal(service_worker_health(fx->st, "w1", "health", true, NULL, &offline, &e), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(service_worker_health(fx->st, "w1", "provision", false, "x", &offline, &e), 0);
		assert_false(offline); /* the success in between reset the count */
	}
	assert_int_equal(service_worker_health(fx->st, "w1", "provision", false, "y", &offline, &e), 0);
	assert_true(offline);
	struct claim c;
	assert_int_equal(service_worker_claim(fx->st, "w1", 60000, &c, &e), RC_STATE);
	assert_non_null(strstr(e.msg, "offline"));
	assert_int_equal(service_worker_enable(fx->st, "w1", &e), RC_OK);
	int64_t claim;
	claim_ok(fx->st, "w1", got, &claim);
	assert_string_equal(got, id);
}

/* Several processes updating one worker's counters at once (its health
 * hook and provision reports, a failed run's end) must each count: the
 * row is read and written back in one transaction, and on PostgreSQL two
 * such transactions would both read n and both write n + 1 unless the
 * read locks the row. Threads with a store handle each stand for
 * assay serve's connections. */
struct counter_th {
	const char *db;
	int rounds;
	int errors;
	struct error last; /* the last error */
};

static void *report_health_failures(void *arg)
{
	struct counter_th *t = arg;
	struct store *st;
	struct error e = ERROR_INIT;
	if (store_open(t->db, &st, &e)) {
		t->errors++;
		t->last = e;
		return NULL;
	}
	for (int i = 0; i < t->rounds; i++) {
		bool offline;
		if (service_worker_health(st, "w1", "health", false, "disk full", &offline, &e)) {
			t->errors++;
			t->last = e;
		}
	}
	store_close(st);
	return NULL;
}

static void test_concurrent_health_reports_all_count(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	enum { THREADS = 4, ROUNDS = 30 };
	assert_int_equal(service_worker_register(fx->st, "w1", "linux", 1, NULL, 0, &e), RC_OK);
	struct counter_th t[THREADS];
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		t[i] = (struct counter_th){ .db = fx->db, .rounds = ROUNDS };
		pthread_create(&th[i], NULL, report_health_failures, &t[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		if (t[i].errors)
			fail_msg("thread %d: %d errors, last: %s", i, t[i].errors, t[i].last.msg);
	}
	struct worker w;
	assert_int_equal(store_worker_get(fx->st, "w1", &w, &e), RC_OK);
	int64_t failures = w.health_failures;
	bool offline = w.offline_reason && strstr(w.offline_reason, "failed 3 times in a row");
	worker_release(&w);
	assert_int_equal(failures, THREADS * ROUNDS);
	assert_true(offline);
}

/* The same for the infrastructure failures a run ending 99 in a phase
 * counts, with claims of the same worker running meanwhile: a claim locks
 * the worker before the order it takes, a finish after its order and run;
 * neither may wait for the other in a cycle (PostgreSQL would fail one
 * with "deadlock detected"). */
static void *claim_and_fail(void *arg)
{
	struct counter_th *t = arg;
	struct store *st;
	struct error e = ERROR_INIT;
	if (store_open(t->db, &st, &e)) {
		t->errors++;
		t->last = e;
		return NULL;
	}
	for (;;) {
		struct claim c;
		int rc = service_worker_claim(st, "w1", 60000, &c, &e);
		if (rc == RC_NOTFOUND)
			break;
		if (rc) {
			t->errors++;
			t->last = e;
			break;
		}
		struct run r;
		if (service_worker_finish(st, "w1", c.run.id, c.order.claim, LC_FAILED,
					  "installing dependencies failed", true, &r, &e)) {
			t->errors++;
			t->last = e;
		} else {
			t->rounds++;
			run_release(&r);
		}
		claim_release(&c);
	}
	store_close(st);
	return NULL;
}

static void test_concurrent_phase_failures_all_count(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	enum { THREADS = 4, RUNS = 60 };
	char id[UUID_STR_LEN];
	for (int i = 0; i < RUNS; i++)
		start(fx->st, 0, id);
	assert_int_equal(service_worker_register(fx->st, "w1", "linux", 1, NULL, 0, &e), RC_OK);
	struct counter_th t[THREADS];
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		t[i] = (struct counter_th){ .db = fx->db };
		pthread_create(&th[i], NULL, claim_and_fail, &t[i]);
	}
	int ended = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		if (t[i].errors)
			fail_msg("thread %d: %d errors, last: %s", i, t[i].errors, t[i].last.msg);
		ended += t[i].rounds;
	}
	assert_int_equal(ended, RUNS);
	struct worker w;
	assert_int_equal(store_worker_get(fx->st, "w1", &w, &e), RC_OK);
	int64_t failures = w.infra_failures;
	worker_release(&w);
	assert_int_equal(failures, RUNS);
}

static void test_retention_keeps_newest_finished(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char ids[6][UUID_STR_LEN], got[UUID_STR_LEN];
	for (int i = 0; i < 6; i++) {
		start(fx->st, 0, ids[i]);
		sleep_ms(2);
	}
	assert_int_equal(service_worker_register(fx->st, "w1", "linux", 1, NULL, 0, &e), RC_OK);
	/* Finish the four oldest; two stay queued. */
	for (int i = 0; i < 4; i++) {
		int64_t claim;
		struct run r;
		claim_ok(fx->st, "w1", got, &claim);
		assert_string_equal(got, ids[i]);
		/* each finished run has a result, which goes with it */
		struct result res = { .test = "t", .status = RS_PASSED, .attempt = 1,
				      .exit_code = -1 };
		uuid7_new(res.id, 0);
		memcpy(res.run_id, got, UUID_STR_LEN);
		assert_int_equal(store_results_insert(fx->st, &res, 1, &e), RC_OK);
		assert_int_equal(service_worker_finish(fx->st, "w1", got, claim, LC_COMPLETED, NULL,
						       false, &r, &e),
				 RC_OK);
		run_release(&r);
	}
	int64_t deleted;
	assert_int_equal(service_prune(fx->st, "linux", 1, 0, &deleted, &e), RC_OK);
	assert_int_equal(deleted, 3);
	struct run r;
	for (int i = 0; i < 6; i++) {
		int rc = store_run_get(fx->st, ids[i], &r, &e);
		assert_int_equal(rc, i < 3 ? RC_NOTFOUND : RC_OK);
		if (!rc)
			run_release(&r);
	}
	/* the pruned runs' results are gone with them, the kept run's stays */
	if (testlib_pg()) {
		PGresult *res = testlib_pg_exec(fx->db, "SELECT count(*) FROM results");
		assert_string_equal(PQgetvalue(res, 0, 0), "1");
		PQclear(res);
	} else {
		sqlite3 *db;
		sqlite3_stmt *q;
		assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
		assert_int_equal(
			sqlite3_prepare_v2(db, "SELECT count(*) FROM result_rows", -1, &q, NULL),
			SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(q, 0), 1);
		sqlite3_finalize(q);
		sqlite3_close(db);
	}
	/* An age bound never reaches unfinished runs either. */
	assert_int_equal(service_prune(fx->st, NULL, 0, time_now_ms() + 1000, &deleted, &e), RC_OK);
	assert_int_equal(deleted, 1);
	for (int i = 4; i < 6; i++) {
		assert_int_equal(store_run_get(fx->st, ids[i], &r, &e), RC_OK);
		run_release(&r);
	}
}

static void test_worker_row_records_its_lease(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	assert_int_equal(service_worker_register(fx->st, "w1", "linux", 1, NULL, 5000, &e), RC_OK);
	struct worker w;
	assert_int_equal(store_worker_get(fx->st, "w1", &w, &e), RC_OK);
	assert_int_equal(w.lease_ms, 5000);
	assert_int_equal(worker_state(&w, w.heartbeat_at + 4000, 0), WS_IDLE);
	assert_int_equal(worker_state(&w, w.heartbeat_at + 6000, 0), WS_LOST);
	assert_int_equal(worker_state(&w, w.heartbeat_at + 4000, 1000), WS_LOST); /* override */
	int64_t hb = w.heartbeat_at;
	w.lease_ms = 0; /* a row recording none: the default */
	assert_int_equal(worker_lease_ms(&w), ORCH_DEFAULT_LEASE_MS);
	assert_int_equal(worker_state(&w, hb + ORCH_DEFAULT_LEASE_MS - 1, 0), WS_IDLE);
	assert_int_equal(worker_state(&w, hb + ORCH_DEFAULT_LEASE_MS + 1, 0), WS_LOST);
	worker_release(&w);
	/* A heartbeat records the lease granted with it. */
	struct heartbeat_answer a;
	assert_int_equal(service_worker_heartbeat(fx->st, "w1", NULL, 0, 120000, &a, &e), RC_OK);
	assert_int_equal(store_worker_get(fx->st, "w1", &w, &e), RC_OK);
	assert_int_equal(w.lease_ms, 120000);
	hb = w.heartbeat_at;
	worker_release(&w);
	/* The pool counts it online by that lease, or by an override. */
	struct pool_stat ps;
	assert_int_equal(store_pool_stat(fx->st, "linux", hb + 100000, 0, &ps, &e), RC_OK);
	assert_int_equal(ps.online, 1);
	assert_int_equal(store_pool_stat(fx->st, "linux", hb + 130000, 0, &ps, &e), RC_OK);
	assert_int_equal(ps.online, 0);
	assert_int_equal(store_pool_stat(fx->st, "linux", hb + 100000, 50000, &ps, &e), RC_OK);
	assert_int_equal(ps.online, 0);
}

/* A run its holder stops naming in heartbeats, once its claim is older than
 * the lease, goes as if the lease had run out; here a cancelling one, which
 * ends cancelled (tests/cli/orch_lease.sh has queued again, then 99). */
static void test_heartbeat_without_held_run_loses_it(void **state)
{
	struct fixture *fx = *state;
	struct error e = ERROR_INIT;
	char id[UUID_STR_LEN], got[UUID_STR_LEN];
	start(fx->st, 0, id);
	assert_int_equal(service_worker_register(fx->st, "w1", "linux", 1, NULL, 0, &e), RC_OK);
	int64_t claim;
	claim_ok(fx->st, "w1", got, &claim);
	struct run r;
	assert_int_equal(service_run_cancel_any(fx->st, id, NULL, &r, &e), RC_OK);
	assert_int_equal(r.lifecycle, LC_CANCELLING);
	run_release(&r);
	struct heartbeat_answer a;
	/* Claimed less than a lease (60 s) ago: left alone. */
	assert_int_equal(service_worker_heartbeat(fx->st, "w1", NULL, 0, 60000, &a, &e), RC_OK);
	assert_int_equal(store_run_get(fx->st, id, &r, &e), RC_OK);
	assert_int_equal(r.lifecycle, LC_CANCELLING);
	run_release(&r);
	sleep_ms(30);
	/* Named: left alone, however old the claim. */
	assert_int_equal(service_worker_heartbeat(fx->st, "w1", id, claim, 10, &a, &e), RC_OK);
	assert_false(a.lost);
	assert_true(a.cancel);
	/* Not named, claimed more than a lease (10 ms) ago: taken. */
	assert_int_equal(service_worker_heartbeat(fx->st, "w1", "", 0, 10, &a, &e), RC_OK);
	assert_int_equal(store_run_get(fx->st, id, &r, &e), RC_OK);
	assert_int_equal(r.lifecycle, LC_CANCELLED);
	assert_non_null(strstr(r.reason, "worker w1 heartbeats without run"));
	run_release(&r);
	struct run_order o;
	assert_int_equal(store_order_get(fx->st, id, &o, &e), RC_OK);
	assert_int_equal(o.state, ORDER_DONE);
	run_order_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_priority_then_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_claims_give_each_run_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_claim_is_skipped_not_waited_for, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lease_requeues_once_then_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_queued_and_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_takes_worker_offline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_health_reports_all_count, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_phase_failures_all_count, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retention_keeps_newest_finished, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_row_records_its_lease, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heartbeat_without_held_run_loses_it, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
