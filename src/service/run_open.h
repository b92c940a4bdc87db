/* run_open — runs that a reporter outside this process fills with results
 * (a CI job over the API, another test framework), as Qase's API reporters
 * do: open the run, add results to it (service/results_add.h), then
 * complete or abort it. Once closed, a run takes no more results.
 *
 *     struct run_open_request req = { .props = { .title = "nightly" } };
 *     struct run r;
 *     service_run_open(st, &req, &r, &e);     // in_progress (6), running
 *     ... service_results_add(st, ...) ...
 *     service_run_complete(st, r.id, &r2, &e); // 7 or 8 from its counters
 *
 * An open run belongs to no local process (host and pid are empty), so the
 * recovery of abandoned local runs (service/recover.h) never touches it. */
#ifndef ASSAY_SERVICE_RUN_OPEN_H
#define ASSAY_SERVICE_RUN_OPEN_H

#include "service/runs.h"
#include "store/store.h"

struct run_open_request {
	struct run_props props;   /* title, description, environment, project... */
	const char *milestone;
	const char *pool;
	const char *triggered_by; /* NULL: "api" */
	const char *context_json; /* the text of a JSON object; NULL: {} */
	int64_t total;            /* tests planned, if the reporter knows; else 0 */
};

/* Records a new open run and fills `out` with it as stored. */
int service_run_open(struct store *st, const struct run_open_request *req, struct run *out,
		     struct error *e);

/* Ends the open run `id`: lifecycle completed (7) or completed with failures
 * (8) from its counters, its verdict, completed_at and duration. RC_NOTFOUND
 * when there is no such run, RC_STATE when it is closed already. `out` is
 * the run as stored afterwards. */
int service_run_complete(struct store *st, const char *id, struct run *out, struct error *e);

/* Aborts the open run `id`: cancelled (10), with `reason` (NULL: a default).
 * Errors as service_run_complete. */
int service_run_cancel(struct store *st, const char *id, const char *reason, struct run *out,
		       struct error *e);

#endif
