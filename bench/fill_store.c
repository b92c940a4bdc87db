/* fill_store — makes a large run for bench/export.sh, straight through the
 * store API (no test is executed):
 *
 *     fill_store DB N [RUNS]  # one completed run of N results in DB; prints its id
 *
 * With RUNS, that many small older runs come first (2 results each, over the
 * environments ci, dev, staging and nightly, one in four failed), so a runs
 * listing has something to filter (bench/serve.sh).
 *
 * The results look like a big suite's: names "pkgP/modM/test_NNNNNNN" spread
 * over about N/1000 suites and recorded interleaved (as parallel tests finish),
 * 5% failed with a message and a few lines of stdout and stderr, 1% skipped,
 * and every 500th test retried once (a superseded failed attempt before the
 * final one). Built against build/release/libassay.a (see bench/export.sh). */
#include "util/base.h"

#include "model/run.h"
#include "store/store.h"
#include "util/time.h"
#include "util/uuid.h"

#define BATCH 10000

static int die(const struct error *e)
{
	fprintf(stderr, "fill_store: %s\n", e->msg);
	return 1;
}

/* RUNS small completed runs, a minute apart before t0, in one transaction
 * each (the store's own). */
static int add_small_runs(struct store *st, long runs, int64_t t0, struct error *e)
{
	static const char *const envs[] = { "ci", "dev", "staging", "nightly" };
	for (long j = 0; j < runs; j++) {
		int64_t at = t0 - (runs - j) * 60000;
		bool failed = j % 4 == 1;
		struct run r = { 0 };
		uuid7_new(r.id, at);
		r.project = xstrdup("bench");
		r.definition = xstrdup(".");
		r.title = xasprintf("small run %ld", j);
		r.environment = xstrdup(envs[(j / 2) % 4]);
		r.triggered_by = xstrdup("bench@localhost");
		r.lifecycle = LC_IN_PROGRESS;
		r.verdict = V_RUNNING;
		r.created_at = r.started_at = at;
		r.total = 2;
		if (store_run_insert(st, &r, e))
			return e->code;
		struct result res[2] = { 0 };
		for (int k = 0; k < 2; k++) {
			memcpy(res[k].run_id, r.id, sizeof(res[k].run_id));
			res[k].test = xasprintf("smoke/test_%d", k);
			res[k].status = failed && k ? RS_FAILED : RS_PASSED;
			res[k].duration_ms = 10 + k;
			res[k].attempt = 1;
			res[k].exit_code = failed && k ? 1 : 0;
			res[k].started_at = at;
			res[k].completed_at = at + 10 + k;
		}
		if (store_results_insert(st, res, 2, e))
			return e->code;
		for (int k = 0; k < 2; k++)
			result_release(&res[k]);
		struct run stored;
		if (store_run_get(st, r.id, &stored, e))
			return e->code;
		r.lifecycle = lifecycle_for_counts(stored.counts);
		r.verdict = verdict_of(r.lifecycle);
		r.completed_at = at + 20;
		r.duration_ms = 20;
		run_release(&stored);
		if (store_run_update(st, &r, e) ||
		    store_run_event_add(st, r.id, r.lifecycle, r.completed_at, NULL, e))
			return e->code;
		run_release(&r);
	}
	return RC_OK;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: fill_store DB N [RUNS]\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	if (n < 1) {
		fprintf(stderr, "fill_store: N must be a positive number\n");
		return 2;
	}
	struct error e = ERROR_INIT;
	struct store *st;
	if (store_open(argv[1], &st, &e))
		return die(&e);

	long runs = argc == 4 ? strtol(argv[3], NULL, 10) : 0;
	int64_t t0 = time_now_ms();
	if (add_small_runs(st, runs, t0, &e))
		return die(&e);
	struct run run = { 0 };
	uuid7_new(run.id, t0);
	run.project = xstrdup("bench");
	run.definition = xstrdup(".");
	run.title = xstrdup("export benchmark");
	run.environment = xstrdup("ci");
	run.triggered_by = xstrdup("bench@localhost");
	run.context_json = xstrdup("{\"branch\":\"main\",\"build\":\"1234\"}");
	run.lifecycle = LC_IN_PROGRESS;
	run.verdict = V_RUNNING;
	run.created_at = run.started_at = t0;
	run.total = n;
	if (store_run_insert(st, &run, &e))
		return die(&e);

	long suites = n / 1000 > 0 ? n / 1000 : 1;
	struct result *batch = xcalloc(BATCH + 1, sizeof(*batch));
	size_t nb = 0;
	int64_t clock = t0;
	for (long i = 0; i < n; i++) {
		long suite = i % suites, k = i / suites;
		char *name = xasprintf("pkg%ld/mod%03ld/test_%07ld", suite / 100, suite % 100, k);
		bool fail = i % 20 == 7, skip = i % 100 == 3, retried = i % 500 == 11;
		int64_t dur = 1 + (i * 7919) % 250;
		if (retried) {
			struct result *a = &batch[nb++];
			memcpy(a->run_id, run.id, sizeof(a->run_id));
			a->test = xstrdup(name);
			a->status = RS_FAILED;
			a->duration_ms = dur * 2;
			a->message = xstrdup("exit status 1\nfirst attempt timed out talking to the cache");
			a->stderr_text = xstrdup("connection refused\n");
			a->attempt = 1;
			a->superseded = true;
			a->exit_code = 1;
			a->started_at = clock;
			a->completed_at = clock + dur * 2;
		}
		struct result *r = &batch[nb++];
		memcpy(r->run_id, run.id, sizeof(r->run_id));
		r->test = name;
		r->status = fail ? RS_FAILED : skip ? RS_SKIPPED : RS_PASSED;
		r->duration_ms = dur;
		r->attempt = retried ? 2 : 1;
		r->exit_code = fail ? 1 : skip ? 77 : 0;
		r->started_at = clock;
		r->completed_at = clock + dur;
		if (fail) {
			r->message = xasprintf("exit status 1\nassertion failed: expected %ld, got %ld "
					       "<in \"check_total\" & friends>",
					       i, i + 1);
			r->stdout_text = xasprintf("running test_%07ld\nstep 1 ok\nstep 2 ok\n"
						   "step 3: checking the total\n",
						   k);
			r->stderr_text = xasprintf("test_%07ld.c:42: check_total: %ld != %ld\n"
						   "  at check_total (test.c:42)\n"
						   "  at main (test.c:97)\n",
						   k, i, i + 1);
		} else if (skip) {
			r->message = xstrdup("skipped: needs a GPU");
		}
		clock += dur / 2;
		if (nb >= BATCH) {
			if (store_results_insert(st, batch, nb, &e))
				return die(&e);
			for (size_t j = 0; j < nb; j++)
				result_release(&batch[j]);
			nb = 0;
		}
	}
	if (nb && store_results_insert(st, batch, nb, &e))
		return die(&e);
	for (size_t j = 0; j < nb; j++)
		result_release(&batch[j]);
	free(batch);

	struct run stored;
	if (store_run_get(st, run.id, &stored, &e))
		return die(&e);
	run.lifecycle = lifecycle_for_counts(stored.counts);
	run.verdict = verdict_of(run.lifecycle);
	run.completed_at = clock;
	run.duration_ms = clock - t0;
	run_release(&stored);
	if (store_run_update(st, &run, &e) ||
	    store_run_event_add(st, run.id, run.lifecycle, clock, NULL, &e))
		return die(&e);
	printf("%s\n", run.id);
	run_release(&run);
	store_close(st);
	return 0;
}
