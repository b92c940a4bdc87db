/* plan — what a run will execute and in which order (QMTest's schedule).
 *
 *     struct plan *p;
 *     struct plan_request req = { .names = argv, .n_names = argc, ... };
 *     if (plan_build(cat, &req, &p, &e)) ...     // unknown name, suite or prerequisite cycle
 *     plan_set_expected(p, "slow.test", 2000);   // history from the store, any number of times
 *     plan_prioritize(p);                        // longest critical path first
 *     ... exec_run(p, ...) ...
 *     plan_free(p);
 *
 * Selection: each name is a test, a suite (expanded recursively, suites may
 * nest), or a glob over test names; "." or no name at all means every test.
 * A test named more than once runs once. --label keeps tests carrying at least
 * one of the labels; --exclude removes tests, suites or globs. Prerequisites
 * that are not in the plan are ignored; those that are become edges, and a
 * cycle among them is an error naming its members. The plan borrows the
 * catalog: the catalog must outlive it. */
#ifndef ASSAY_ENGINE_PLAN_H
#define ASSAY_ENGINE_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "model/status.h"
#include "util/rc.h"
#include "util/strmap.h"

struct plan_item {
	const struct cat_test *test;
	size_t *deps;                 /* plan indices of its prerequisites in the plan */
	enum result_status *expect;   /* expected outcome of each dep */
	size_t n_deps;
	size_t *dependents;           /* plan indices of the tests that require this one */
	size_t n_dependents;
	size_t *resources;            /* indices into plan->resources */
	size_t n_resources;
	int64_t expected_ms;          /* from history; -1 when unknown */
	int64_t priority;             /* expected time of the longest chain from here */
};

struct plan_resource {
	const struct cat_resource *res;
	size_t n_users;               /* plan items that require it */
};

struct plan {
	const struct catalog *cat;
	struct plan_item *items;      /* in selection order (catalog order for ".") */
	size_t n;
	struct plan_resource *resources;
	size_t n_resources;
	struct strmap index;          /* test name → plan index */
	size_t n_named;               /* tests the names chose, before excludes and labels */
	size_t n_excluded;            /* of those, left out by the excludes */
};

struct plan_request {
	char *const *names;           /* tests, suites, globs, "."; n_names 0 = all */
	size_t n_names;
	char *const *labels;          /* keep tests with any of these labels; 0 = no filter */
	size_t n_labels;
	char *const *excludes;        /* tests, suites or globs to leave out */
	size_t n_excludes;
};

int plan_build(const struct catalog *cat, const struct plan_request *req, struct plan **out,
	       struct error *e);
/* Records the expected duration of a test (ignored if not in the plan). */
void plan_set_expected(struct plan *p, const char *name, int64_t ms);
/* Computes every item's priority: its expected duration (the average of the
 * known ones when it has no history) plus the largest priority among its
 * dependents — so long chains and long tests start first. */
void plan_prioritize(struct plan *p);
/* Sum of expected durations, for an ETA; unknown ones count as the average. */
int64_t plan_expected_total(const struct plan *p);
void plan_free(struct plan *p);

#endif
