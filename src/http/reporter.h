/* reporter — streams a local run's results to an `assay serve` while the run
 * goes on (`assay run --server`), so the run is visible there in progress.
 *
 *     struct reporter *rp;
 *     if (reporter_start(url, token, &run, &rp, &e)) ... warn: local only
 *     reporter_add(rp, &result, subs, n_subs);   // from the run's callbacks
 *     ...
 *     reporter_finish(rp, &final_run, &e);       // flush, complete or abort there
 *     reporter_free(rp);
 *
 * reporter_add only queues: a thread of the reporter's own sends batches
 * (up to BATCH results or a quarter second old), each with an idempotency
 * key so a retried batch is recorded once; suite outputs queued meanwhile
 * go just before them, to the run's outputs (when those are refused, the
 * results still go; reporter_warning says what was lost). A request holds
 * at most 4 MiB; one the server finds too large (413) is sent again in
 * halves. What waits past 8 MiB waits in an unlinked file in $TMPDIR (a
 * full disk there stops the sending, as a lost server does). If the server cannot be reached,
 * the reporter stops sending and reporter_finish says how many results did
 * not get there; the local run is never slowed or failed by the server. */
#ifndef ASSAY_HTTP_REPORTER_H
#define ASSAY_HTTP_REPORTER_H

#include <stddef.h>

#include "model/run.h"
#include "util/rc.h"

struct reporter;

/* Opens a run on the server like `r` (title, environment, project, context)
 * and starts the sending thread. RC_IO/RC_USAGE (with the server's words)
 * when the server cannot be reached or refuses. */
int reporter_start(const char *server, const char *token, const struct run *r,
		   struct reporter **out, struct error *e);
/* Sends to run `run_id` that exists on the server already (a worker's
 * claimed run), without opening or ending it. Idempotency keys start with
 * `key_prefix`, which must differ between senders to the same run (a
 * worker uses run id and claim number). `header` ("Name: value", or NULL)
 * goes with every batch (a worker's claim, which fences it off once lost). */
int reporter_attach(const char *server, const char *token, const char *run_id,
		    const char *key_prefix, const char *header, struct reporter **out,
		    struct error *e);
/* Queues suites' own output (copied), sent to the run's outputs. */
void reporter_add_outputs(struct reporter *rp, const struct suite_output *o, size_t n);
/* Sends what is queued (results and suite outputs) and stops the thread;
 * RC_IO when results were lost (suite outputs lost alone are only
 * reporter_warning's). Nothing more may be added afterwards. */
int reporter_flush(struct reporter *rp, struct error *e);
/* While reporter_flush (or reporter_finish) waits for the queue to drain:
 * fn is called about once a second, from the waiting thread, with the
 * results still to send and how long it has waited. */
void reporter_on_waiting(struct reporter *rp,
			 void (*fn)(void *ctx, int64_t left, int64_t waited_ms), void *ctx);
/* After reporter_flush or reporter_finish succeeded: what did not get
 * there although the results did (suite outputs the server refused, an
 * older server without the route say), and how many results and outputs
 * it refused as invalid (a test name longer than it takes, say), or NULL. */
const char *reporter_warning(const struct reporter *rp);
/* The id of the run on the server. */
const char *reporter_run_id(const struct reporter *rp);
/* Queues a result and its sub-results (copied); r NULL: sub-results only,
 * ahead of their parent's result (a test with very many). */
void reporter_add(struct reporter *rp, const struct result *r, const struct result *subs,
		  size_t n_subs);
/* Sends what is queued as reporter_flush does, and ends the server's run:
 * completed from its counters, or aborted when the local run was cancelled
 * or failed. RC_IO with a message when results were lost. */
int reporter_finish(struct reporter *rp, const struct run *final, struct error *e);
void reporter_free(struct reporter *rp);

#endif
