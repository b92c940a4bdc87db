/* orch — orchestrated runs (issue 5; seeds 000 and 001; DESIGN.md
 * "Scale-out"): the business rules of pools, packages, the queue, workers,
 * leases, health and retention. The CLI, the HTTP handlers and (through the
 * API) `assay worker` call these; none of them decides anything itself.
 *
 * A run's life on a pool:
 *
 *     service_run_start(...)          queued (-1), an order in the pool's queue
 *     service_worker_claim(...)       initializing (0), held by one worker
 *     service_worker_phase(... 1..6)  each transition recorded as an event
 *     service_worker_finish(...)      7/8 from its counters, 99, or 10
 *
 *     service_run_cancel_any(...)     queued: cancelled (10) at once;
 *                                     held: cancelling (9), the worker ends it 10
 *     service_orch_expire(...)        a worker silent past the lease loses its
 *                                     run: queued again once, failed (99) the
 *                                     second time
 *     service_worker_heartbeat(...)   so does a run its holder's heartbeat no
 *                                     longer names, a lease after its claim
 *
 * The lease is the server's (`assay serve --lease`); each worker's row
 * records the one it was granted, and whoever judges a worker "online" or
 * "lost" from the database uses that (model/orch.h: worker_state).
 *
 * Every operation is one transaction. A worker acts on a run only with the
 * claim number it was given; after a lease expiry or a new claim the old
 * number is refused with RC_STATE, so a run is never driven by two workers. */
#ifndef ASSAY_SERVICE_ORCH_H
#define ASSAY_SERVICE_ORCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/orch.h"
#include "store/store.h"

/* Provision or health hook failures in a row that take a worker offline. */
#define ORCH_HEALTH_LIMIT 3

/* ---- pools ---- */

/* Checks and adds a pool: a valid name, expected_servers >= 0, keep_runs
 * >= 0, labels_json and suites_json JSON arrays of strings (NULL: []). */
int service_pool_add(struct store *st, const struct pool *p, struct error *e);
/* Removes a pool that has no run queued or held (RC_STATE otherwise). */
int service_pool_remove(struct store *st, const char *name, struct error *e);

/* `lease_ms` > 0 overrides the lease each worker was granted when
 * counting the online ones; 0 uses theirs. */
struct pool_status {
	struct pool_stat stat;
	int64_t expected_wait_ms; /* for a run queued now; -1: unknown (no online
				     worker or no finished run to go by) */
};
int service_pool_status(struct store *st, const char *name, int64_t lease_ms,
			struct pool *pool, struct pool_status *out, struct error *e);

/* ---- archives ---- */

/* "sha256:<64 hex>" of the bytes. */
#define ORCH_DIGEST_LEN 72
void service_digest(const void *data, size_t size, char out[ORCH_DIGEST_LEN]);

/* Stores a test package archive (.tar.gz): its assay.yaml is read with the
 * system `tar`, the bytes stored under their digest, the package recorded
 * as name@version. Pushing the same bytes again is fine (*existed set); other
 * bytes under a name@version already pushed are refused (RC_EXISTS). A bad
 * archive or manifest is RC_PARSE. `out` is the package as stored. */
int service_package_push(struct store *st, const void *data, size_t size, struct package *out,
			 bool *existed, struct error *e);
/* Stores an upgrade artifact; `digest` is where it is stored. */
int service_artifact_push(struct store *st, const void *data, size_t size,
			  char digest[ORCH_DIGEST_LEN], struct error *e);

/* ---- the queue ---- */

struct start_request {
	const char *suite;        /* required: what is run (the run's definition) */
	const char *pool;         /* required */
	const char *const *packages; /* "name@version", n_packages of them */
	size_t n_packages;
	const char *upgrade_digest; /* a stored artifact, or NULL */
	const char *upgrade_name;   /* its file name, for messages */
	const char *environment, *title, *description, *project, *triggered_by;
	const char *context_json;   /* a JSON object, or NULL */
	int64_t priority;           /* higher first; default 0 */
	bool require_online;        /* refuse (RC_STATE) when no worker is online */
	int64_t lease_ms;           /* what "online" means; 0: the lease each
				       worker was granted */
};

/* Queues a run. `*warning` (heap, or NULL) says why it may wait long: the
 * pool has no online worker. RC_NOTFOUND for an unknown pool or package,
 * RC_USAGE for a suite the pool does not offer. */
int service_run_start(struct store *st, const struct start_request *req, struct run *out,
		      char **warning, struct error *e);

/* Cancels any unfinished run: a queued one at once (10), one a worker holds
 * by asking it (9), an open or local one at once (10). RC_STATE when the
 * run is finished. `out` is the run as stored afterwards. */
int service_run_cancel_any(struct store *st, const char *id, const char *reason,
			   struct run *out, struct error *e);

/* ---- workers ---- */

/* Registers (or re-registers) a worker of an existing pool, granting it
 * `lease_ms` (0: ORCH_DEFAULT_LEASE_MS), which its row records. */
int service_worker_register(struct store *st, const char *name, const char *pool,
			    int64_t slots, const char *host, int64_t lease_ms, struct error *e);

struct heartbeat_answer {
	bool lost;    /* the run it reported is no longer its own: stop it */
	bool cancel;  /* the run is cancelling: stop its tests, end it cancelled */
	bool offline; /* the worker is offline: it takes no runs */
};
/* Records a heartbeat and the lease granted with it (expiring other
 * workers' leases on the way) and says what became of the run the worker
 * holds (run_id NULL or "": none). A run the store shows this worker
 * holding that run_id does not name, claimed more than lease_ms ago, is
 * taken from it as service_orch_expire would (the worker dropped it while
 * staying alive); a younger claim is left alone, its answer may still be
 * on its way. */
int service_worker_heartbeat(struct store *st, const char *name, const char *run_id,
			     int64_t claim, int64_t lease_ms, struct heartbeat_answer *a,
			     struct error *e);

struct claim {
	struct run run;
	struct run_order order;
	struct pool pool;
};
void claim_release(struct claim *c);
/* Gives the worker the next run of its pool (RC_NOTFOUND: none queued;
 * RC_STATE: the worker is offline). The run moves to initializing (0);
 * the claim counts as a heartbeat granting lease_ms. */
int service_worker_claim(struct store *st, const char *name, int64_t lease_ms,
			 struct claim *out, struct error *e);
/* RC_OK when worker `name` holds run `run_id` under `claim`; RC_STATE
 * ("lost: ...") when it does not (results a worker sends carry its claim,
 * so a worker that lost the run cannot add to it). */
int service_worker_holds(struct store *st, const char *name, const char *run_id, int64_t claim,
			 struct error *e);
/* Records a phase (1..6) of a held run. RC_STATE when the claim is no
 * longer the worker's (e->msg starts "lost:") or the run is cancelling
 * ("cancelling:"). */
int service_worker_phase(struct store *st, const char *name, const char *run_id,
			 int64_t claim, enum lifecycle lc, const char *message, struct error *e);
/* Ends a held run: LC_COMPLETED (7 or 8 by its counters), LC_CANCELLED, or
 * LC_FAILED with `reason`; `phase_failure` counts it against the worker.
 * Then applies the pool's "maximum test runs to keep". */
int service_worker_finish(struct store *st, const char *name, const char *run_id,
			  int64_t claim, enum lifecycle lc, const char *reason,
			  bool phase_failure, struct run *out, struct error *e);
/* Gives a held run back to the queue without counting it lost (its server
 * could not be provisioned). */
int service_worker_release(struct store *st, const char *name, const char *run_id,
			   int64_t claim, const char *reason, struct error *e);
/* Records the outcome of a provision or health hook: a success clears the
 * count, ORCH_HEALTH_LIMIT failures in a row take the worker offline with
 * the reason (*offline set). */
int service_worker_health(struct store *st, const char *name, const char *hook, bool ok,
			  const char *reason, bool *offline, struct error *e);
/* Brings an offline worker back (assay worker enable). */
int service_worker_enable(struct store *st, const char *name, struct error *e);

/* Takes their runs from workers silent for longer than the lease their row
 * records (lease_ms for a row recording none): each run goes back to the
 * queue the first time (an event says so) and fails (99) the second; a
 * cancelling one is cancelled. */
int service_orch_expire(struct store *st, int64_t lease_ms, size_t *requeued, size_t *failed,
			struct error *e);

/* ---- retention ---- */

#define PRUNE_BATCH 200
/* Deletes finished runs, with their results, in batches of PRUNE_BATCH (one
 * transaction each): of `pool` (NULL: any) beyond the newest `keep` (0: no
 * limit) and created before `before` (0: any time). Unfinished runs are
 * never touched. */
int service_prune(struct store *st, const char *pool, int64_t keep, int64_t before,
		  int64_t *deleted, struct error *e);

#endif
