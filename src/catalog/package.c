/* package — reading a test package's assay.yaml (see package.h), with the
 * same typed reads and FILE:LINE:COL messages as the catalog. */
#include "util/base.h"

#include <errno.h>
#include <jansson.h>

#include "catalog/catalog_int.h"
#include "catalog/package.h"

static const char *const keys[] = { "name", "version", "install", "run", "protocol",
				    "description", "suites" };
static const char *const hook_keys[] = { "command", "timeout" };

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

/* A hook: a command string, or a mapping {command, timeout}. *cmd is NULL
 * when the hook is absent or empty; *timeout_ms stays 0 when not given. */
static int read_hook(struct cat_loader *L, struct cat_field f, const char *what, const char **cmd,
		     int64_t *timeout_ms)
{
	*cmd = NULL;
	if (!yml_given(f) || f.val->type != YAML_MAPPING_NODE)
		return yml_string(L, f, what, cmd);
	int rc = yml_check_keys(L, f.val, hook_keys, ARRAY_SIZE(hook_keys), "key");
	if (!rc)
		rc = yml_string(L, yml_field(L, f.val, "command"), "command", cmd);
	if (!rc)
		rc = yml_duration(L, yml_field(L, f.val, "timeout"), timeout_ms);
	if (!rc && *timeout_ms < 0)
		rc = yml_fail(L, yml_field(L, f.val, "timeout").val,
			      "'timeout' of '%s' cannot be negative", what);
	if (!rc && (!*cmd || !**cmd))
		rc = yml_fail(L, f.val, "'%s' needs a 'command:'", what);
	return rc;
}

/* `suites:` — suite name -> the command run instead of `run:` for it;
 * *json (heap) is the JSON object, NULL when absent. */
static int read_suites(struct cat_loader *L, struct cat_field f, char **json)
{
	*json = NULL;
	if (!yml_given(f))
		return RC_OK;
	if (f.val->type != YAML_MAPPING_NODE)
		return yml_fail(L, f.val,
				"'suites' must be a mapping of suite names to commands, not %s",
				yml_kind(f.val));
	int rc = yml_check_keys(L, f.val, NULL, 0, "suite");
	json_t *o = json_object();
	YML_FOR_PAIRS(pair, f.val) {
		if (rc)
			break;
		yaml_node_t *k = yml_node(L, pair->key);
		const char *cmd = NULL;
		if (!package_name_ok(yml_text(k))) {
			rc = yml_fail(L, k,
				      "suite '%s': a name is 1-100 of letters, digits, '.', '_', '-', "
				      "'+'",
				      yml_text(k));
			break;
		}
		struct cat_field cf = { k, yml_node(L, pair->value) };
		if ((rc = yml_string(L, cf, "suites", &cmd)))
			break;
		if (!cmd || !*cmd) {
			rc = yml_fail(L, cf.val, "suite '%s' needs a command", yml_text(k));
			break;
		}
		json_object_set_new(o, yml_text(k), json_string(cmd));
	}
	if (!rc) {
		char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		*json = xstrdup(s);
		free(s);
	}
	json_decref(o);
	return rc;
}

static int read_root(struct cat_loader *L, yaml_node_t *root, struct package *p)
{
	int rc = yml_check_keys(L, root, keys, ARRAY_SIZE(keys), "key");
	if (rc)
		return rc;
	const char *v[ARRAY_SIZE(keys)] = { 0 };
	int64_t install_ms = 0, run_ms = 0;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		struct cat_field f = yml_field(L, root, keys[i]);
		if (i == 2)
			rc = read_hook(L, f, keys[i], &v[i], &install_ms);
		else if (i == 3)
			rc = read_hook(L, f, keys[i], &v[i], &run_ms);
		else if (i != 6)
			rc = yml_string(L, f, keys[i], &v[i]);
		if (rc)
			return rc;
	}
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
	p->install_timeout_ms = install_ms;
	p->run_timeout_ms = run_ms;
	return read_suites(L, yml_field(L, root, "suites"), &p->suites_json);
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
