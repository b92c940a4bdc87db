/* junit_read — an incremental JUnit XML reader over expat (pure: no I/O).
 *
 *     struct junit_reader *r = junit_reader_new(&cb);   // cb.testcase per <testcase>
 *     if (junit_feed(r, bytes, n, &e)) ...              // RC_PARSE: e names line:col
 *     if (junit_finish(r, &e)) ...                      // truncated document → RC_PARSE
 *     junit_reader_free(r);
 *
 * Reads every dialect in ../shared/reference/result-formats.md: <testsuites>
 * or <testsuite> roots, nested suites, per-case system-out/err (a suite's
 * own is its case's when that is its one case, has none and is Bazel's:
 * no classname, named like the suite; otherwise it is delivered as the
 * suite's, cb.suite_output), skipped/error/failure, Surefire flakyX and
 * rerunX elements, times with thousands separators. Suites nested more
 * than 16 deep keep no output of their own, so that memory stays bounded
 * however deep a file nests. Texts are bounded (head + tail, see util/capture).
 * Every string a case carries is valid UTF-8 (cut between characters).
 * DOCTYPE declarations (and so external entities and entity bombs) are refused. */
#ifndef ASSAY_FORMATS_JUNIT_READ_H
#define ASSAY_FORMATS_JUNIT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/status.h"
#include "util/buf.h"
#include "util/rc.h"

/* One earlier failed attempt of a case that was re-run (Surefire
 * flakyFailure/flakyError/rerunFailure/rerunError). */
struct junit_attempt {
	enum result_status status; /* failed or error */
	const char *message;
	const char *type;
	const char *text;
	int64_t duration_ms;       /* -1 when absent */
	const char *system_out;    /* the attempt's own output ("" if none) */
	const char *system_err;
};

struct junit_case {
	const char *suite;       /* the enclosing testsuite names joined with "/" ("" if none) */
	const char *root;        /* the name of a <testsuites> root ("" if none) */
	const char *classname;   /* "" if absent */
	const char *name;
	const char *file;        /* "" if absent */
	enum result_status status; /* passed, failed, error or skipped (final attempt) */
	int64_t duration_ms;     /* -1 when absent or unreadable */
	const char *message;     /* failure/error/skipped message attribute ("" if none) */
	const char *type;        /* failure/error type attribute ("" if none) */
	const char *text;        /* failure/error body ("" if none) */
	const char *system_out;  /* the case's own output ("" if none) */
	const char *system_err;
	const struct junit_attempt *attempts; /* earlier attempts, oldest first */
	size_t n_attempts;
	int line;                /* line of the <testcase> start tag */
};

/* A suite's own output: the <system-out>/<system-err> directly inside its
 * <testsuite> (Ant and Gradle write a class's whole log there, after its
 * cases). Delivered at the suite's end tag, after its cases, when it is not
 * blank and did not become its one case's output (see above). */
struct junit_suite_output {
	const char *suite;       /* the suite's path: its and the enclosing suites'
				    names joined with "/", as a case's suite */
	const char *root;        /* the name of a <testsuites> root ("" if none) */
	const char *system_out;  /* "" if none */
	const char *system_err;
	int line;                /* line of the </testsuite> end tag */
};

struct junit_callbacks {
	void (*testcase)(void *ctx, const struct junit_case *c);
	void (*suite_output)(void *ctx, const struct junit_suite_output *s); /* may be NULL */
	void *ctx;
};

struct junit_reader *junit_reader_new(const struct junit_callbacks *cb);
int junit_feed(struct junit_reader *r, const char *bytes, size_t n, struct error *e);
int junit_finish(struct junit_reader *r, struct error *e);
void junit_reader_free(struct junit_reader *r);

/* The stable test name of a case: "suite/classname/name" with empty parts
 * left out and the dialect's redundancy removed (jest-junit's space before
 * a test outside any describe too) (e.g. pytest's suite "pytest" is dropped, a classname equal to
 * the suite is written once, as is a name equal to the suite when there is
 * no classname: Bazel's "//pkg:test"; mocha-junit-reporter's classname,
 * which its name ends with after the suite's, is not written again;
 * Meson's "proj:suite / test" is "proj/suite/test", and the point "1 first"
 * of its TAP test, a case of suite "proj.proj / tap", "proj/tap/1 first");
 * a case with no name is "(unnamed)" there. A suite named
 * like the <testsuites> root is the file's catch-all and is dropped too: it
 * is where `assay export` puts tests whose names have no '/', so that a
 * file it wrote reads back with the same test names. Appends to b. */
void junit_case_id(const struct junit_case *c, struct buf *b);

/* The suite of a suite output as the ids of its cases name it: its path,
 * or "" for the suites junit_case_id leaves out of them (pytest's, CTest's
 * placeholder, one named like the root). Its cases' ids start with it
 * unless their classname adds a part. Appends to b. */
void junit_suite_id(const char *suite, const char *root, struct buf *b);

/* The message assay keeps for a failure, error or skip: the element's text
 * when it already starts with the message attribute (as most tools write
 * it, and as assay's own export does), else the attribute, a newline and
 * the text. The text's leading blank lines and the indentation after its
 * last line end (Catch2's layout) are left out. Heap; NULL when both are
 * empty. */
char *junit_message(const char *message, const char *text);
/* The same join, layout and colours, without JUnit dialects' rules (for a
 * CTRF test's message and trace). */
char *report_message(const char *message, const char *text);

#endif
