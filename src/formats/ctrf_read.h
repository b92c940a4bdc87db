/* ctrf_read — an incremental reader of CTRF JSON reports (Common Test Report
 * Format, ../shared/reference/result-formats.md 3.1), pure: no I/O.
 *
 *     struct ctrf_reader *r = ctrf_reader_new(&cb);   // cb.test per test object
 *     if (ctrf_feed(r, bytes, n, &e)) ...             // RC_PARSE: e names line:col
 *     struct ctrf_summary s;
 *     if (ctrf_finish(r, &s, &e)) ...                 // truncated, or no results.tests
 *     ... s.tool_name, s.environment ...
 *     ctrf_summary_release(&s);
 *     ctrf_reader_free(r);
 *
 * Streaming with bounded memory: the document goes through json_stream and
 * only the test object being read is kept; each test is handed to the
 * callback when its object closes, then forgotten. Keys may come in any
 * order at every level (`tests` before `tool`, `retries` after
 * `retryAttempts`); unknown keys and the values under them, nested to any
 * depth JSON allows here (64), are read past without being kept. Texts are
 * bounded (head + tail, see util/capture), as are the number of attempts,
 * tags and environment entries, so a report of any size is read in about
 * 2 MiB whatever its contents.
 *
 * Both report generations are read: with or without `reportFormat` and
 * `specVersion` (a `reportFormat` other than "CTRF" is refused); `suite` as
 * a string (older reporters, often " > " joined) or an array of names;
 * earlier runs as `retryAttempts` (current schema) or `attempts`.
 *
 * Status: passed → passed; failed → failed; skipped and pending → skipped;
 * other → skipped when `rawStatus` names a test that was not run (todo,
 * disabled, skipped, pending, ignored, excluded, xfail, xfailed), else
 * error: an outcome the tool could not call passed or failed must not count
 * as a pass. A missing or unknown status counts as "other". Status names are
 * compared case-insensitively.
 *
 * A test object whose `name` is missing, null, not a string or "" has no
 * identity to record results under: it is not delivered but counted in
 * ctrf_summary.dropped, with the first such test's line in
 * ctrf_summary.problem (as is an element of `tests` that is not an object).
 *
 * Strings are UTF-8: invalid bytes and lone surrogates become U+FFFD, and
 * so does a \u0000 escape (fields are C strings). */
#ifndef ASSAY_FORMATS_CTRF_READ_H
#define ASSAY_FORMATS_CTRF_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/status.h"
#include "util/buf.h"
#include "util/rc.h"

/* One earlier run of a test that was retried (an element of retryAttempts),
 * oldest first. When a report lists the final run there too (the list has
 * `retries` + 1 elements), that last element is left out: the test itself
 * describes it. */
struct ctrf_attempt {
	int attempt;               /* its "attempt" number (1 = first run); 0 if absent */
	enum result_status status; /* mapped as the test's status */
	const char *message;       /* "" if none */
	const char *trace;
	int64_t duration_ms;       /* -1 when absent */
	int64_t start_ms, stop_ms; /* epoch ms; -1 when absent */
};

struct ctrf_test {
	const char *name;          /* never "" */
	const char *suite;         /* as given; an array is joined with " > "; "" if none */
	enum result_status status; /* see the mapping above */
	const char *ctrf_status;   /* "passed", "failed", ... as written; "" if absent */
	const char *raw_status;    /* the tool's own status (rawStatus); "" if absent */
	int64_t duration_ms;       /* -1 when absent or negative; fractions rounded */
	int64_t start_ms, stop_ms; /* epoch ms; -1 when absent */
	const char *message;       /* "" if none */
	const char *trace;
	const char *file;          /* filePath; "" if absent */
	int64_t file_line;         /* "line": where the test is defined in file; -1 if absent */
	const char *type;          /* "unit", "e2e", ...; "" if absent */
	int retries;               /* 0 when absent */
	bool flaky;                /* passed after failed attempts */
	const char *system_out;    /* stdout lines joined with "\n"; "" if none */
	const char *system_err;
	const char *const *tags;
	size_t n_tags;
	const struct ctrf_attempt *attempts; /* earlier runs, oldest first */
	size_t n_attempts;
	int line;                  /* line of the test object in the document */
};

struct ctrf_callbacks {
	/* Called once per test, when its object closes; the strings live until
	 * it returns. */
	void (*test)(void *ctx, const struct ctrf_test *t);
	void *ctx;
};

struct ctrf_env {
	char *key, *value;         /* numbers and booleans as written */
};

/* What the report says about itself. Every string is heap ("" if absent). */
struct ctrf_summary {
	char *report_format;       /* "CTRF", or "" from older reporters */
	char *spec_version;
	char *generated_by;
	char *timestamp;
	char *tool_name, *tool_version;
	struct ctrf_env *environment; /* results.environment's scalar entries, in order */
	size_t n_environment;
	/* results.summary as declared (-1 when absent): not checked against the tests */
	int64_t tests, passed, failed, skipped, pending, other, flaky;
	int64_t start_ms, stop_ms;
	int64_t delivered;         /* tests handed to the callback */
	int64_t dropped;           /* tests not delivered (see above) */
	char *problem;             /* why tests were dropped; NULL when none were */
};

struct ctrf_reader *ctrf_reader_new(const struct ctrf_callbacks *cb);
int ctrf_feed(struct ctrf_reader *r, const char *bytes, size_t n, struct error *e);
/* Ends the document: refuses a truncated one and one without results.tests,
 * and fills `out` (may be NULL; zeroed when this fails). */
int ctrf_finish(struct ctrf_reader *r, struct ctrf_summary *out, struct error *e);
void ctrf_summary_release(struct ctrf_summary *s);
void ctrf_reader_free(struct ctrf_reader *r);

/* The stable test name: "suite/name" with empty parts left out (the suite
 * kept as given, " > " and all). Appends to b. */
void ctrf_test_id(const struct ctrf_test *t, struct buf *b);

/* True when the first bytes of a document look like CTRF: a JSON object
 * (after white space or a BOM) with "reportFormat": "CTRF", or a "results"
 * object whose first key is one CTRF defines (tool, summary, tests,
 * environment, extra), within these n bytes. For choosing a reader by
 * content; a few KiB of head are plenty. */
bool ctrf_sniff(const char *head, size_t n);

#endif
