/* ingest — group commit of reporters' results: one writer thread with a store
 * handle of its own takes every request waiting for it, records each in its
 * own savepoint of one transaction (service_results_add nests), commits once,
 * and only then tells each request how it went. Many small writes then cost
 * one commit instead of one each, and writers never wait on SQLite's lock.
 *
 *     struct ingest *g;
 *     if (ingest_new(db_url, &g, &e)) ...
 *     struct ingest_job *job = xcalloc(1, sizeof(*job));
 *     job->req = (struct results_add_request){ ... };   // as for service_results_add
 *     job->done = on_done; job->ctx = ctx;
 *     ingest_submit(g, job);      // returns at once; on_done(job) follows
 *     ...
 *     ingest_stop(g);             // records what is queued, then stops
 *     ingest_free(g);
 *
 * done() runs once per job, on the writer thread (or on the submitting thread
 * when the writer is stopped), after the job's transaction committed (rc 0)
 * or failed: a job is never reported recorded before it is durable in the
 * sense of the store's commit. The job and what its request points at must
 * stay valid until done() is called; done() may free them. */
#ifndef ASSAY_SERVICE_INGEST_H
#define ASSAY_SERVICE_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "service/results_add.h"

struct ingest;

struct ingest_job {
	struct results_add_request req; /* in: what to record (see results_add.h) */
	void (*done)(struct ingest_job *job, void *ctx);
	void *ctx;

	/* out, valid in done(): service_results_add's outcome */
	int rc;
	struct error err;
	bool replayed;
	struct idem_answer replay; /* the caller releases it when replayed */

	struct ingest_job *next; /* private: the queue */
};

/* Opens the writer's own store handle and starts its thread. Errors: those
 * of store_open. */
int ingest_new(const char *db_url, struct ingest **out, struct error *e);
/* Queues a job. When the writer is stopping or stopped, done() is called at
 * once with rc RC_CANCELLED (nothing recorded). */
void ingest_submit(struct ingest *g, struct ingest_job *job);
struct ingest_stats {
	size_t queued;  /* jobs waiting for the writer now */
	size_t jobs;    /* jobs answered since ingest_new */
	size_t commits; /* transactions they took: jobs / commits is the mean
			   group size */
};
void ingest_stats(struct ingest *g, struct ingest_stats *out);
/* Records every job already queued (each gets its done()) and stops the
 * thread; jobs submitted later are refused (RC_CANCELLED). Returns when the last
 * done() has returned. Calling it again does nothing. */
void ingest_stop(struct ingest *g);
/* Stops (ingest_stop) and closes the store. NULL is allowed. */
void ingest_free(struct ingest *g);

#endif
