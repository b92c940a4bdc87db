/* export — the writers that turn a recorded run into other formats: JUnit
 * XML, TAP 14, CTRF JSON, CSV and a self-contained HTML report.
 *
 * Writers are pure: they append bytes to a struct buf the caller drains (to a
 * file, a socket, a test's memory) and never read the store or open files.
 * service/export.c walks the run's results in the store and drives a writer
 * in this order:
 *
 *     void *w = wr->new(&run, &opts);
 *     wr->begin(w, out, NULL);              // not grouped: before the walk
 *     wr->slow(w, out, r);                  // the wr->slowest slowest results, if > 0
 *     wr->result(w, out, r, attempts, n);   // each final result, recording order
 *     wr->end(w, out, &summary);            // totals over what result() saw
 *     wr->free(w);
 *
 * A grouped writer (JUnit: one <testsuite> per suite, with its counts in the
 * start tag) is driven differently: the caller first sorts every result
 * into its group, and then calls
 *
 *     wr->begin(w, out, &summary);          // totals and the groups, by name
 *     for each group:  wr->group_begin(w, out, &g);  its results' bytes;  wr->group_end(w, out, &g);
 *     wr->end(w, out, &summary);
 *
 * where "its results' bytes" are what wr->result() appended for each of the
 * group's results, called earlier with `out` pointing at the group's own
 * buffer. So result() must write only the result's own bytes and depend on
 * no state set by begin().
 *
 * A writer with suite_output gets, after the results, the own output of
 * the suites that have a failure (JUnit's <testsuite>-level system-out:
 * where Ant and Gradle keep the log that explains them).
 *
 * A result's suite (its group) is its test name up to the last '/': test
 * "pkg/mod/test_x" is in suite "pkg/mod"; a name without '/' is in suite ""
 * (top-level tests; writers show the run's project there). A suite the run
 * holds output of (store_suite_outputs) is a group too, with no results
 * when none of its tests is named under it; group_end gets its output.
 *
 * Results passed in are borrowed for the call. The superseded earlier
 * attempts of a retried test (result.superseded) come with their final
 * result, oldest first, when the writer asks for them (with_attempts);
 * otherwise they are left out. */
#ifndef ASSAY_FORMATS_EXPORT_H
#define ASSAY_FORMATS_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/run.h"
#include "util/buf.h"

/* Counts over the results a writer was given. */
struct export_stats {
	int64_t results;            /* final results (what JUnit calls tests) */
	int64_t counts[RS__COUNT];  /* by status */
	int64_t flaky;              /* passed after earlier failed attempts */
	int64_t duration_ms;        /* sum of their durations */
	int64_t first_start;        /* earliest started_at; 0 = none */
	int64_t last_stop;          /* latest completed_at; 0 = none */
};

/* Adds one final result to `s`. */
void export_stats_add(struct export_stats *s, const struct result *r);

/* One suite of a grouped export. */
struct export_group {
	const char *name;           /* "" for top-level tests */
	struct export_stats stats;  /* all zero for a suite with only output */
	const char *system_out;     /* the suite's own output (struct suite_output), */
	const char *system_err;     /* NULL when none; set for group_end only */
};

struct export_summary {
	struct export_stats totals;
	const struct export_group *groups; /* grouped writers only: sorted by name */
	size_t n_groups;
};

struct export_options {
	int64_t now;                /* generation time (ms) written in reports; 0 = leave out */
	const char *report_id;      /* a UUID for this document (CTRF reportId); NULL = none */
	int max_failures;           /* HTML: failures shown in full; 0 = EXPORT_MAX_FAILURES */
};

#define EXPORT_MAX_FAILURES 1000
#define EXPORT_SLOWEST 20

struct export_writer {
	const char *name;           /* as --format spells it: "junit" */
	const char *extension;      /* usual file extension: "xml" */
	const char *media_type;     /* "application/xml" (for HTTP) */
	bool with_output;           /* reads results' stdout/stderr */
	bool with_attempts;         /* wants retried tests' earlier attempts */
	bool grouped;               /* one block per suite; see above */
	int slowest;                /* > 0: gets the N slowest top-level results first */

	/* Heap state for one document; `run` must outlive it. */
	void *(*new)(const struct run *run, const struct export_options *o);
	void (*begin)(void *w, struct buf *out, const struct export_summary *s);
	void (*slow)(void *w, struct buf *out, const struct result *r);
	void (*group_begin)(void *w, struct buf *out, const struct export_group *g);
	void (*result)(void *w, struct buf *out, const struct result *r,
		       const struct result *attempts, size_t n_attempts);
	void (*group_end)(void *w, struct buf *out, const struct export_group *g);
	void (*end)(void *w, struct buf *out, const struct export_summary *s);
	void (*free)(void *w);
	/* Not grouped, may be NULL: the output of a suite with a failure, one
	 * row of what the run holds of whole suites (texts set), after the
	 * last result() and before end(); at most EXPORT_SUITE_OUTPUTS suites,
	 * in the order of their first failure. */
	void (*suite_output)(void *w, struct buf *out, const struct suite_output *so);
};

#define EXPORT_SUITE_OUTPUTS 100

extern const struct export_writer export_junit, export_tap, export_ctrf, export_csv,
	export_html;

/* The writer named `name` ("junit", "tap", "ctrf", "csv", "html"), or NULL. */
const struct export_writer *export_writer_find(const char *name);
/* "junit|tap|ctrf|csv|html", for messages and help. */
const char *export_writer_names(void);

/* Where a test name's suite ends: the length of its part before the last
 * '/' that is not its last character (0 when there is none). The short
 * name starts after it (+1) and is never empty. */
size_t export_suite_len(const char *test);

#endif
