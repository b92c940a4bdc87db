/* Unit tests of engine/plan: selection, expansion, dedup, filters, unknown
 * names, cycles and priorities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include "engine/plan.h"
#include "testlib.h"

static const char *yaml =
	"project: p\n"
	"tests:\n"
	"  parse.basic: {command: 'true', labels: [unit, fast]}\n"
	"  parse.deep: {command: 'true', labels: [unit]}\n"
	"  query.select:\n"
	"    command: 'true'\n"
	"    prerequisites: {parse.basic: passed}\n"
	"  query.join:\n"
	"    command: 'true'\n"
	"    prerequisites: {query.select: passed, parse.deep: failed}\n"
	"  slow: {command: 'true', labels: [slow]}\n"
	"suites:\n"
	"  parse: [parse.*]\n"
	"  query: [query.select, query.join]\n"
	"  all: [parse, query, parse.basic]\n";

struct fixture {
	char *dir;
	struct catalog *cat;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	f->dir = testlib_tmpdir();
	f->cat = testlib_catalog(f->dir, yaml);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	catalog_free(f->cat);
	testlib_rmdir(f->dir);
	free(f);
	return 0;
}

static struct plan *build(struct fixture *f, char **names, size_t n, char **labels, size_t nl,
			  char **excl, size_t nx)
{
	struct plan_request req = { names, n, labels, nl, excl, nx };
	struct plan *p = NULL;
	struct error e = ERROR_INIT;
	if (plan_build(f->cat, &req, &p, &e)) {
		fprintf(stderr, "plan_build: %s\n", e.msg);
		return NULL;
	}
	return p;
}

static size_t index_of(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->items[i].test->name, name))
			return i;
	return (size_t)-1;
}

static void no_name_means_every_test_in_catalog_order(void **state)
{
	struct plan *p = build(*state, NULL, 0, NULL, 0, NULL, 0);
	assert_non_null(p);
	assert_int_equal(p->n, 5);
	assert_string_equal(p->items[0].test->name, "parse.basic");
	assert_string_equal(p->items[4].test->name, "slow");
	plan_free(p);
	char *dot[] = { "." };
	p = build(*state, dot, 1, NULL, 0, NULL, 0);
	assert_int_equal(p->n, 5);
	plan_free(p);
}

static void nested_suites_expand_and_a_test_named_twice_runs_once(void **state)
{
	char *names[] = { "all", "parse.basic", "query" };
	struct plan *p = build(*state, names, 3, NULL, 0, NULL, 0);
	assert_non_null(p);
	assert_int_equal(p->n, 4); /* parse.basic, parse.deep, query.select, query.join */
	assert_int_not_equal(index_of(p, "parse.deep"), (size_t)-1);
	assert_int_equal(index_of(p, "slow"), (size_t)-1);
	plan_free(p);
}

static void globs_select_matching_tests(void **state)
{
	char *names[] = { "query.*" };
	struct plan *p = build(*state, names, 1, NULL, 0, NULL, 0);
	assert_int_equal(p->n, 2);
	plan_free(p);
}

static void labels_and_excludes_narrow_the_selection(void **state)
{
	char *labels[] = { "unit" };
	struct plan *p = build(*state, NULL, 0, labels, 1, NULL, 0);
	assert_int_equal(p->n, 2);
	plan_free(p);
	char *excl[] = { "parse" , "slow" };
	p = build(*state, NULL, 0, NULL, 0, excl, 2);
	assert_int_equal(p->n, 2);
	assert_int_equal(index_of(p, "parse.basic"), (size_t)-1);
	plan_free(p);
}

static void unknown_name_is_an_error_that_suggests_close_names(void **state)
{
	struct fixture *f = *state;
	char *names[] = { "parse.basik" };
	struct plan_request req = { names, 1, NULL, 0, NULL, 0 };
	struct plan *p = NULL;
	struct error e = ERROR_INIT;
	assert_int_equal(plan_build(f->cat, &req, &p, &e), RC_NOTFOUND);
	assert_null(p);
	assert_non_null(strstr(e.msg, "'parse.basik'"));
	assert_non_null(strstr(e.msg, "did you mean 'parse.basic'"));
}

static void prerequisites_outside_the_run_are_ignored(void **state)
{
	char *names[] = { "query.join" };
	struct plan *p = build(*state, names, 1, NULL, 0, NULL, 0);
	assert_int_equal(p->n, 1);
	assert_int_equal(p->items[0].n_deps, 0);
	plan_free(p);
}

static void prerequisites_inside_the_run_become_edges_with_expected_outcomes(void **state)
{
	struct plan *p = build(*state, NULL, 0, NULL, 0, NULL, 0);
	size_t join = index_of(p, "query.join");
	assert_int_equal(p->items[join].n_deps, 2);
	bool saw_failed = false;
	for (size_t k = 0; k < 2; k++) {
		size_t d = p->items[join].deps[k];
		if (!strcmp(p->items[d].test->name, "parse.deep")) {
			assert_int_equal(p->items[join].expect[k], RS_FAILED);
			saw_failed = true;
		}
	}
	assert_true(saw_failed);
	size_t basic = index_of(p, "parse.basic");
	assert_int_equal(p->items[basic].n_dependents, 1);
	plan_free(p);
}

static void prerequisite_cycle_is_reported_with_its_members(void **state)
{
	char *dir = testlib_tmpdir();
	struct catalog *cat = testlib_catalog(dir,
		"tests:\n"
		"  a: {command: 'true', prerequisites: [c]}\n"
		"  b: {command: 'true', prerequisites: [a]}\n"
		"  c: {command: 'true', prerequisites: [b]}\n"
		"  d: {command: 'true'}\n");
	struct plan_request req = { 0 };
	struct plan *p = NULL;
	struct error e = ERROR_INIT;
	assert_int_equal(plan_build(cat, &req, &p, &e), RC_CYCLE);
	assert_non_null(strstr(e.msg, "prerequisite cycle"));
	assert_non_null(strstr(e.msg, "a"));
	assert_non_null(strstr(e.msg, "b"));
	assert_non_null(strstr(e.msg, "c"));
	assert_null(strstr(e.msg, "d"));
	/* Without c in the run, there is no cycle. */
	char *names[] = { "a", "b", "d" };
	struct plan_request req2 = { names, 3, NULL, 0, NULL, 0 };
	assert_int_equal(plan_build(cat, &req2, &p, &e), RC_OK);
	plan_free(p);
	catalog_free(cat);
	testlib_rmdir(dir);
}

static void suite_cycle_is_reported(void **state)
{
	char *dir = testlib_tmpdir();
	struct catalog *cat = testlib_catalog(dir,
		"tests:\n"
		"  a: {command: 'true'}\n"
		"suites:\n"
		"  s1: [a, s2]\n"
		"  s2: [s1]\n");
	char *names[] = { "s1" };
	struct plan_request req = { names, 1, NULL, 0, NULL, 0 };
	struct plan *p = NULL;
	struct error e = ERROR_INIT;
	assert_int_equal(plan_build(cat, &req, &p, &e), RC_CYCLE);
	assert_non_null(strstr(e.msg, "s1 -> s2 -> s1"));
	catalog_free(cat);
	testlib_rmdir(dir);
}

static void history_puts_the_longest_chain_first(void **state)
{
	struct plan *p = build(*state, NULL, 0, NULL, 0, NULL, 0);
	plan_set_expected(p, "slow", 5000);
	plan_set_expected(p, "parse.basic", 100);
	plan_set_expected(p, "query.select", 100);
	plan_set_expected(p, "query.join", 100);
	plan_set_expected(p, "parse.deep", 10);
	plan_set_expected(p, "not.in.plan", 99999);
	plan_prioritize(p);
	size_t slow = index_of(p, "slow"), basic = index_of(p, "parse.basic"),
	       deep = index_of(p, "parse.deep");
	assert_int_equal(p->items[slow].priority, 5000);
	/* parse.basic → query.select → query.join */
	assert_int_equal(p->items[basic].priority, 300);
	assert_int_equal(p->items[deep].priority, 110);
	assert_int_equal(plan_expected_total(p), 5310);
	plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(no_name_means_every_test_in_catalog_order, setup, teardown),
		cmocka_unit_test_setup_teardown(nested_suites_expand_and_a_test_named_twice_runs_once, setup, teardown),
		cmocka_unit_test_setup_teardown(globs_select_matching_tests, setup, teardown),
		cmocka_unit_test_setup_teardown(labels_and_excludes_narrow_the_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_name_is_an_error_that_suggests_close_names, setup, teardown),
		cmocka_unit_test_setup_teardown(prerequisites_outside_the_run_are_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(prerequisites_inside_the_run_become_edges_with_expected_outcomes, setup, teardown),
		cmocka_unit_test(prerequisite_cycle_is_reported_with_its_members),
		cmocka_unit_test(suite_cycle_is_reported),
		cmocka_unit_test_setup_teardown(history_puts_the_longest_chain_first, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
