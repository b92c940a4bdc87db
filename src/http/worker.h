/* worker — `assay worker`: one server of a pool, over the API of an
 * `assay serve` (DESIGN.md "Scale-out"). It registers, keeps its lease with
 * a heartbeat thread, and claims the pool's queued runs one at a time:
 *
 *   provision hook            a failure gives the run back (health counts it)
 *   0 initializing            download packages + upgrade artifact, check digests
 *   1 → 2 upgrading → 3       the pool's upgrade hook, only with an artifact
 *   4 installing → 5          each package's install hook
 *   6 in progress             each package's run hook as a test, with the local
 *                             engine, results streamed to the server
 *   7/8, 99, 10               finished by the server (99: phase, command, exit
 *                             status and log tail; counted against the worker)
 *   teardown hook
 *
 *     struct worker_config cfg = { .server = url, .token = t, .pool = "linux" };
 *     rc = worker_serve(&cfg, &e);    // until *cfg.stop, or one run with .once
 *
 * The server's answers decide: a heartbeat that says "lost" or "cancel"
 * stops the tests; a phase answered 409 "lost" abandons the run. */
#ifndef ASSAY_HTTP_WORKER_H
#define ASSAY_HTTP_WORKER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/rc.h"

/* How many of its newest run folders (WORKDIR/run-ID-CLAIM: the packages
 * as the run left them, hooks.log) a worker keeps for looking into; older
 * ones are removed as runs end, so that a long-lived worker does not fill
 * its disk (10,000 trivial runs left 178 MB). */
#define WORKER_KEEP_RUNS 20

struct worker_config {
	const char *server, *token;
	const char *pool;
	const char *name;           /* NULL: host-pid */
	const char *workdir;        /* NULL: a new folder under $TMPDIR */
	int slots;                  /* parallel tests; <= 0: number of CPUs */
	int64_t poll_ms;            /* idle wait between claims; 0: 500 ms */
	int64_t health_every_ms;    /* health hook period while idle; 0: 60 s */
	bool once;                  /* stop after one run */
	int keep_runs;              /* run folders kept, newest; 0: WORKER_KEEP_RUNS */
	/* NULL, or a file to append one line to per claim ("claim MS run|empty|
	 * error": the claim request's round trip) and per run ("run MS ID": from
	 * the claim's answer to the run's end), for benchmarks. Lines are
	 * written whole with O_APPEND, so several workers may share a file. */
	const char *timings;
	volatile sig_atomic_t *stop; /* set by a signal handler: stop after this run */
	/* Progress lines ("run X: installing"), may be NULL. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

/* Serves until *stop (or after one run with `once`). RC_IO when the server
 * cannot be reached at registration; later outages are waited out. */
int worker_serve(const struct worker_config *cfg, struct error *e);

#endif
