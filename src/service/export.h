/* export — the use case "write this run's results as JUnit, TAP, CTRF, CSV
 * or HTML" (`assay export`, `assay run --junit/--report`, later the API).
 *
 *     struct export_request req = { .writer = export_writer_find("junit") };
 *     rc = service_export_file(st, run_id, &req, "report.xml", &e);  // "-": stdout
 *     rc = service_export(st, run_id, &req, my_sink, ctx, &e);       // any sink
 *
 * The run's results are read once, one row at a time, in the order they
 * were recorded (store_results_each), and written as they come through a
 * 256 KiB buffer: memory does not grow with the run. Two things need more
 * than one row at a time, and both go through a spool (util/spool: memory
 * up to a few MiB, then an unlinked temporary file) instead of the heap:
 *   - JUnit groups results by suite: each suite's bytes are spooled and the
 *     suites are written out, by name, after the walk;
 *   - the earlier attempts of a retried test (superseded results, recorded
 *     before the final one) wait in the spool until their final result
 *     comes, for the writers that show them (JUnit, CTRF).
 * So memory is bounded by the number of suites and of retried tests waiting
 * for their final attempt (a name and a few numbers each), not by results.
 *
 * Errors: RC_NOTFOUND for an unknown run; RC_IO naming the path when the
 * output cannot be written (nothing is left at the path: a file is written
 * beside it and renamed into place at the end); RC_STORE from the walk. */
#ifndef ASSAY_SERVICE_EXPORT_H
#define ASSAY_SERVICE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "formats/export.h"
#include "store/store.h"

struct export_request {
	const struct export_writer *writer;
	bool top_level;      /* only top-level results (no TAP points, JUnit cases) */
	int max_failures;    /* HTML: failures shown in full (0: 1000) */
	size_t spool_memory; /* bytes kept in memory before spooling to a file (0: 1 MiB) */
};

/* Where the bytes go: called with chunks of the document, in order. */
typedef int (*export_sink_fn)(void *ctx, const char *p, size_t n, struct error *e);

int service_export(struct store *st, const char *run_id, const struct export_request *req,
		   export_sink_fn sink, void *ctx, struct error *e);

/* Exports to `path` ("-" = stdout), through a temporary file beside it that
 * is renamed over it once complete. */
int service_export_file(struct store *st, const char *run_id, const struct export_request *req,
			const char *path, struct error *e);

#endif
