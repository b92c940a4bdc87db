#include "util/base.h"

#include <jansson.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include "service/recover.h"
#include "service/run_local.h"
#include "service/runs.h"
#include "util/buf.h"
#include "util/proc.h"
#include "util/time.h"

/* Results wait here until a batch is worth a transaction. */
#define BATCH_MAX 512
#define BATCH_OUTS_MAX 64 /* suite outputs: up to 128 KiB each */
#define BATCH_AGE_MS 250

struct local_run {
	struct store *st;
	const struct run_progress *pg;
	struct run *run;
	struct result *pending;
	size_t n_pending, cap_pending;
	struct suite_output *outs; /* suite outputs waiting with them */
	size_t n_outs, cap_outs;
	int64_t last_flush;
	int store_rc;            /* first store failure, if any */
	struct error store_err;
	bool cancelling_recorded;
	const char *cancel_reason;
};

/* Records a lifecycle transition: the run row and an event, each with its time. */
static int transition(struct local_run *lr, enum lifecycle lc, const char *message,
		      struct error *e)
{
	lr->run->lifecycle = lc;
	lr->run->verdict = verdict_of(lc);
	int rc = store_run_update(lr->st, lr->run, e);
	if (!rc)
		rc = store_run_event_add(lr->st, lr->run->id, lc, time_now_ms(), message, e);
	return rc;
}

/* Stores the waiting results and suite outputs in one transaction (the
 * results alone are one already). */
static int store_pending(struct local_run *lr, struct error *e)
{
	if (!lr->n_outs)
		return store_results_insert(lr->st, lr->pending, lr->n_pending, e);
	int rc = store_begin(lr->st, e);
	if (!rc)
		rc = store_results_insert(lr->st, lr->pending, lr->n_pending, e);
	if (!rc)
		rc = store_suite_outputs_add(lr->st, lr->run->id, lr->outs, lr->n_outs, e);
	if (!rc)
		rc = store_commit(lr->st, e);
	if (rc)
		store_rollback(lr->st);
	return rc;
}

static void flush(struct local_run *lr)
{
	if (!lr->n_pending && !lr->n_outs)
		return;
	struct error e = ERROR_INIT;
	int rc = store_pending(lr, &e);
	if (rc && !lr->store_rc) {
		lr->store_rc = rc;
		lr->store_err = e;
	}
	for (size_t i = 0; i < lr->n_pending; i++)
		result_release(&lr->pending[i]);
	lr->n_pending = 0;
	for (size_t i = 0; i < lr->n_outs; i++)
		suite_output_release(&lr->outs[i]);
	lr->n_outs = 0;
	lr->last_flush = time_now_ms();
}

static void keep(struct local_run *lr, struct result *r)
{
	GROW(lr->pending, lr->cap_pending, lr->n_pending + 1);
	memcpy(r->run_id, lr->run->id, sizeof(r->run_id));
	lr->pending[lr->n_pending++] = *r;
	memset(r, 0, sizeof(*r));
}

static void on_started(void *ctx, const struct plan_item *it)
{
	struct local_run *lr = ctx;
	if (lr->pg->started)
		lr->pg->started(lr->pg->ctx, it->test->name);
}

static void on_sub_results(void *ctx, const struct plan_item *it, struct result *subs,
			   size_t n)
{
	(void)it;
	struct local_run *lr = ctx;
	if (lr->pg->sub_results)
		lr->pg->sub_results(lr->pg->ctx, subs, n);
	for (size_t i = 0; i < n; i++) {
		keep(lr, &subs[i]);
		if (lr->n_pending >= BATCH_MAX)
			flush(lr);
	}
}

static void on_result(void *ctx, const struct plan_item *it, struct result *r,
		      struct result *subs, size_t n_subs)
{
	struct local_run *lr = ctx;
	if (lr->pg->result)
		lr->pg->result(lr->pg->ctx, r, subs, n_subs);
	keep(lr, r);
	for (size_t i = 0; i < n_subs; i++)
		keep(lr, &subs[i]);
	if (lr->n_pending >= BATCH_MAX || lr->n_outs >= BATCH_OUTS_MAX)
		flush(lr);
}

/* Kept to be written with the test's result, which comes next. */
static void on_suite_outputs(void *ctx, const struct plan_item *it, struct suite_output *o,
			     size_t n)
{
	(void)it;
	struct local_run *lr = ctx;
	if (lr->pg->suite_outputs)
		lr->pg->suite_outputs(lr->pg->ctx, o, n);
	GROW(lr->outs, lr->cap_outs, lr->n_outs + n);
	memcpy(lr->outs + lr->n_outs, o, n * sizeof(*o));
	lr->n_outs += n;
	memset(o, 0, n * sizeof(*o));
}

static void on_resource(void *ctx, const char *name, enum exec_resource_phase ph, bool ok,
			const char *msg)
{
	struct local_run *lr = ctx;
	if (lr->pg->resource)
		lr->pg->resource(lr->pg->ctx, name, ph, ok, msg);
}

static void on_cancelling(void *ctx, bool hard)
{
	struct local_run *lr = ctx;
	if (!lr->cancelling_recorded) {
		struct error e = ERROR_INIT;
		lr->cancelling_recorded = true;
		const char *why = lr->cancel_reason ? lr->cancel_reason : "cancelled by a signal";
		free(lr->run->reason);
		lr->run->reason = xstrdup(why);
		if (transition(lr, LC_CANCELLING,
			       lr->cancel_reason ? why : "cancel requested (SIGINT/SIGTERM)", &e) &&
		    !lr->store_rc) {
			lr->store_rc = e.code;
			lr->store_err = e;
		}
	}
	if (lr->pg->cancelling)
		lr->pg->cancelling(lr->pg->ctx, hard);
}

static void on_tick(void *ctx)
{
	struct local_run *lr = ctx;
	if (lr->n_pending && time_now_ms() - lr->last_flush >= BATCH_AGE_MS)
		flush(lr);
	if (lr->pg->tick)
		lr->pg->tick(lr->pg->ctx);
}

static void set_expected(void *ctx, const char *name, int64_t ms)
{
	plan_set_expected(ctx, name, ms);
}

static void load_history(struct store *st, struct plan *p, const char *project,
			 int64_t *known)
{
	struct error e = ERROR_INIT;
	/* A missing history only costs ordering, never the run. */
	(void)store_test_durations(st, project, set_expected, p, &e);
	*known = 0;
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].expected_ms >= 0)
			(*known)++;
	plan_prioritize(p);
}

/* Fills a new run record from the request. */
static void make_run(const struct run_request *req, const struct plan *p, struct run *r)
{
	struct kvlist ctx = KVLIST_INIT;
	kv_copy(&ctx, &req->cat->context);
	if (req->context)
		kv_copy(&ctx, req->context);
	struct buf def = BUF_INIT;
	for (size_t i = 0; i < req->select.n_names; i++)
		buf_addf(&def, "%s%s", i ? " " : "", req->select.names[i]);
	struct run_props props = {
		.project = req->cat->project,
		.definition = def.len ? def.data : ".",
		.title = req->title,
		.description = req->description,
		.environment = req->environment,
		.context = &ctx,
	};
	service_run_init(r, &props);
	r->lifecycle = LC_INITIALIZING;
	r->total = (int64_t)p->n;
	buf_release(&def);
	kv_release(&ctx);
}

static int jobs_default(int jobs)
{
	if (jobs > 0)
		return jobs;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/* Why a selection holds no test: a run of none would pass, and a gate
 * reading it would let through a release that tested nothing (pytest
 * exits 5, `ctest --no-tests=error` fails). */
static int nothing_to_run(const struct run_request *req, size_t named, size_t excluded,
			  struct error *e)
{
	const struct plan_request *s = &req->select;
	if (!req->cat->n_tests)
		return err_set(e, RC_USAGE, "nothing to run: the catalog has no tests");
	if (named && excluded == named)
		return err_set(e, RC_USAGE,
			       "nothing to run: --exclude leaves out all %zu tests selected",
			       named);
	if (!s->n_labels || named == excluded)
		return err_set(e, RC_USAGE, "nothing to run: the selection holds no test");
	struct buf labels = BUF_INIT;
	for (size_t i = 0; i < s->n_labels; i++)
		buf_addf(&labels, "%s'%s'", i ? (i + 1 == s->n_labels ? " or " : ", ") : "",
			 s->labels[i]);
	err_set(e, RC_USAGE, "nothing to run: none of the %zu tests selected has the label %s",
		named - excluded, labels.data);
	buf_release(&labels);
	return RC_USAGE;
}

int service_run_local(struct store *st, const struct run_request *req,
		      const struct run_progress *pg, struct run *out, struct error *e)
{
	struct plan *p;
	int rc = plan_build(req->cat, &req->select, &p, e);
	if (rc)
		return rc;
	if (!p->n && !req->allow_empty) {
		size_t named = p->n_named, excluded = p->n_excluded;
		plan_free(p);
		return nothing_to_run(req, named, excluded, e);
	}
	int64_t known;
	load_history(st, p, req->cat->project, &known);

	struct run run;
	make_run(req, p, &run);
	struct local_run lr = { .st = st, .pg = pg, .run = &run, .last_flush = time_now_ms(),
				.cancel_reason = req->cancel ? req->cancel_reason : NULL };
	rc = store_run_insert(st, &run, e);
	if (!rc)
		rc = store_run_event_add(st, run.id, LC_INITIALIZING, run.started_at,
					 "local run: nothing to download", e);
	/* A local run has no packages, upgrade or dependencies: it passes
	 * straight through those phases, each recorded with its time. */
	static const struct {
		enum lifecycle lc;
		const char *msg;
	} phases[] = {
		{ LC_INITIALIZED, NULL },
		{ LC_UPGRADING, "no upgrade for a local run" },
		{ LC_UPGRADED, NULL },
		{ LC_INSTALLING, "no packages to install for a local run" },
		{ LC_INSTALLED, NULL },
		{ LC_IN_PROGRESS, NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(phases) && !rc; i++)
		rc = transition(&lr, phases[i].lc, phases[i].msg, e);
	if (rc) {
		plan_free(p);
		run_release(&run);
		return rc;
	}
	if (pg->begin)
		pg->begin(pg->ctx, &run, p, known ? plan_expected_total(p) : 0);

	struct kvlist ctx = KVLIST_INIT;
	kv_copy(&ctx, &req->cat->context);
	if (req->context)
		kv_copy(&ctx, req->context);
	struct exec_opts o = EXEC_OPTS_DEFAULT;
	o.jobs = jobs_default(req->jobs);
	o.default_timeout_ms = req->timeout_ms;
	if (req->grace_ms > 0)
		o.grace_ms = req->grace_ms;
	if (req->output_limit)
		o.output_limit = req->output_limit;
	o.context = &ctx;
	o.run_id = run.id;
	o.handle_signals = req->handle_signals;
	o.cancel = req->cancel;
	o.tick_ms = 100;
	struct exec_events ev = { .ctx = &lr,
				  .started = on_started,
				  .result = on_result,
				  .resource = on_resource,
				  .cancelling = on_cancelling,
				  .tick = on_tick,
				  .suite_outputs = on_suite_outputs,
				  .sub_results = on_sub_results };
	struct exec_summary sum = { 0 };
	struct error xe = ERROR_INIT;
	int xrc = exec_run(p, &o, &ev, &sum, &xe);
	flush(&lr);
	kv_release(&ctx);
	plan_free(p);
	free(lr.pending);
	free(lr.outs);

	int64_t now = time_now_ms();
	run.completed_at = now;
	run.duration_ms = now - run.started_at;
	enum lifecycle end;
	const char *why = NULL;
	if (xrc || lr.store_rc) {
		end = LC_FAILED;
		why = xrc ? xe.msg : lr.store_err.msg;
		free(run.reason);
		run.reason = xstrdup(why);
	} else if (sum.cancelled) {
		end = LC_CANCELLED;
		why = sum.killed ? "cancelled; the second signal killed every process at once"
				 : "cancelled; clean-ups ran";
	} else {
		/* The verdict is decided once, here, from the stored counters. */
		struct run stored;
		rc = store_run_get(st, run.id, &stored, e);
		if (rc) {
			run_release(&run);
			return rc;
		}
		end = lifecycle_for_counts(stored.counts);
		run_release(&stored);
	}
	struct error te = ERROR_INIT;
	int trc = transition(&lr, end, why, &te);
	char id[UUID_STR_LEN];
	memcpy(id, run.id, sizeof(id));
	run_release(&run);
	if (xrc) {
		*e = xe;
		return xrc;
	}
	if (lr.store_rc) {
		*e = lr.store_err;
		return lr.store_rc;
	}
	if (trc) {
		*e = te;
		return trc;
	}
	rc = store_run_get(st, id, out, e);
	if (rc)
		return rc;
	return sum.cancelled ? RC_CANCELLED : RC_OK;
}
