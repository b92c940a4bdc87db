/* tap_read — an incremental TAP 13/14 reader (pure: no I/O).
 *
 * Bytes are fed as they arrive (from a file, a test's stdout pipe, an HTTP
 * body) in chunks of any size, split anywhere, even mid-line:
 *
 *     struct tap_reader *r = tap_reader_new(&cb);      // cb.point called per test point
 *     tap_feed(r, bytes, n);  ... repeatedly ...
 *     struct tap_summary s;
 *     tap_finish(r, &s);       // delivers the last pending point, checks the plan
 *     ... use s ...
 *     tap_summary_release(&s);
 *     tap_reader_free(r);
 *
 * A point is delivered once its diagnostics are complete (after its YAML
 * block, or when the next line shows there is none). Subtest points (4-space
 * indented, TAP 14 / Test::More / node:test) are delivered with `path` naming
 * the subtest chain. Memory is bounded: a line or YAML block longer than the
 * limit is truncated, never buffered whole. */
#ifndef ASSAY_FORMATS_TAP_READ_H
#define ASSAY_FORMATS_TAP_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/status.h"
#include "util/buf.h"

enum tap_directive { TAP_NONE, TAP_SKIP, TAP_TODO };

struct tap_point {
	int number;              /* as written, or counted when absent */
	bool ok;
	const char *description; /* unescaped (\# and \\), leading "- " removed; may be "" */
	enum tap_directive directive;
	const char *reason;      /* directive's reason; "" if none */
	const char *diagnostics; /* YAML block body, or the '#' comment lines that
				    follow a failed point (Test::More); NULL if none */
	bool yaml;               /* diagnostics is a YAML block */
	const char *path;        /* "" at top level; "name" or "outer/inner" in subtests */
	int depth;               /* 0 at top level */
	int line;                /* line number of the point in the stream */
	int64_t duration_ms;     /* its YAML block's "duration_ms" (node:test, bats'
				    tap13), rounded; -1 if none */
};

struct tap_callbacks {
	void (*point)(void *ctx, const struct tap_point *p);
	void *ctx;
	/* Optional: each top-level '#' comment line that is not a point's
	 * diagnostics nor a subtest's name, its text after "# ". */
	void (*comment)(void *ctx, const char *text, int line);
};

struct tap_summary {
	int version;        /* 12 when no version line, else 13 or 14 */
	int planned;        /* -1 when no plan was seen */
	int seen;           /* top-level points */
	int passed, failed, skipped, todo; /* top level; "not ok # TODO" counts as todo */
	bool bailed;        /* "Bail out!" seen */
	bool skip_all;      /* plan 1..0 */
	char *reason;       /* bail-out or skip-all reason, heap, may be NULL */
	char *problem;      /* why the stream is not valid TAP (missing or wrong plan,
			       plan seen twice, ...), heap; NULL when it is fine */
};

struct tap_reader *tap_reader_new(const struct tap_callbacks *cb);
void tap_feed(struct tap_reader *r, const char *bytes, size_t n);
/* Ends the stream: flushes the last point and fills `out`. */
void tap_finish(struct tap_reader *r, struct tap_summary *out);
void tap_summary_release(struct tap_summary *s);
void tap_reader_free(struct tap_reader *r);

/* What a point stands for as a result: its status (SKIP skipped; TODO passed
 * when ok, else skipped; otherwise ok passed, not ok failed), its message
 * (heap, NULL when none), and its name below the stream's
 * ("path/description", or the number) appended to `name`.
 * The message is the directive ("SKIP: why"), then what the diagnostics say.
 * Comment lines are taken whole. A YAML block gives its `message` (else
 * node:test's `error`) first; a point that is not ok then has the rest of
 * the block (stack, expected, actual...), less `duration_ms`, which is the
 * point's duration. So a passing node:test point, whose block holds only
 * its duration, has no message. */
void tap_point_result(const struct tap_point *p, struct buf *name, enum result_status *status,
		      char **message);

/* What a whole stream stands for, from its summary and the number of points
 * that did not pass (`bad` of `total`; `failed_names` lists some of them,
 * e.g. ": a, b, and 3 more", or ""): error on Bail out! or invalid TAP,
 * failed when a point failed, skipped on a skip-all plan, else passed. The
 * message goes to `msg`. */
enum result_status tap_stream_result(const struct tap_summary *s, size_t bad, size_t total,
				     const char *failed_names, struct buf *msg);

/* The scalars of a point's YAML block (`tap_point.diagnostics`) that
 * import reads back from assay's own TAP export (message, status, parent,
 * exit_code), beyond the duration_ms tap_point already has. A field the block lacks is unset (NULL, -1). */
struct tap_yaml {
	char *message; /* heap */
	char *error;   /* heap: node:test's name for the message */
	char *status;  /* heap */
	char *parent;  /* heap: a sub-result's test */
	int exit_code; /* -1 when absent */
};

/* Reads `yaml` as a mapping; false (and `out` unset) when it is not one or
 * does not parse. Keys with other than a scalar value are passed over. */
bool tap_yaml_read(const char *yaml, struct tap_yaml *out);
void tap_yaml_release(struct tap_yaml *y);

/* Appends to `out` the block `yaml` without its top-level entries named
 * `drop` (a key and its value's lines; NULL drops none) and `duration_ms`.
 * An entry is found as a block mapping writes it: its key (quoted or not)
 * at the column of the block's first entry, its value on that line and the
 * lines below that are deeper (or "- " items); lines are written from that
 * column. */
void tap_yaml_rest(const char *yaml, const char *drop, struct buf *out);
/* True when block `yaml` has a top-level entry `key`, found as
 * tap_yaml_rest finds them (without parsing). */
bool tap_yaml_has(const char *yaml, const char *key);

#endif
