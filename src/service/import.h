/* import — the use case "record results that another tool wrote" (JUnit XML
 * from pytest, ctest, Maven..., TAP, CTRF), as Qase's and ReportPortal's
 * importers do.
 *
 *     struct import_request req = { .paths = argv, .n_paths = n, .props = props };
 *     struct run run;
 *     rc = service_import(st, &req, &progress, &run, &e);
 *     ... run.counts ...
 *     run_release(&run);
 *
 * Each file is read once, in chunks, with memory bounded whatever its size.
 * The whole import is one transaction: every result of every file is
 * recorded, or nothing is (unless keep_partial, which records what was read
 * and marks the run failed with the reason). Tests seen for the first time
 * are created ("auto create test cases") unless no_create, which makes them
 * an error. A test met again in the same run (repeated test cases, reruns)
 * becomes a later attempt of the same result. */
#ifndef ASSAY_SERVICE_IMPORT_H
#define ASSAY_SERVICE_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/detect.h"
#include "model/run.h"
#include "service/runs.h"
#include "store/store.h"

struct import_request {
	char *const *paths;       /* files, directories (searched for result
				     files), or "-" for standard input */
	size_t n_paths;
	enum result_format format; /* FMT_UNKNOWN: detect each file's from its content */
	const char *run;          /* add to this open run (id, prefix, last); NULL: a new run */
	struct run_props props;   /* the new run's properties; its definition
				     defaults to "import FILE..." */
	bool no_create;           /* unknown tests are an error */
	bool keep_partial;        /* a bad file: keep what was read, mark the run failed */
	bool allow_empty;         /* a new run of no result is recorded (it passes) */
	const char *triggered_by; /* the new run's; NULL: the CI system or user@host */
};

/* The callbacks are called from the thread that reads the files, which is
 * not the caller's when the import reads and stores on two threads: they
 * must not use the store, and are never called two at a time. */
struct import_progress {
	void *ctx;
	/* A file is about to be read (format as detected or forced). */
	void (*file)(void *ctx, const char *path, enum result_format f);
	/* Every few MiB of a file: bytes read so far of it, results read so far. */
	void (*advance)(void *ctx, const char *path, uint64_t bytes, int64_t results);
	/* A directory entry that is not a result file was left out. */
	void (*skipped)(void *ctx, const char *path);
	/* Something was left out of a file without failing the import. */
	void (*warning)(void *ctx, const char *message);
};

/* Records the files and fills `out` with the run as stored. Errors: RC_USAGE
 * (no such file, a directory without result files, an unknown format, an
 * unknown test with no_create, files that hold no test for a new run unless
 * allow_empty: a run of nothing would pass), RC_STATE (a closed run), RC_PARSE (a malformed file:
 * the message names the file, line and column), RC_NOTFOUND (no such run),
 * RC_STORE / RC_IO. On any error nothing is recorded, except with
 * keep_partial, where a malformed file still gives RC_OK and a failed run. */
int service_import(struct store *st, const struct import_request *req,
		   const struct import_progress *pg, struct run *out, struct error *e);

#endif
