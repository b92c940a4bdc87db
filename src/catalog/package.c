/* package — reading a test package's assay.yaml (see package.h), with the
 * same typed reads and FILE:LINE:COL messages as the catalog. */
#include "util/base.h"

#include <errno.h>

#include "catalog/catalog_int.h"
#include "catalog/package.h"

static const char *const keys[] = { "name", "version", "install", "run", "protocol",
				    "description" };

bool package_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (!n || n > 100 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '+'))
			return false;
	}
	return true;
}

static int read_root(struct cat_loader *L, yaml_node_t *root, struct package *p)
{
	int rc = yml_check_keys(L, root, keys, ARRAY_SIZE(keys), "key");
	if (rc)
		return rc;
	const char *v[ARRAY_SIZE(keys)] = { 0 };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if ((rc = yml_string(L, yml_field(L, root, keys[i]), keys[i], &v[i])))
			return rc;
	for (int i = 0; i < 2; i++) {
		struct cat_field f = yml_field(L, root, keys[i]);
		if (!v[i])
			return yml_fail_at(L, f.key ? f.key->start_mark : root->start_mark,
					   "a package needs '%s:'", keys[i]);
		if (!package_name_ok(v[i]))
			return yml_fail(L, f.val,
					"'%s' must be 1-100 of letters, digits, '.', '_', '-', '+'",
					keys[i]);
	}
	if (v[4] && strcmp(v[4], "exit") && strcmp(v[4], "tap") && strcmp(v[4], "junit"))
		return yml_fail(L, yml_field(L, root, "protocol").val,
				"'protocol' is exit, tap or junit, not '%s'", v[4]);
	p->name = xstrdup(v[0]);
	p->version = xstrdup(v[1]);
	p->install = v[2] && *v[2] ? xstrdup(v[2]) : NULL;
	p->run = v[3] && *v[3] ? xstrdup(v[3]) : NULL;
	p->protocol = xstrdup(v[4] ? v[4] : "exit");
	p->description = v[5] ? xstrdup(v[5]) : NULL;
	return RC_OK;
}

int package_manifest_read(const char *path, const char *display, struct package *out,
			  struct error *e)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, RC_PARSE, "%s: cannot read: %s", display, strerror(errno));
	struct cat_loader L = { .file = display, .e = e, .where = BUF_INIT };
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return err_set(e, RC_NOMEM, "%s: cannot start the YAML parser", display);
	}
	yaml_parser_set_input_file(&parser, f);
	int rc;
	if (!yaml_parser_load(&parser, &L.doc)) {
		rc = yml_fail_at(&L, parser.problem_mark, "%s",
				 parser.problem ? parser.problem : "malformed YAML");
	} else {
		yaml_node_t *root = yaml_document_get_root_node(&L.doc);
		if (!root || root->type != YAML_MAPPING_NODE) {
			yaml_mark_t start = { 0, 0, 0 };
			rc = yml_fail_at(&L, root ? root->start_mark : start,
					 "a package's assay.yaml is a mapping with name, version, "
					 "install and run");
		} else {
			rc = read_root(&L, root, out);
		}
	}
	yaml_parser_delete(&parser);
	yaml_document_delete(&L.doc);
	buf_release(&L.where);
	fclose(f);
	if (rc) {
		package_release(out);
		e->code = RC_PARSE;
		return RC_PARSE;
	}
	return RC_OK;
}
