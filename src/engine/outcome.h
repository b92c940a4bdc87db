/* outcome — turns what a test process did into its result and sub-results,
 * by the test's protocol:
 *   exit   0 passed, 77 skipped (Automake), anything else failed;
 *   tap    stdout is TAP: each point is a sub-result; a missing or wrong plan
 *          or "Bail out!" makes the test error;
 *   junit  the test wrote JUnit XML to $ASSAY_JUNIT_FILE: each test case is a
 *          sub-result, and a suite's own <system-out>/<system-err> is a suite
 *          output named as its cases' parent ("parent/suite", or "parent"
 *          for a suite their names leave out, as pytest's).
 * A sub-result is named "parent/child" and is a test of its own.
 * Whatever the protocol, a timeout makes the test error ("timed out after
 * Ns"), and a cancelled test is untested.
 *
 *     struct outcome o;
 *     outcome_init(&o, test, started_at);
 *     outcome_stdout(&o, bytes, n);   ... as stdout arrives ...
 *     outcome_finish(&o, &end, &result);  // fills status, message, exit_code
 *     ... o.subs[0 .. o.n_subs) are the sub-results, owned by o ...
 *     ... o.outs[0 .. o.n_outs) the suite outputs, owned by o ...
 *     outcome_release(&o);
 *
 * With a sink (outcome_set_sink), sub-results do not wait for the end: a
 * thousand at a time go to it as they are read (TAP points while the test
 * runs, JUnit cases while its file is read), and outcome_flush gives it the
 * rest; the parent's message and status come from running counts. A JUnit
 * file of a million cases is then read in bounded memory (but for the
 * names already used, kept to number repeated ones).
 */
#ifndef ASSAY_ENGINE_OUTCOME_H
#define ASSAY_ENGINE_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "model/run.h"
#include "util/nameset.h"

struct tap_reader;

/* How the process ended. */
struct proc_end {
	bool spawned;           /* false: spawn_error says why it never ran */
	const char *spawn_error;
	int wstatus;            /* from waitpid */
	bool timed_out;
	int64_t timeout_ms;
	bool cancelled;         /* stopped because the run was cancelled */
	const char *junit_path; /* for PROTO_JUNIT */
};

/* Takes sub-results subs[0..n): their heap strings become the callee's. */
typedef void (*outcome_sink)(void *ctx, struct result *subs, size_t n);

struct outcome {
	const struct cat_test *test;
	int64_t started_at;
	struct tap_reader *tap;
	struct result *subs;    /* waiting (all of them, without a sink) */
	size_t n_subs, cap;
	outcome_sink sink;
	void *sink_ctx;
	size_t n_total;         /* sub-results so far, sent to the sink or not */
	size_t n_bad;           /* of them not passed (status_is_negative) */
	size_t n_skipped;
	char *bad_names[5];     /* the first failed ones', after "parent/" */
	struct suite_output *outs;
	size_t n_outs, cap_outs;
	struct nameset names;   /* sub-result names already used */
};

void outcome_init(struct outcome *o, const struct cat_test *t, int64_t started_at);
void outcome_set_sink(struct outcome *o, outcome_sink sink, void *ctx);
/* Gives the sink the sub-results waiting (none without a sink). */
void outcome_flush(struct outcome *o);
void outcome_stdout(struct outcome *o, const char *p, size_t n);
/* Sets r->status, r->message (heap) and r->exit_code; adds sub-results. */
void outcome_finish(struct outcome *o, const struct proc_end *end, struct result *r);
void outcome_release(struct outcome *o);

/* "exit status 3", "killed by signal 11 (Segmentation fault)" */
char *outcome_describe_wstatus(int wstatus);

#endif
