/* run_local — the use case "run these tests here and record them" (QMTest's
 * `run`, Kyua's run driver). The CLI and, later, workers call it; progress
 * comes back through callbacks so each caller shows it its own way.
 *
 *     struct run_request req = RUN_REQUEST_INIT;  req.cat = cat; ...
 *     struct run run;
 *     rc = service_run_local(store, &req, &progress, &run, &e);
 *     ... run.counts, run.verdict ...
 *     run_release(&run);
 *
 * Errors in the selection (unknown name, cycle) come back before anything is
 * recorded. The run then goes through the lifecycle codes of seed 000 — a
 * local run passes straight through the phases it has no work for — each
 * transition stored with its time; results are written in batches while the
 * run goes on, so a killed assay loses at most the last half second. */
#ifndef ASSAY_SERVICE_RUN_LOCAL_H
#define ASSAY_SERVICE_RUN_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "engine/exec.h"
#include "engine/plan.h"
#include "model/run.h"
#include "store/store.h"
#include "util/kv.h"

struct run_request {
	const struct catalog *cat;
	struct plan_request select;
	int jobs;                 /* ≤ 0: the number of CPUs */
	int64_t timeout_ms;       /* default per-test timeout; 0 = none */
	int64_t grace_ms;         /* SIGTERM → SIGKILL; 0 = 5 s */
	size_t output_limit;      /* bytes kept at each end of a stream; 0 = 64 KiB */
	const struct kvlist *context; /* -c/-C properties, over the catalog's context */
	const char *title;        /* NULL: today's date */
	const char *description;
	const char *environment;  /* NULL: "ci" when $CI is set, else "local" */
	bool handle_signals;
	const _Atomic int *cancel; /* non-NULL: set (from any thread) to cancel the run */
	const char *cancel_reason; /* recorded when *cancel cancels it; NULL: a default */
	bool allow_empty;          /* a selection of no test is run (and passes) */
};

struct run_progress {
	void *ctx;
	/* The run is recorded and about to start `p->n` tests; expected_ms is
	 * the history's estimate of the total test time (0 = no history). */
	void (*begin)(void *ctx, const struct run *r, const struct plan *p, int64_t expected_ms);
	void (*started)(void *ctx, const char *test);
	void (*result)(void *ctx, const struct result *r, const struct result *subs,
		       size_t n_subs);
	/* A junit test's suites' own output, just before its result. */
	void (*suite_outputs)(void *ctx, const struct suite_output *o, size_t n);
	/* A test's sub-results as they are read, a thousand at a time, before
	 * its result (which then comes with none). */
	void (*sub_results)(void *ctx, const struct result *subs, size_t n);
	void (*resource)(void *ctx, const char *name, enum exec_resource_phase phase, bool ok,
			 const char *message);
	void (*cancelling)(void *ctx, bool hard);
	void (*tick)(void *ctx);
	/* Something went wrong that does not stop the run (e.g. a clean-up failed). */
	void (*warning)(void *ctx, const char *message);
};

/* Runs the request and fills `out` with the finished run as stored. Returns
 * RC_OK when the run completed (whatever its verdict), RC_CANCELLED when it
 * was cancelled (out is filled too), the selection's error (RC_NOTFOUND,
 * RC_CYCLE; RC_USAGE when it selects no test and !allow_empty: a run of
 * nothing would pass) before anything is recorded, or RC_STORE / RC_IO when the
 * infrastructure failed (the run is then marked failed, 99, if possible). */
int service_run_local(struct store *st, const struct run_request *req,
		      const struct run_progress *pg, struct run *out, struct error *e);

#endif
