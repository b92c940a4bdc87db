/* runs — what every new run record gets, however it is made (`assay run`,
 * `assay import`, a reporter over the API): its id, the caller's properties
 * with their defaults, who triggered it and which process owns it.
 *
 *     struct run_props p = { .project = "demo", .title = title, .context = &ctx };
 *     struct run r;
 *     service_run_init(&r, &p);      // lifecycle initializing, verdict running
 *     ... store_run_insert(st, &r, &e) ...
 *     run_release(&r);
 */
#ifndef ASSAY_SERVICE_RUNS_H
#define ASSAY_SERVICE_RUNS_H

#include "model/run.h"
#include "util/kv.h"

struct run_props {
	const char *project;      /* NULL: "default" */
	const char *definition;   /* what was run (the selection); may be NULL */
	const char *title;        /* NULL: today's date */
	const char *description;
	const char *environment;  /* NULL: "ci" when $CI is set, else "local" */
	const struct kvlist *context; /* may be NULL */
};

/* Fills `r` (zeroing it first) as a run created now, in progress of starting. */
void service_run_init(struct run *r, const struct run_props *p);

/* RC_OK when `r` may take results now; RC_STATE with the reason when it is
 * closed, or queued on a pool (its worker has not claimed it yet). */
int service_run_takes_results(const struct run *r, struct error *e);

/* Who started a run: the CI system's name when a CI variable is set
 * (github-actions, gitlab-ci, jenkins, ...), else user@host. Heap. */
char *service_triggered_by(void);
/* The environment when none is given: "ci" when $CI is set, else "local". */
const char *service_default_environment(void);

#endif
