/* exec — runs a plan on this machine: N process slots, prerequisites,
 * resources, timeouts, bounded output capture, protocols and cancellation,
 * on one libuv loop (pipes and pidfds polled, timers, signals).
 *
 *     struct exec_opts o = EXEC_OPTS_DEFAULT;  o.jobs = 2; ...
 *     struct exec_events ev = { .ctx = me, .result = on_result, ... };
 *     struct exec_summary sum;
 *     rc = exec_run(plan, &o, &ev, &sum, &e);
 *
 * Scheduling: a test is ready when its prerequisites in the plan are done;
 * ready tests start highest plan priority first (longest expected chain).
 * When a prerequisite ends with an outcome other than the expected one, the
 * test is not run and gets `blocked`. A resource's set-up runs once, before
 * the first test that needs it (set-ups and clean-ups do not take a slot);
 * KEY=VALUE lines it writes to $ASSAY_CONTEXT_OUT join the context of the
 * tests that require it (and its clean-up) only. Its clean-up runs after the
 * last test that requires it, whether or not they ran, and even when the
 * set-up failed; when the set-up fails, the tests requiring it are blocked.
 *
 * Environment of every test and resource: the caller's environment (minus
 * inherited ASSAY_* variables), ASSAY_RUN_ID, ASSAY_TEST (tests), ASSAY_CTX_key
 * for each context property, ASSAY_JUNIT_FILE (junit tests),
 * ASSAY_CONTEXT_OUT (set-ups), then the catalog's env for that test/resource.
 *
 * Cancellation (SIGINT/SIGTERM when handle_signals, or opts.cancel): the
 * first moves to cancelling — running tests get SIGTERM (SIGKILL after the
 * grace period), no new test starts, clean-ups still run, unstarted tests are
 * reported untested; the second kills every process group at once and skips
 * the remaining clean-ups. No process of a test outlives its result: the
 * test's process group is killed when its leader exits. */
#ifndef ASSAY_ENGINE_EXEC_H
#define ASSAY_ENGINE_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/plan.h"
#include "model/run.h"
#include "util/kv.h"

struct exec_opts {
	int jobs;                    /* parallel test processes; ≥ 1 */
	int64_t default_timeout_ms;  /* for tests/resources without one; 0 = none */
	int64_t grace_ms;            /* SIGTERM → SIGKILL delay */
	size_t output_limit;         /* bytes kept at each end of stdout/stderr */
	const struct kvlist *context;/* run context, seen as ASSAY_CTX_key */
	const char *run_id;
	bool handle_signals;         /* catch SIGINT/SIGTERM to cancel */
	int64_t tick_ms;             /* interval of events.tick; 0 = none */
	/* When non-NULL, another thread may set *cancel to non-zero to cancel
	 * the run as a first signal would (looked at every tick_ms, which must
	 * then be > 0). */
	const _Atomic int *cancel;
};

#define EXEC_OPTS_DEFAULT { 1, 0, 5000, 64 * 1024, NULL, "", false, 0, NULL }

enum exec_resource_phase { EXEC_SETUP, EXEC_CLEANUP };

struct exec_events {
	void *ctx;
	/* A test started. */
	void (*started)(void *ctx, const struct plan_item *it);
	/* A test ended (run, blocked or untested). The callee takes over the
	 * heap strings of *r and of subs[0..n_subs) (moving or releasing them);
	 * the arrays themselves stay the engine's. */
	void (*result)(void *ctx, const struct plan_item *it, struct result *r,
		       struct result *subs, size_t n_subs);
	/* A resource set-up or clean-up ended; ok false with a message when it failed. */
	void (*resource)(void *ctx, const char *name, enum exec_resource_phase phase, bool ok,
			 const char *message);
	/* The run started cancelling (hard: the second signal). */
	void (*cancelling)(void *ctx, bool hard);
	/* Called every tick_ms while the run goes on. */
	void (*tick)(void *ctx);
	/* A junit test's suites' own output (outcome.h), just before the
	 * test's result; the callee takes over the heap strings of o[0..n). */
	void (*suite_outputs)(void *ctx, const struct plan_item *it, struct suite_output *o,
			      size_t n);
	/* When set, a test's sub-results (TAP points, JUnit cases) come here
	 * as they are read, a thousand at a time, all before its result (whose
	 * n_subs is then 0), so that a test with a million of them is run in
	 * bounded memory; the callee takes over their heap strings. */
	void (*sub_results)(void *ctx, const struct plan_item *it, struct result *subs,
			    size_t n);
};

struct exec_summary {
	bool cancelled;
	bool killed;        /* the second signal: clean-ups may have been skipped */
	size_t ran;         /* tests started */
	size_t done;        /* results reported */
};

int exec_run(struct plan *p, const struct exec_opts *o, const struct exec_events *ev,
	     struct exec_summary *sum, struct error *e);

#endif
