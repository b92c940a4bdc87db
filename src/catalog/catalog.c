/* catalog — loading assay.yaml (DESIGN.md "The catalog file"), finding it,
 * freeing it, and looking names up in it.
 *
 * The file is read whole into a libyaml document (its nodes keep their
 * positions, which every message needs) and then walked in three passes:
 *   1. the top-level keys: known, each once;
 *   2. the names under resources:, tests: and suites:, so that a test may
 *      name a prerequisite or resource defined further down the file;
 *   3. every definition, checking each key and each reference (entries.c).
 * The first fault stops the load; the half-built catalog is freed. */
#include "util/base.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>

#include "catalog/catalog_int.h"
#include "util/kv.h"
#include "util/strlist.h"

static const char *const top_keys[] = { "project", "context", "resources", "tests", "suites" };

/* Passes 1 to 3 over a parsed document whose root is a mapping. */
static int load_root(struct cat_loader *L, yaml_node_t *root)
{
	struct catalog *cat = L->cat;
	int rc = yml_check_keys(L, root, top_keys, ARRAY_SIZE(top_keys), "key");
	if (rc)
		return rc;
	struct cat_field res = yml_field(L, root, "resources");
	struct cat_field tests = yml_field(L, root, "tests");
	struct cat_field suites = yml_field(L, root, "suites");
	if ((rc = catalog_read_names(L, res, tests, suites)))
		return rc;

	const char *project = NULL;
	struct cat_field pf = yml_field(L, root, "project");
	if ((rc = yml_string(L, pf, "project", &project)))
		return rc;
	if (project && !*project)
		return yml_fail(L, pf.val, "'project' is empty");
	if (!project) {
		const char *slash = strrchr(cat->dir, '/');
		project = slash && slash[1] ? slash + 1 : cat->dir;
	}
	cat->project = xstrdup(project);
	if ((rc = yml_vars(L, yml_field(L, root, "context"), "context", &cat->context)))
		return rc;

	for (size_t i = 0; i < cat->n_resources; i++) {
		yaml_node_pair_t *p = &res.val->data.mapping.pairs.start[i];
		if ((rc = catalog_read_resource(L, yml_node(L, p->value), &cat->resources[i])))
			return rc;
	}
	for (size_t i = 0; i < cat->n_tests; i++) {
		yaml_node_pair_t *p = &tests.val->data.mapping.pairs.start[i];
		rc = catalog_read_test(L, yml_node(L, p->key), yml_node(L, p->value),
				       &cat->tests[i]);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < cat->n_suites; i++) {
		yaml_node_pair_t *p = &suites.val->data.mapping.pairs.start[i];
		struct cat_field sf = { yml_node(L, p->key), yml_node(L, p->value) };
		if ((rc = catalog_read_suite(L, sf, &cat->suites[i])))
			return rc;
	}
	return RC_OK;
}

/* Turns a libyaml parser failure into FILE:LINE:COL: problem (context). */
static int yaml_failure(struct cat_loader *L, const yaml_parser_t *parser)
{
	const char *problem = parser->problem ? parser->problem : "malformed YAML";
	if (parser->error == YAML_READER_ERROR) {
		/* the reader knows a byte offset, not a line */
		return err_set(L->e, RC_PARSE, "%s: %s at byte %zu", L->file, problem,
			       parser->problem_offset);
	}
	if (parser->context)
		return yml_fail_at(L, parser->problem_mark, "%s (%s at line %zu)", problem,
				   parser->context, parser->context_mark.line + 1);
	return yml_fail_at(L, parser->problem_mark, "%s", problem);
}

/* Parses the file's single YAML document into L->doc and checks that it is a
 * non-empty mapping; returns its root. */
static int parse_document(struct cat_loader *L, FILE *f, yaml_node_t **root)
{
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		return err_set(L->e, RC_NOMEM, "%s: cannot start the YAML parser", L->file);
	yaml_parser_set_input_file(&parser, f);
	int rc = RC_OK;
	if (!yaml_parser_load(&parser, &L->doc)) {
		/* libyaml leaves the document zeroed on failure: deleting is safe */
		rc = yaml_failure(L, &parser);
		yaml_parser_delete(&parser);
		return rc;
	}
	*root = yaml_document_get_root_node(&L->doc);
	if (yml_is_null(*root)) {
		yaml_mark_t start = { 0, 0, 0 };
		rc = yml_fail_at(L, *root ? (*root)->start_mark : start,
				 "the catalog is empty; expected a mapping with at least 'tests:'");
	} else if ((*root)->type != YAML_MAPPING_NODE) {
		rc = yml_fail(L, *root,
			      "the catalog must be a mapping (project, context, resources, tests, "
			      "suites), not %s",
			      yml_kind(*root));
	} else {
		yaml_document_t next;
		if (!yaml_parser_load(&parser, &next)) {
			rc = yaml_failure(L, &parser);
		} else {
			yaml_node_t *more = yaml_document_get_root_node(&next);
			if (more)
				rc = yml_fail(
					L, more,
					"a catalog is one YAML document; a second one starts here");
			yaml_document_delete(&next);
		}
	}
	yaml_parser_delete(&parser);
	return rc;
}

int catalog_load(const char *path, struct catalog **out, struct error *e)
{
	*out = NULL;
	struct stat st;
	if (stat(path, &st))
		return err_set(e, RC_IO, "cannot read catalog %s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return err_set(e, RC_IO, "cannot read catalog %s: it is a folder, not a file",
			       path);
	char real[PATH_MAX];
	if (!realpath(path, real))
		return err_set(e, RC_IO, "cannot read catalog %s: %s", path, strerror(errno));
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, RC_IO, "cannot read catalog %s: %s", path, strerror(errno));

	struct catalog *cat = xcalloc(1, sizeof(*cat));
	cat->path = xstrdup(real);
	char *slash = strrchr(real, '/');
	cat->dir = slash == real ? xstrdup("/") : xstrndup(real, (size_t)(slash - real));

	struct cat_loader L = { .file = path, .cat = cat, .e = e, .where = BUF_INIT };
	yaml_node_t *root = NULL;
	int rc = parse_document(&L, f, &root);
	if (!rc)
		rc = load_root(&L, root);
	fclose(f);
	yaml_document_delete(&L.doc);
	buf_release(&L.where);
	strmap_release(&L.tests);
	strmap_release(&L.resources);
	strmap_release(&L.suites);
	if (rc) {
		catalog_free(cat);
		return rc;
	}
	*out = cat;
	return RC_OK;
}

int catalog_find(const char *dir, char *out, size_t n, struct error *e)
{
	const char *from = dir ? dir : ".";
	char here[PATH_MAX];
	struct stat st;
	if (!realpath(from, here) || stat(here, &st))
		return err_set(e, RC_IO, "cannot look for assay.yaml from %s: %s", from,
			       strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, RC_USAGE, "cannot look for assay.yaml from %s: not a folder",
			       from);
	size_t len = strlen(here);
	for (;;) {
		char *cand = xasprintf("%s/assay.yaml", len == 1 ? "" : here);
		char real[PATH_MAX];
		bool found = stat(cand, &st) == 0 && S_ISREG(st.st_mode) && realpath(cand, real);
		free(cand);
		if (found) {
			if (strlen(real) >= n)
				return err_set(e, RC_USAGE, "catalog path too long: %s", real);
			memcpy(out, real, strlen(real) + 1);
			return RC_OK;
		}
		if (len == 1)
			break;
		/* up one folder: cut at the last '/', keeping "/" itself */
		while (len > 1 && here[len - 1] != '/')
			len--;
		if (len > 1)
			len--;
		here[len] = 0;
	}
	return err_set(e, RC_NOTFOUND, "no assay.yaml in %s or any folder above it",
		       dir ? dir : "the current folder");
}

static void test_release(struct cat_test *t)
{
	free(t->name);
	catalog_command_release(&t->command);
	free(t->workdir);
	kv_release(&t->env);
	strv_free(t->labels);
	for (size_t i = 0; i < t->n_prereqs; i++)
		free(t->prereqs[i].test);
	free(t->prereqs);
	strv_free(t->resources);
	free(t->description);
}

void catalog_free(struct catalog *cat)
{
	if (!cat)
		return;
	for (size_t i = 0; i < cat->n_tests; i++)
		test_release(&cat->tests[i]);
	free(cat->tests);
	for (size_t i = 0; i < cat->n_suites; i++) {
		free(cat->suites[i].name);
		strv_free(cat->suites[i].items);
	}
	free(cat->suites);
	for (size_t i = 0; i < cat->n_resources; i++) {
		struct cat_resource *r = &cat->resources[i];
		free(r->name);
		catalog_command_release(&r->setup);
		catalog_command_release(&r->cleanup);
		free(r->workdir);
		kv_release(&r->env);
	}
	free(cat->resources);
	kv_release(&cat->context);
	free(cat->path);
	free(cat->dir);
	free(cat->project);
	free(cat);
}

/* The lookups scan: a catalog holds hundreds of names, not millions, and
 * a scan also works on a catalog built by hand in a test. */
const struct cat_test *catalog_test(const struct catalog *cat, const char *name)
{
	for (size_t i = 0; i < cat->n_tests; i++)
		if (!strcmp(cat->tests[i].name, name))
			return &cat->tests[i];
	return NULL;
}

const struct cat_suite *catalog_suite(const struct catalog *cat, const char *name)
{
	for (size_t i = 0; i < cat->n_suites; i++)
		if (!strcmp(cat->suites[i].name, name))
			return &cat->suites[i];
	return NULL;
}

const struct cat_resource *catalog_resource(const struct catalog *cat, const char *name)
{
	for (size_t i = 0; i < cat->n_resources; i++)
		if (!strcmp(cat->resources[i].name, name))
			return &cat->resources[i];
	return NULL;
}
