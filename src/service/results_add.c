/* results_add — records a reporter's results into an open run (see
 * results_add.h). The order inside the transaction matters: the key first
 * (a retry of a request that succeeded must get its answer even if the run
 * was completed since), then the run's state, then the results and the key
 * together. */
#include "util/base.h"

#include "service/orch.h"
#include "service/results_add.h"
#include "service/runs.h"
#include "util/uuid.h"

static int record(struct store *st, struct results_add_request *req, const char *scope,
		  struct idem_answer *replay, bool *replayed, struct error *e)
{
	if (req->idem_key) {
		int rc = store_idem_get(st, scope, req->idem_key, replay, e);
		if (!rc) {
			const char *h = req->request_hash ? req->request_hash : "";
			if (strcmp(replay->request_hash ? replay->request_hash : "", h)) {
				idem_answer_release(replay);
				return err_set(e, RC_EXISTS,
					       "Idempotency-Key '%s' was used for a different request "
					       "to run %s",
					       req->idem_key, req->run_id);
			}
			*replayed = true;
			return RC_OK;
		}
		if (rc != RC_NOTFOUND)
			return rc;
	}
	int rc;
	/* The claim before the run: orders are locked before runs (PostgreSQL
	 * locks what a transaction reads), as lease expiry does. */
	if (req->claim_worker &&
	    (rc = service_worker_holds(st, req->claim_worker, req->run_id, req->claim, e))) {
		req->lost = rc == RC_STATE;
		return rc;
	}
	struct run r;
	rc = store_run_get(st, req->run_id, &r, e);
	if (rc)
		return rc;
	if ((rc = service_run_takes_results(&r, e))) {
		run_release(&r);
		return rc;
	}
	run_release(&r);
	for (size_t i = 0; i < req->n; i++) {
		memcpy(req->results[i].run_id, req->run_id, UUID_STR_LEN);
		/* A result that is not marked superseded is its test's newest in
		 * the run, whatever attempt number the reporter gave: the store
		 * numbers it after every attempt recorded, superseding the one
		 * that counted until now (the last one counts). */
		if (!req->results[i].superseded)
			req->results[i].attempt = 0;
		if (!req->results[i].id[0])
			uuid7_new(req->results[i].id, 0);
	}
	/* A pool run queued again after its worker lost it runs again from
	 * the start: this claim's output of a suite replaces what an earlier
	 * claim sent of it, as its results supersede that claim's. */
	for (size_t i = 0; req->claim_worker && i < req->n_outs; i++) {
		req->outs[i].claim = req->claim;
		if ((rc = store_suite_outputs_drop_older(st, req->run_id, req->outs[i].suite,
							 req->claim, e)))
			return rc;
	}
	if ((rc = store_results_insert(st, req->results, req->n, e)) ||
	    (rc = store_suite_outputs_add(st, req->run_id, req->outs, req->n_outs, e)))
		return rc;
	if (req->idem_key) {
		struct idem_answer a = req->answer;
		a.request_hash = (char *)(req->request_hash ? req->request_hash : "");
		rc = store_idem_put(st, scope, req->idem_key, &a, e);
	}
	return rc;
}

int service_results_add(struct store *st, struct results_add_request *req,
			struct idem_answer *replay, bool *replayed, struct error *e)
{
	memset(replay, 0, sizeof(*replay));
	*replayed = false;
	req->lost = false;
	if (!req->run_id || strlen(req->run_id) != UUID_STR_LEN - 1)
		return err_set(e, RC_USAGE, "adding results: no run id given");
	char *scope = xasprintf("results:%s", req->run_id);
	int rc = store_begin(st, e);
	if (!rc)
		rc = record(st, req, scope, replay, replayed, e);
	if (!rc)
		rc = store_commit(st, e);
	if (rc) {
		store_rollback(st);
		idem_answer_release(replay);
		*replayed = false;
	}
	free(scope);
	return rc;
}

int service_idem_expire(struct store *st, int64_t now, int64_t *n, struct error *e)
{
	return store_idem_expire(st, now - IDEM_KEEP_MS, n, e);
}
