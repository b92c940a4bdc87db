/* catalog_fuzz — libFuzzer target for catalog/ (assay.yaml through libyaml
 * and the loader, commands split or handed to /bin/sh) and engine/plan (the
 * selection, prerequisites, cycles and priorities a catalog leads to): what
 * anyone who can commit to a repository can make `assay run` read.
 *
 * Each input is written to a file, as a catalog always comes from one, and
 * loaded. A catalog that loads is checked against the loader's promises
 * (names, argv, prerequisites and resources naming what exists), then
 * planned whole, by its first suite, and by a glob: a plan must hold each
 * test once, its edges must point both ways, and prioritizing must end
 * (a cycle is refused by plan_build, never looped on). The same file is
 * also read as a test package's manifest (catalog/package, which a server
 * reads from uploaded archives): one that is taken must have a valid name
 * and version, a known protocol and suites as a JSON object. The
 * sanitizers catch the rest. A refusal must say why. */
#include "fuzz.h"

#include <fcntl.h>
#include <unistd.h>

#include <jansson.h>

#include "catalog/catalog.h"
#include "catalog/package.h"
#include "engine/plan.h"
#include "util/str.h"

static void check_command(const char *what, const struct cat_command *c, bool optional)
{
	if (!c->argv) {
		if (!optional)
			fuzz_fail("%s: no argv", what);
		return;
	}
	if (!c->argv[0] || !c->text)
		fuzz_fail("%s: an empty argv", what);
	if (c->shell && (strcmp(c->argv[0], "/bin/sh") || strcmp(c->argv[1], "-c") ||
			 strcmp(c->argv[2], c->text) || c->argv[3]))
		fuzz_fail("%s: a shell command that is not /bin/sh -c TEXT", what);
}

static bool has_test(const struct catalog *cat, const char *name)
{
	for (size_t i = 0; i < cat->n_tests; i++)
		if (!strcmp(cat->tests[i].name, name))
			return true;
	return false;
}

static void check_catalog(const struct catalog *cat)
{
	if (!cat->project || !*cat->project || !str_utf8_valid(cat->project))
		fuzz_fail("catalog: project '%s'", cat->project ? cat->project : "(null)");
	for (size_t i = 0; i < cat->n_tests; i++) {
		const struct cat_test *t = &cat->tests[i];
		if (!t->name || !*t->name || !str_utf8_valid(t->name))
			fuzz_fail("catalog: test %zu has no valid name", i);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(cat->tests[j].name, t->name))
				fuzz_fail("catalog: test '%s' twice", t->name);
		check_command(t->name, &t->command, false);
		if (!t->workdir || t->workdir[0] != '/')
			fuzz_fail("catalog: test '%s': workdir '%s' not absolute", t->name,
				  t->workdir ? t->workdir : "(null)");
		if (t->timeout_ms < 0)
			fuzz_fail("catalog: test '%s': timeout %lld", t->name,
				  (long long)t->timeout_ms);
		for (size_t j = 0; j < t->n_prereqs; j++)
			if (!has_test(cat, t->prereqs[j].test))
				fuzz_fail("catalog: test '%s' requires unknown '%s'", t->name,
					  t->prereqs[j].test);
		for (char **r = t->resources; r && *r; r++) {
			bool known = false;
			for (size_t k = 0; k < cat->n_resources && !known; k++)
				known = !strcmp(cat->resources[k].name, *r);
			if (!known)
				fuzz_fail("catalog: test '%s' uses unknown resource '%s'", t->name, *r);
		}
	}
	for (size_t i = 0; i < cat->n_resources; i++) {
		check_command(cat->resources[i].name, &cat->resources[i].setup, true);
		check_command(cat->resources[i].name, &cat->resources[i].cleanup, true);
	}
}

static void check_plan(const struct catalog *cat, const struct plan *p)
{
	if (p->n > cat->n_tests)
		fuzz_fail("plan: %zu items from %zu tests", p->n, cat->n_tests);
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		for (size_t j = 0; j < i; j++)
			if (p->items[j].test == it->test)
				fuzz_fail("plan: '%s' twice", it->test->name);
		for (size_t d = 0; d < it->n_deps; d++) {
			size_t k = it->deps[d];
			if (k >= p->n || k == i)
				fuzz_fail("plan: '%s' depends on item %zu", it->test->name, k);
			bool back = false;
			for (size_t m = 0; m < p->items[k].n_dependents && !back; m++)
				back = p->items[k].dependents[m] == i;
			if (!back)
				fuzz_fail("plan: '%s' -> '%s' has no way back", it->test->name,
					  p->items[k].test->name);
		}
		for (size_t r = 0; r < it->n_resources; r++)
			if (it->resources[r] >= p->n_resources)
				fuzz_fail("plan: '%s' uses resource %zu of %zu", it->test->name,
					  it->resources[r], p->n_resources);
		if (it->priority < 0)
			fuzz_fail("plan: '%s' priority %lld", it->test->name,
				  (long long)it->priority);
	}
}

static void plan_one(const struct catalog *cat, char *const *names, size_t n_names)
{
	struct plan_request req = { .names = names, .n_names = n_names };
	struct plan *p = NULL;
	struct error e = ERROR_INIT;
	if (plan_build(cat, &req, &p, &e)) {
		if (!e.msg[0])
			fuzz_fail("plan: refused without a reason");
		return;
	}
	/* Some history, so priorities add real durations along the chains. */
	for (size_t i = 0; i < p->n; i += 2)
		plan_set_expected(p, p->items[i].test->name, (int64_t)(i * 37 % 1000));
	plan_prioritize(p);
	check_plan(cat, p);
	(void)plan_expected_total(p);
	plan_free(p);
}

static void check_package(const struct package *p)
{
	if (!package_name_ok(p->name) || !package_name_ok(p->version))
		fuzz_fail("package: name '%s' version '%s'", p->name ? p->name : "(null)",
			  p->version ? p->version : "(null)");
	if (p->protocol && strcmp(p->protocol, "exit") && strcmp(p->protocol, "tap") &&
	    strcmp(p->protocol, "junit"))
		fuzz_fail("package: protocol '%s'", p->protocol);
	if (p->install_timeout_ms < 0 || p->run_timeout_ms < 0)
		fuzz_fail("package: timeouts %lld %lld", (long long)p->install_timeout_ms,
			  (long long)p->run_timeout_ms);
	if (p->suites_json) {
		json_t *j = json_loads(p->suites_json, 0, NULL);
		bool ok = json_is_object(j);
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v) ok = ok && json_is_string(v);
		json_decref(j);
		if (!ok)
			fuzz_fail("package: suites %s", p->suites_json);
	}
}

static char path[64];

static void remove_file(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/assay-catalog-fuzz-%d.yaml", (int)getpid());
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			fuzz_fail("cannot make %s", path);
		atexit(remove_file); /* the loader reads a path: the name stays till then */
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		fuzz_fail("cannot write %s", path);
	struct package pkg;
	struct error pe = ERROR_INIT;
	if (package_manifest_read(path, "fuzz.tar.gz:assay.yaml", &pkg, &pe)) {
		if (!pe.msg[0])
			fuzz_fail("package: refused without a reason");
	} else {
		check_package(&pkg);
		package_release(&pkg);
	}
	struct catalog *cat = NULL;
	struct error e = ERROR_INIT;
	if (catalog_load(path, &cat, &e)) {
		if (!e.msg[0])
			fuzz_fail("catalog: refused without a reason");
		return 0;
	}
	check_catalog(cat);
	char *all[] = { "." };
	plan_one(cat, all, 1);
	if (cat->n_suites) {
		char *suite[] = { cat->suites[0].name };
		plan_one(cat, suite, 1);
	}
	char *glob[] = { "*a*" };
	plan_one(cat, glob, 1);
	catalog_free(cat);
	return 0;
}
