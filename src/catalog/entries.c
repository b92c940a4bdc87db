/* entries — the definitions of a catalog: the names under resources:,
 * tests: and suites:, then each test, resource and suite, with every
 * reference between them checked (DESIGN.md "The catalog file"). */
#include "util/base.h"

#include "catalog/catalog_int.h"
#include "util/kv.h"
#include "util/str.h"
#include "util/strlist.h"

static const char *const protocol_names[] = { "exit", "tap", "junit" };

const char *protocol_name(enum protocol p)
{
	return (unsigned)p < ARRAY_SIZE(protocol_names) ? protocol_names[p] : "unknown";
}

static const char *const test_keys[] = {
	"command", "protocol",    "timeout",   "workdir",       "env",
	"labels",  "description", "resources", "prerequisites",
};
static const char *const resource_keys[] = { "setup", "cleanup", "workdir", "env", "timeout" };

/* Checks a test, suite or resource name. For tests and suites (`strict`),
 * '/' is kept for sub-results ("parent/child") and "." means "every test" to
 * the planner. */
static int check_name(struct cat_loader *L, yaml_node_t *k, const char *kind, bool strict)
{
	const char *name = yml_text(k);
	if (!*name)
		return yml_fail(L, k, "a %s name is empty", kind);
	if (strlen(name) != k->data.scalar.length)
		return yml_fail(L, k, "a %s name contains a NUL character", kind);
	if (strpbrk(name, " \t\r\n\v\f"))
		return yml_fail(L, k, "%s name '%s' contains whitespace", kind, name);
	if (strict && strchr(name, '/'))
		return yml_fail(
			L, k,
			"%s name '%s' contains '/', which is kept for sub-results (parent/child)",
			kind, name);
	if (strict && !strcmp(name, "."))
		return yml_fail(L, k, "'.' cannot name a %s: it means every test", kind);
	return RC_OK;
}

/* Checks that a section (tests:, resources:, suites:) is a mapping of
 * distinct, well-formed names and returns how many it holds. */
static int check_section(struct cat_loader *L, struct cat_field f, const char *kind, bool strict,
			 size_t *n)
{
	*n = 0;
	if (!yml_given(f))
		return RC_OK;
	if (f.val->type != YAML_MAPPING_NODE)
		return yml_fail(L, f.val,
				"'%s' must be a mapping of %s names to their definitions, not %s",
				yml_text(f.key), kind, yml_kind(f.val));
	int rc = yml_check_keys(L, f.val, NULL, 0, kind);
	YML_FOR_PAIRS(p, f.val) {
		if (rc)
			break;
		rc = check_name(L, yml_node(L, p->key), kind, strict);
	}
	*n = yml_map_len(f.val);
	return rc;
}

/* A folder relative to the catalog's, made absolute without touching the
 * disk: a build folder may not exist yet when the catalog is loaded, so
 * "." and ".." are resolved by the text alone. */
static char *path_absolute(const char *dir, const char *rel)
{
	struct buf out = BUF_INIT;
	char *in = rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", dir, rel);
	for (const char *p = in; *p;) {
		p += strspn(p, "/");
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing, or "." */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(out.data, '/');
			if (slash)
				buf_truncate(&out, (size_t)(slash - out.data));
		} else {
			buf_addc(&out, '/');
			buf_add(&out, p, n);
		}
		p += n;
	}
	free(in);
	if (!out.len)
		buf_addc(&out, '/');
	return buf_detach(&out);
}

static int get_workdir(struct cat_loader *L, struct cat_field f, char **out)
{
	const char *s = NULL;
	int rc = yml_string(L, f, "workdir", &s);
	if (rc)
		return rc;
	if (s && !*s)
		return yml_fail(L, f.val, "'workdir' is empty");
	*out = path_absolute(L->cat->dir, s ? s : ".");
	return RC_OK;
}

/* A command (command:, setup:, cleanup:): a string, split or handed to the
 * shell by catalog_command_parse, or a list used as argv as it stands. An
 * empty value is refused when the command is required and leaves argv NULL
 * otherwise. */
static int get_command(struct cat_loader *L, struct cat_field f, const char *what, bool required,
		       struct cat_command *out)
{
	if (!yml_given(f)) {
		if (f.key && required)
			return yml_fail(L, f.key, "'%s' is empty", what);
		return RC_OK;
	}
	if (f.val->type == YAML_MAPPING_NODE)
		return yml_fail(L, f.val,
				"'%s' must be a string or a list of strings, not a mapping", what);
	if (f.val->type == YAML_SCALAR_NODE) {
		const char *s;
		int rc = yml_string(L, f, what, &s);
		if (rc)
			return rc;
		catalog_command_parse(s, out);
		if (!out->argv[0])
			return yml_fail(L, f.val, "'%s' is empty", what);
		return RC_OK;
	}
	yaml_node_item_t *it = f.val->data.sequence.items.start;
	yaml_node_item_t *end = f.val->data.sequence.items.top;
	struct strlist argv = STRLIST_INIT;
	struct buf joined = BUF_INIT;
	int rc = RC_OK;
	for (; it < end && !rc; it++) {
		yaml_node_t *item = yml_node(L, *it);
		if (item->type != YAML_SCALAR_NODE) {
			rc = yml_fail(L, item, "each item of '%s' must be a string, not %s", what,
				      yml_kind(item));
		} else if (strlen(yml_text(item)) != item->data.scalar.length) {
			rc = yml_fail(L, item, "an item of '%s' contains a NUL character", what);
		} else if (argv.n == 0 && (yml_is_null(item) || !*yml_text(item))) {
			rc = yml_fail(L, item, "the program of '%s' (its first item) is empty",
				      what);
		} else {
			/* a null item further on is an empty argument, as written */
			const char *arg = yml_is_null(item) ? "" : yml_text(item);
			strlist_add(&argv, arg);
			buf_addf(&joined, "%s%s", joined.len ? " " : "", arg);
		}
	}
	if (!rc && argv.n == 0)
		rc = yml_fail(L, f.val, "'%s' is an empty list", what);
	if (rc) {
		strlist_release(&argv);
		buf_release(&joined);
		return rc;
	}
	out->argv = strlist_detach(&argv);
	out->text = buf_detach(&joined);
	out->shell = false;
	return RC_OK;
}

static int get_protocol(struct cat_loader *L, struct cat_field f, enum protocol *out)
{
	const char *s = NULL;
	int rc = yml_string(L, f, "protocol", &s);
	if (rc || !s)
		return rc;
	struct cat_hint n;
	cat_hint_init(&n, s);
	for (size_t i = 0; i < ARRAY_SIZE(protocol_names); i++) {
		if (!strcmp(s, protocol_names[i])) {
			*out = (enum protocol)i;
			return RC_OK;
		}
		cat_hint_try(&n, protocol_names[i]);
	}
	struct buf b = BUF_INIT;
	cat_hint_add(&n, &b);
	rc = yml_fail(L, f.val, "unknown protocol '%s' (expected exit, tap or junit)%s", s, b.data);
	buf_release(&b);
	return rc;
}

static int get_labels(struct cat_loader *L, struct cat_field f, struct cat_test *t)
{
	yaml_node_t **items;
	size_t n;
	int rc = yml_list(L, f, "labels", &items, &n);
	if (rc)
		return rc;
	struct strlist labels = STRLIST_INIT;
	for (size_t i = 0; i < n; i++)
		if (!strlist_has(&labels, yml_text(items[i])))
			strlist_add(&labels, yml_text(items[i]));
	t->labels = strlist_detach(&labels);
	free(items);
	return RC_OK;
}

/* Fails on a name that is not a test or resource (`kind`) of the catalog,
 * with the closest one as a hint. */
static int unknown_name(struct cat_loader *L, yaml_node_t *at, const char *what, const char *name,
			const char *kind)
{
	struct cat_hint n;
	cat_hint_init(&n, name);
	const struct catalog *cat = L->cat;
	if (!strcmp(kind, "resource")) {
		for (size_t i = 0; i < cat->n_resources; i++)
			cat_hint_try(&n, cat->resources[i].name);
	} else {
		for (size_t i = 0; i < cat->n_tests; i++)
			cat_hint_try(&n, cat->tests[i].name);
	}
	struct buf b = BUF_INIT;
	cat_hint_add(&n, &b);
	int rc = yml_fail(L, at, "%s '%s' is not a %s of this catalog%s", what, name, kind, b.data);
	buf_release(&b);
	return rc;
}

static int get_test_resources(struct cat_loader *L, struct cat_field f, struct cat_test *t)
{
	yaml_node_t **items;
	size_t n;
	int rc = yml_list(L, f, "resources", &items, &n);
	struct strlist names = STRLIST_INIT;
	for (size_t i = 0; i < n && !rc; i++) {
		const char *name = yml_text(items[i]);
		size_t idx;
		if (!strmap_get(&L->resources, name, &idx))
			rc = unknown_name(L, items[i], "resource", name, "resource");
		else if (strlist_has(&names, name))
			rc = yml_fail(L, items[i], "resource '%s' is listed twice", name);
		else
			strlist_add(&names, name);
	}
	free(items);
	t->resources = strlist_detach(&names);
	return rc;
}

/* Adds one prerequisite after checking that it names another test of the
 * catalog, not twice. */
static int add_prereq(struct cat_loader *L, struct cat_test *t, yaml_node_t *at,
		      enum result_status expect)
{
	const char *name = yml_text(at);
	size_t idx;
	if (!strmap_get(&L->tests, name, &idx))
		return unknown_name(L, at, "prerequisite", name, "test");
	if (!strcmp(name, t->name))
		return yml_fail(L, at, "prerequisite '%s' is the test itself", name);
	for (size_t i = 0; i < t->n_prereqs; i++)
		if (!strcmp(t->prereqs[i].test, name))
			return yml_fail(L, at, "prerequisite '%s' is listed twice", name);
	t->prereqs[t->n_prereqs].test = xstrdup(name);
	t->prereqs[t->n_prereqs].expect = expect;
	t->n_prereqs++;
	return RC_OK;
}

/* The outcome a prerequisite must have for the test to run. "untested" and
 * "retest" are states of a result record, never the outcome of a test that
 * ran, so a test expecting them could never run. */
static int get_expect(struct cat_loader *L, struct cat_field f, enum result_status *out)
{
	const char *s = NULL;
	int rc = yml_string(L, f, yml_text(f.key), &s);
	if (rc)
		return rc;
	if (!s)
		return yml_fail(L, f.key, "prerequisite '%s' has no expected outcome (e.g. passed)",
				yml_text(f.key));
	if (!status_parse(s, out) || *out == RS_UNTESTED || *out == RS_RETEST)
		return yml_fail(L, f.val,
				"bad expected outcome '%s' for prerequisite '%s' (expected passed, "
				"failed, error, blocked, skipped or invalid)",
				s, yml_text(f.key));
	return RC_OK;
}

/* prerequisites: a mapping of test names to expected outcomes, or a list
 * of test names (or one name) that must pass. */
static int get_prereqs(struct cat_loader *L, struct cat_field f, struct cat_test *t)
{
	if (!yml_given(f))
		return RC_OK;
	if (f.val->type != YAML_MAPPING_NODE) {
		yaml_node_t **items;
		size_t n;
		int rc = yml_list(L, f, "prerequisites", &items, &n);
		if (!rc)
			t->prereqs = xcalloc(n, sizeof(*t->prereqs));
		for (size_t i = 0; i < n && !rc; i++)
			rc = add_prereq(L, t, items[i], RS_PASSED);
		free(items);
		return rc;
	}
	int rc = yml_check_keys(L, f.val, NULL, 0, "prerequisite");
	if (rc)
		return rc;
	t->prereqs = xcalloc(yml_map_len(f.val), sizeof(*t->prereqs));
	YML_FOR_PAIRS(p, f.val) {
		struct cat_field pf = { yml_node(L, p->key), yml_node(L, p->value) };
		enum result_status expect;
		rc = get_expect(L, pf, &expect);
		if (!rc)
			rc = add_prereq(L, t, pf.key, expect);
		if (rc)
			return rc;
	}
	return RC_OK;
}

int catalog_read_test(struct cat_loader *L, yaml_node_t *key, yaml_node_t *body, struct cat_test *t)
{
	buf_reset(&L->where);
	buf_addf(&L->where, "test '%s'", t->name);
	if (!yml_is_null(body) && body->type != YAML_MAPPING_NODE)
		return yml_fail(L, body, "a test must be a mapping with at least 'command', not %s",
				yml_kind(body));
	yaml_node_t *map = yml_is_null(body) ? NULL : body;
	int rc = map ? yml_check_keys(L, map, test_keys, ARRAY_SIZE(test_keys), "key") : RC_OK;
	if (rc)
		return rc;
	struct cat_field cmd = yml_field(L, map, "command");
	if (!cmd.key)
		return yml_fail(L, key, "missing 'command'");
	const char *desc = NULL;
	if ((rc = get_command(L, cmd, "command", true, &t->command)) ||
	    (rc = get_protocol(L, yml_field(L, map, "protocol"), &t->protocol)) ||
	    (rc = yml_duration(L, yml_field(L, map, "timeout"), &t->timeout_ms)) ||
	    (rc = get_workdir(L, yml_field(L, map, "workdir"), &t->workdir)) ||
	    (rc = yml_vars(L, yml_field(L, map, "env"), "env", &t->env)) ||
	    (rc = get_labels(L, yml_field(L, map, "labels"), t)) ||
	    (rc = yml_string(L, yml_field(L, map, "description"), "description", &desc)) ||
	    (rc = get_test_resources(L, yml_field(L, map, "resources"), t)) ||
	    (rc = get_prereqs(L, yml_field(L, map, "prerequisites"), t)))
		return rc;
	t->description = xstrdup(desc);
	return RC_OK;
}

int catalog_read_resource(struct cat_loader *L, yaml_node_t *body, struct cat_resource *r)
{
	buf_reset(&L->where);
	buf_addf(&L->where, "resource '%s'", r->name);
	if (!yml_is_null(body) && body->type != YAML_MAPPING_NODE)
		return yml_fail(L, body,
				"a resource must be a mapping (setup, cleanup, ...), not %s",
				yml_kind(body));
	yaml_node_t *map = yml_is_null(body) ? NULL : body;
	int rc = map ? yml_check_keys(L, map, resource_keys, ARRAY_SIZE(resource_keys), "key")
		     : RC_OK;
	if (rc || (rc = get_command(L, yml_field(L, map, "setup"), "setup", false, &r->setup)) ||
	    (rc = get_command(L, yml_field(L, map, "cleanup"), "cleanup", false, &r->cleanup)) ||
	    (rc = get_workdir(L, yml_field(L, map, "workdir"), &r->workdir)) ||
	    (rc = yml_vars(L, yml_field(L, map, "env"), "env", &r->env)) ||
	    (rc = yml_duration(L, yml_field(L, map, "timeout"), &r->timeout_ms)))
		return rc;
	return RC_OK;
}

/* A suite's members: each a test, a suite, "." or a glob that matches at
 * least one test (a glob matching nothing is almost always a typo). Cycles
 * between suites are the planner's to report. */
int catalog_read_suite(struct cat_loader *L, struct cat_field f, struct cat_suite *s)
{
	buf_reset(&L->where);
	buf_addf(&L->where, "suite '%s'", s->name);
	yaml_node_t **items;
	size_t n;
	int rc = yml_list(L, f, s->name, &items, &n);
	struct strlist members = STRLIST_INIT;
	const struct catalog *cat = L->cat;
	for (size_t i = 0; i < n && !rc; i++) {
		const char *name = yml_text(items[i]);
		size_t idx;
		bool ok = !strcmp(name, ".") || strmap_get(&L->tests, name, &idx) ||
			  strmap_get(&L->suites, name, &idx);
		if (!ok && str_is_glob(name)) {
			for (size_t k = 0; k < cat->n_tests && !ok; k++)
				ok = str_glob_match(name, cat->tests[k].name);
			if (!ok) {
				rc = yml_fail(L, items[i], "glob '%s' matches no test", name);
				break;
			}
		}
		if (!ok) {
			struct cat_hint nr;
			cat_hint_init(&nr, name);
			for (size_t k = 0; k < cat->n_tests; k++)
				cat_hint_try(&nr, cat->tests[k].name);
			for (size_t k = 0; k < cat->n_suites; k++)
				cat_hint_try(&nr, cat->suites[k].name);
			struct buf b = BUF_INIT;
			cat_hint_add(&nr, &b);
			rc = yml_fail(L, items[i], "'%s' is neither a test nor a suite%s", name,
				      b.data);
			buf_release(&b);
			break;
		}
		strlist_add(&members, name);
	}
	free(items);
	s->items = strlist_detach(&members);
	return rc;
}

/* The names of resources, tests and suites, in file order, so that
 * later checks can resolve references in any direction. */
int catalog_read_names(struct cat_loader *L, struct cat_field res, struct cat_field tests,
		       struct cat_field suites)
{
	struct catalog *cat = L->cat;
	size_t n;
	int rc;
	if ((rc = check_section(L, res, "resource", false, &n)))
		return rc;
	cat->resources = xcalloc(n, sizeof(*cat->resources));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *k = yml_node(L, res.val->data.mapping.pairs.start[i].key);
		cat->resources[i].name = xstrdup(yml_text(k));
		cat->resources[i].line = (int)k->start_mark.line + 1;
		cat->n_resources++;
		strmap_put(&L->resources, yml_text(k), i);
	}
	if ((rc = check_section(L, tests, "test", true, &n)))
		return rc;
	cat->tests = xcalloc(n, sizeof(*cat->tests));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *k = yml_node(L, tests.val->data.mapping.pairs.start[i].key);
		cat->tests[i].name = xstrdup(yml_text(k));
		cat->tests[i].line = (int)k->start_mark.line + 1;
		cat->n_tests++;
		strmap_put(&L->tests, yml_text(k), i);
	}
	if ((rc = check_section(L, suites, "suite", true, &n)))
		return rc;
	cat->suites = xcalloc(n, sizeof(*cat->suites));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *k = yml_node(L, suites.val->data.mapping.pairs.start[i].key);
		size_t t;
		/* the planner looks a name up as a test first: such a suite
		 * could never be selected */
		if (strmap_get(&L->tests, yml_text(k), &t))
			return yml_fail(L, k, "suite '%s' has the name of a test (line %d)",
					yml_text(k), cat->tests[t].line);
		cat->suites[i].name = xstrdup(yml_text(k));
		cat->suites[i].line = (int)k->start_mark.line + 1;
		cat->n_suites++;
		strmap_put(&L->suites, yml_text(k), i);
	}
	return RC_OK;
}
