#include "util/base.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <unistd.h>

#include "cli/cli.h"
#include "service/recover.h"
#include "util/time.h"

bool cli_common_option(struct cli_common *c, int opt, const char *cmd)
{
	switch (opt) {
	case 1001:
		c->db = optarg;
		return true;
	case 1002:
		c->catalog = optarg;
		return true;
	case 1003:
		c->json = true;
		return true;
	case 'h':
		cli_print_help(cmd);
		exit(EXIT_OK);
	default:
		return false;
	}
}

int cli_run_props_option(struct cli_run_props *p, int opt, const char *cmd)
{
	struct error e = ERROR_INIT;
	switch (opt) {
	case 'c':
		if (kv_parse_assignment(&p->context, optarg, "--context", &e)) {
			cli_usage_error(cmd, "%s", e.msg);
			return -1;
		}
		return 1;
	case 'C':
		if (kv_load_file(&p->context, optarg, &e)) {
			cli_usage_error(cmd, "--load-context: %s", e.msg);
			return -1;
		}
		return 1;
	case 'e':
		p->environment = optarg;
		return 1;
	case 1101:
		p->title = optarg;
		return 1;
	case 1102:
		p->description = optarg;
		return 1;
	default:
		return 0;
	}
}

static int catalog_path(const struct cli_common *c, char *path, size_t n, struct error *e)
{
	if (c->catalog) {
		snprintf(path, n, "%s", c->catalog);
		return RC_OK;
	}
	return catalog_find(NULL, path, n, e);
}

int cli_load_catalog(const struct cli_common *c, struct catalog **cat, struct error *e)
{
	char path[PATH_MAX];
	int rc = catalog_path(c, path, sizeof(path), e);
	if (rc == RC_NOTFOUND)
		return err_set(e, RC_NOTFOUND,
			       "no assay.yaml in this folder or its parents (use --catalog FILE)");
	if (rc)
		return rc;
	rc = catalog_load(path, cat, e);
	/* An unreadable catalog is the user's to fix, like a malformed one. */
	return rc == RC_IO ? (e->code = RC_USAGE) : rc;
}

int cli_open_store(const struct cli_common *c, const struct catalog *cat, struct store **st,
		   char *path_out, size_t n, struct error *e)
{
	char path[PATH_MAX + 32];
	const char *env = getenv("ASSAY_DB");
	if (c->db) {
		snprintf(path, sizeof(path), "%s", c->db);
	} else if (env && *env) {
		snprintf(path, sizeof(path), "%s", env);
	} else if (cat) {
		snprintf(path, sizeof(path), "%s/.assay/assay.db", cat->dir);
	} else {
		char found[PATH_MAX];
		struct error ignored = ERROR_INIT;
		if (catalog_path(c, found, sizeof(found), &ignored))
			return err_set(e, RC_USAGE, "no database: give --db PATH, set ASSAY_DB, "
						    "or work in a folder with an assay.yaml");
		char *slash = strrchr(found, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(found, sizeof(found), ".");
		snprintf(path, sizeof(path), "%s/.assay/assay.db", found);
	}
	if (path_out)
		store_url_display(path, path_out, n); /* shown to the user: no password */
	int rc = store_open(path, st, e);
	if (rc)
		return rc;
	size_t marked = 0;
	struct error re = ERROR_INIT;
	if (service_recover(*st, &marked, &re))
		fprintf(stderr, "assay: warning: could not check for abandoned runs: %s\n", re.msg);
	else if (marked)
		fprintf(stderr, "assay: marked %zu abandoned run%s failed (99): its assay process "
				"is gone\n",
			marked, marked == 1 ? "" : "s");
	return RC_OK;
}

int cli_exit_code(int rc)
{
	switch (rc) {
	case RC_OK:
		return EXIT_OK;
	case RC_USAGE:
	case RC_PARSE:
	case RC_NOTFOUND:
	case RC_CYCLE:
	case RC_EXISTS:
	case RC_STATE:
		return EXIT_USAGE;
	default:
		return EXIT_INFRA;
	}
}

int cli_fail(const struct error *e)
{
	fprintf(stderr, "assay: %s\n", e->msg[0] ? e->msg : rc_message(e->code));
	return cli_exit_code(e->code ? e->code : RC_INTERNAL);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "assay %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'assay help %s')\n", cmd);
	return EXIT_USAGE;
}

int cli_read_file(const char *path, void **data, size_t *size, struct error *e)
{
	*data = NULL;
	*size = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, errno == ENOENT ? RC_USAGE : RC_IO, "%s: %s", path,
			       strerror(errno));
	size_t cap = 1 << 16, n = 0;
	char *buf = xmalloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return err_set(e, RC_IO, "reading %s: %s", path, strerror(errno));
	}
	*data = buf;
	*size = n;
	return RC_OK;
}

int cli_no_tests_option(const char *cmd, const char *what, bool *allow_empty)
{
	if (strcmp(what, "error") && strcmp(what, "ignore"))
		return cli_usage_error(cmd, "--no-tests wants error or ignore, not '%s'", what);
	*allow_empty = !strcmp(what, "ignore");
	return 0;
}

bool cli_parse_lease(const char *s, int64_t *ms)
{
	return time_parse_duration(s, ms) && *ms > 0;
}

void cli_print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2));
	if (s)
		puts(s);
	free(s);
	json_decref(v);
}
