/* run_open — open, complete and abort runs for external reporters (see
 * run_open.h). Each operation is one transaction: the run's row and its
 * lifecycle event change together or not at all. */
#include "util/base.h"

#include "service/run_open.h"
#include "util/time.h"

int service_run_open(struct store *st, const struct run_open_request *req, struct run *out,
		     struct error *e)
{
	memset(out, 0, sizeof(*out));
	/* A run may say which pool its tests ran on, one assay knows: a name
	 * nobody registered would be a pool no listing or filter could show. */
	if (req->pool) {
		struct pool p;
		int rc = store_pool_get(st, req->pool, &p, e);
		if (rc == RC_NOTFOUND)
			return err_set(e, RC_USAGE,
				       "pool: no pool named '%s' (assay pool add, or POST /api/v1/pools)",
				       req->pool);
		if (rc)
			return rc;
		pool_release(&p);
	}
	service_run_init(out, &req->props);
	/* The reporter runs the tests; this process only records them. */
	free(out->host);
	out->host = NULL;
	out->pid = out->pid_start = 0;
	free(out->triggered_by);
	out->triggered_by = xstrdup(req->triggered_by ? req->triggered_by : "api");
	if (req->context_json) {
		free(out->context_json);
		out->context_json = xstrdup(req->context_json);
	}
	out->milestone = req->milestone ? xstrdup(req->milestone) : NULL;
	out->pool = req->pool ? xstrdup(req->pool) : NULL;
	out->total = req->total > 0 ? req->total : 0;
	out->lifecycle = LC_IN_PROGRESS;
	out->verdict = V_RUNNING;
	int rc = store_begin(st, e);
	if (!rc)
		rc = store_run_insert(st, out, e);
	if (!rc)
		rc = store_run_event_add(st, out->id, LC_IN_PROGRESS, out->started_at,
					 "opened for a reporter", e);
	if (!rc)
		rc = store_commit(st, e);
	if (rc) {
		store_rollback(st);
		run_release(out);
		return rc;
	}
	/* Read back: the stored row is what every later answer shows. */
	char id[UUID_STR_LEN];
	memcpy(id, out->id, sizeof(id));
	run_release(out);
	return store_run_get(st, id, out, e);
}

/* Moves the open run `id` to the terminal state `lc` (or, for LC_COMPLETED,
 * to 7 or 8 by its counters), in one transaction. */
static int close_run(struct store *st, const char *id, enum lifecycle lc, const char *reason,
		     struct run *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	struct run r;
	if ((rc = store_run_get(st, id, &r, e)))
		goto fail;
	if (lifecycle_is_terminal(r.lifecycle)) {
		rc = err_set(e, RC_STATE, "run %s is closed already (%s, %d)", r.id,
			     lifecycle_name(r.lifecycle), (int)r.lifecycle);
		run_release(&r);
		goto fail;
	}
	/* A run on a pool is its worker's to complete: completed here, a queued
	 * one was still handed out by the next claim. Cancelling (orch's
	 * service_run_cancel_any) is how anyone else ends it. */
	struct run_order o;
	if (lc == LC_COMPLETED && (rc = store_order_get(st, id, &o, e)) != RC_NOTFOUND) {
		if (!rc) {
			rc = err_set(e, RC_STATE,
				     "run %s is %s on pool '%s': its worker completes it "
				     "(cancel it to end it now)",
				     r.id, lifecycle_name(r.lifecycle), r.pool ? r.pool : "?");
			run_order_release(&o);
		}
		run_release(&r);
		goto fail;
	}
	err_clear(e);
	int64_t now = time_now_ms(), counted = 0, orphans = 0;
	for (int i = 0; i < RS__COUNT; i++)
		counted += r.counts[i];
	/* The counters count top-level results: a sub-result that failed under
	 * a parent never sent would leave the run passed. */
	if (lc == LC_COMPLETED && (rc = store_run_orphan_failures(st, r.id, &orphans, e))) {
		run_release(&r);
		goto fail;
	}
	r.lifecycle = lc != LC_COMPLETED ? lc
		      : orphans	       ? LC_COMPLETED_FAILURES
				       : lifecycle_for_counts(r.counts);
	/* Computed once, here, and never again (seed 003). */
	r.verdict = verdict_of(r.lifecycle);
	r.completed_at = now;
	r.duration_ms = r.started_at && now > r.started_at ? now - r.started_at : 0;
	if (r.total < counted)
		r.total = counted;
	if (reason) {
		free(r.reason);
		r.reason = xstrdup(reason);
	}
	char msg[160];
	int at = snprintf(msg, sizeof(msg), "%s with %lld results",
			  lc == LC_COMPLETED ? "completed" : "aborted", (long long)counted);
	if (orphans)
		snprintf(msg + at, sizeof(msg) - (size_t)at,
			 "; %lld sub-results did not pass and have no parent result",
			 (long long)orphans);
	rc = store_run_update(st, &r, e);
	if (!rc)
		rc = store_run_event_add(st, r.id, r.lifecycle, now, reason ? reason : msg, e);
	if (!rc)
		rc = store_commit(st, e);
	if (rc) {
		run_release(&r);
		goto fail;
	}
	*out = r;
	return RC_OK;
fail:
	store_rollback(st);
	return rc;
}

int service_run_complete(struct store *st, const char *id, struct run *out, struct error *e)
{
	return close_run(st, id, LC_COMPLETED, NULL, out, e);
}

int service_run_cancel(struct store *st, const char *id, const char *reason, struct run *out,
		       struct error *e)
{
	return close_run(st, id, LC_CANCELLED, reason ? reason : "aborted over the API", out, e);
}
