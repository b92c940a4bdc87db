/* stream — `assay run --server`: the run's progress callbacks, wrapped so
 * every result also goes to an `assay serve` (http/reporter.h) while the
 * run goes on. The server is a copy: when it cannot be reached, the run
 * goes on and is recorded here, and the user is told.
 *
 *     struct stream s = { .server = url, .token = token };
 *     struct run_progress pg = stream_callbacks(&s, progress_callbacks(&pr));
 *     service_run_local(st, &req, &pg, &run, &e);
 *     stream_finish(&s, &run);   // prints where the run is, or what was lost
 */
#ifndef ASSAY_CLI_STREAM_H
#define ASSAY_CLI_STREAM_H

#include "http/reporter.h"
#include "service/run_local.h"

struct stream {
	const char *server;
	const char *token;
	struct run_progress inner;
	struct reporter *rp; /* NULL until the run begins, or when the server is out */
	int64_t next_say_ms; /* when the end's wait for the queue is next reported */
};

struct run_progress stream_callbacks(struct stream *s, struct run_progress inner);
/* Ends the run on the server and says how it went (stderr). */
void stream_finish(struct stream *s, const struct run *final);

#endif
