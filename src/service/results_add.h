/* results_add — the use case "record results a reporter sends" into an open
 * run, in one transaction, at most once per idempotency key. Suites' own
 * output (POST .../outputs) is recorded the same way, with the same rules;
 * a run's results and outputs requests share its idempotency keys.
 *
 *     struct results_add_request req = {
 *             .run_id = id, .results = rs, .n = n,     // the valid items
 *             .idem_key = key, .request_hash = hash,   // key may be NULL
 *             .answer = { .status = 201, .body = text } // what to answer
 *     };
 *     struct idem_answer replay;
 *     bool replayed;
 *     rc = service_results_add(st, &req, &replay, &replayed, &e);
 *     if (!rc && replayed) ... answer replay.status, replay.body ...
 *
 * The caller builds its answer before calling (result ids are given, so the
 * answer is known in advance); with an idempotency key it is stored in the
 * same transaction as the results, so either both are recorded or neither,
 * and a retry of the request finds the answer instead of recording again. */
#ifndef ASSAY_SERVICE_RESULTS_ADD_H
#define ASSAY_SERVICE_RESULTS_ADD_H

#include <stdbool.h>

#include "store/store.h"

struct results_add_request {
	const char *run_id;       /* the run's full id */
	struct result *results;   /* borrowed; each gets run_id and, if unset, an id */
	size_t n;                 /* may be 0 (every item was invalid) */
	struct suite_output *outs; /* suites' own output, recorded with them; a
				      worker's get its claim (see below) */
	size_t n_outs;
	const char *idem_key;     /* NULL: not idempotent */
	const char *request_hash; /* tells a retry from another request with the same key */
	struct idem_answer answer; /* stored with the key (borrowed) */
	/* A worker's results: recorded only while claim_worker still holds the
	 * run under this claim, checked in the same transaction as the insert
	 * (so a run lost and given to another worker meanwhile takes nothing
	 * more from the old one). NULL: not a worker's request. */
	const char *claim_worker;
	int64_t claim;
	bool lost;                /* out: refused (RC_STATE) because of the claim */
};

/* Records the results in the run. When the key was seen before for this run
 * with the same request, records nothing and fills `replay` (the caller
 * releases it) with the answer given then, setting *replayed. Errors:
 * RC_NOTFOUND (no such run), RC_STATE (the run is closed: Qase's rule that a
 * completed run takes no more results), RC_EXISTS (the key was used for a
 * different request), RC_STORE. On error nothing is recorded. */
int service_results_add(struct store *st, struct results_add_request *req,
			struct idem_answer *replay, bool *replayed, struct error *e);

/* How long an idempotency key is remembered: a client retries within
 * minutes; a day covers a CI job that is re-run the next morning. */
#define IDEM_KEEP_MS (24 * 3600 * 1000LL)

/* Forgets the idempotency keys older than IDEM_KEEP_MS before `now`; *n
 * is how many. assay serve calls it at start and every hour. */
int service_idem_expire(struct store *st, int64_t now, int64_t *n, struct error *e);

#endif
