/* run — a test run and one result of it, as plain data (what the store keeps
 * and the API shows; DESIGN.md "Machine-readable output").
 *
 * Ownership: every char* field is a heap string owned by the struct (or
 * NULL); run_release()/result_release() free them and leave the struct
 * zeroed. Times are ms since the epoch, UTC; 0 = not set. */
#ifndef ASSAY_MODEL_RUN_H
#define ASSAY_MODEL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/status.h"
#include "util/uuid.h"

struct run {
	char id[UUID_STR_LEN];
	char *project;          /* project name from the catalog */
	char *definition;       /* seed 002's test_definition_id: the selection run, e.g. "unit all" */
	char *title;            /* default: today's date */
	char *description;
	char *environment;      /* local, ci, dev, staging, prod, ... */
	char *triggered_by;     /* user@host, or the CI system */
	char *milestone;
	char *pool;
	char *context_json;     /* the run's context as a JSON object */
	enum lifecycle lifecycle;
	enum verdict verdict;
	int64_t created_at;
	int64_t started_at;
	int64_t completed_at;
	int64_t counts[RS__COUNT]; /* top-level results by status */
	int64_t sub_counts[RS__COUNT]; /* sub-results (TAP points, JUnit cases) by status */
	int64_t total;          /* tests planned */
	int64_t duration_ms;    /* wall time from start to completion */
	char *host;             /* host of the process executing the run */
	int64_t pid;            /* that process, with its kernel start time, so a */
	int64_t pid_start;      /* dead owner can be told from a reused pid */
	char *reason;           /* why the run failed (99) or was cancelled */
	int64_t flaky;          /* top-level results that passed after failed attempts */
};

struct result {
	char id[UUID_STR_LEN];
	char run_id[UUID_STR_LEN];
	char *test;             /* full name; a sub-result is "parent/child" */
	char *parent;           /* the parent test's name for a sub-result, else NULL */
	enum result_status status;
	int64_t duration_ms;
	char *message;          /* why it is not passed; TAP YAML; JUnit failure text */
	char *stdout_text;      /* captured, bounded (head + tail) */
	char *stderr_text;
	int64_t stdout_dropped; /* bytes left out of the middle */
	int64_t stderr_dropped;
	int attempt;            /* 1 for the first result of a test in a run */
	bool superseded;        /* a later attempt of the same test follows; this
				   one is history and is not counted in the run */
	int exit_code;          /* -1 when it does not apply; 128+N for signal N */
	int64_t started_at;
	int64_t completed_at;
	int64_t seq;            /* the store's recording order; set when read back */
	bool flaky;             /* the final result, passed after an earlier attempt in
				   the run did not pass; set when read back */
};

/* One lifecycle transition of a run, with its time (table run_events). */
struct run_event {
	enum lifecycle lifecycle;
	int64_t at;
	char *message; /* may be NULL */
};

/* What a result file said of a whole suite rather than of one of its
 * tests: JUnit's <testsuite>-level <system-out>/<system-err> (Ant and
 * Gradle write a class's whole log there). Table suite_outputs. */
struct suite_output {
	char *suite;        /* the suite as its tests' names have it ("" for the
			       run's top level): "com.acme.CartTest" */
	char *stdout_text;  /* NULL when none (or not asked for) */
	char *stderr_text;
	int64_t stdout_bytes; /* their sizes, when read back */
	int64_t stderr_bytes;
	int64_t claim;        /* the worker claim that sent it; 0: not a worker */
};

void run_release(struct run *r);
void run_events_free(struct run_event *ev, size_t n);
void suite_output_release(struct suite_output *o);
void suite_outputs_free(struct suite_output *o, size_t n);
void result_release(struct result *r);
/* A deep copy of `src` (its strings duplicated) into `dst`. */
void result_copy(struct result *dst, const struct result *src);

#endif
