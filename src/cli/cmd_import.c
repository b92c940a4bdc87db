#include "util/base.h"

#include <limits.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "formats/json_api.h"
#include "service/import.h"
#include "util/buf.h"
#include "util/time.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "format", required_argument, NULL, 'f' },
	{ "run", required_argument, NULL, 2001 },
	CLI_RUN_PROPS_OPTIONS,
	{ "project", required_argument, NULL, 2004 },
	{ "no-create-tests", no_argument, NULL, 2005 },
	{ "keep-partial", no_argument, NULL, 2006 },
	{ "no-tests", required_argument, NULL, 2007 },
	{ "quiet", no_argument, NULL, 'q' },
	{ NULL, 0, NULL, 0 },
};

/* Progress goes to stderr, and only to a terminal: logs stay clean. */
struct import_view {
	bool tty;
	bool shown;
};

static void on_file(void *ctx, const char *path, enum result_format f)
{
	struct import_view *v = ctx;
	if (!v->tty)
		return;
	fprintf(stderr, "\r\033[Kreading %s (%s)", path, format_name(f));
	v->shown = true;
}

static void on_advance(void *ctx, const char *path, uint64_t bytes, int64_t results)
{
	struct import_view *v = ctx;
	if (!v->tty)
		return;
	fprintf(stderr, "\r\033[Kreading %s: %llu MiB, %lld results", path,
		(unsigned long long)(bytes >> 20), (long long)results);
	v->shown = true;
}

static void on_warning(void *ctx, const char *message)
{
	struct import_view *v = ctx;
	if (v->shown)
		fprintf(stderr, "\r\033[K");
	v->shown = false;
	fprintf(stderr, "assay: warning: %s\n", message);
}

static void clear_view(struct import_view *v)
{
	if (v->shown)
		fprintf(stderr, "\r\033[K");
	v->shown = false;
}

int cmd_import(int argc, char **argv)
{
	struct cli_common common = { 0 };
	struct import_request req = { 0 };
	struct cli_run_props props = { .context = KVLIST_INIT };
	struct error e = ERROR_INIT;
	bool quiet = false;
	int opt, code = EXIT_USAGE;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hf:c:C:e:q", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "import"))
			continue;
		int took = cli_run_props_option(&props, opt, "import");
		if (took < 0)
			goto out;
		if (took)
			continue;
		switch (opt) {
		case 'f':
			if (!format_parse(optarg, &req.format)) {
				code = cli_usage_error("import", "unknown format '%s' (junit, tap or ctrf)",
						       optarg);
				goto out;
			}
			break;
		case 2001:
			req.run = optarg;
			break;
		case 2004:
			req.props.project = optarg;
			break;
		case 2005:
			req.no_create = true;
			break;
		case 2006:
			req.keep_partial = true;
			break;
		case 2007:
			if ((code = cli_no_tests_option("import", optarg, &req.allow_empty)))
				goto out;
			code = EXIT_USAGE;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			code = cli_usage_error("import", "unknown option");
			goto out;
		}
	}
	req.props.environment = props.environment;
	req.props.title = props.title;
	req.props.description = props.description;
	if (req.run && (props.title || props.description || props.environment ||
			props.context.n)) {
		code = cli_usage_error("import", "--run adds to an existing run: its title, "
						 "description, environment and context are already set");
		goto out;
	}
	req.paths = argv + optind;
	req.n_paths = (size_t)(argc - optind);
	req.props.context = &props.context;

	/* A catalog is optional: it gives the project and where the database is. */
	struct catalog *cat = NULL;
	int crc = cli_load_catalog(&common, &cat, &e);
	if (crc && (crc != RC_NOTFOUND || common.catalog)) {
		code = cli_fail(&e);
		goto out;
	}
	if (!req.props.project && cat)
		req.props.project = cat->project;
	struct store *st;
	char dbpath[PATH_MAX + 32];
	if (cli_open_store(&common, cat, &st, dbpath, sizeof(dbpath), &e)) {
		code = cli_fail(&e);
		catalog_free(cat);
		goto out;
	}
	struct import_view view = { .tty = !quiet && isatty(STDERR_FILENO) };
	struct import_progress pg = { .ctx = &view, .file = on_file, .advance = on_advance,
				   .warning = on_warning };
	struct run run;
	int rc = service_import(st, &req, &pg, &run, &e);
	clear_view(&view);
	if (rc) {
		code = cli_fail(&e);
	} else if (common.json) {
		json_t *j = json_run(&run);
		char *s = json_dumps(j, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(j);
		code = EXIT_OK;
	} else {
		if (!quiet && run.reason)
			printf("%s\n", run.reason);
		int64_t n = 0;
		for (int i = 0; i < RS__COUNT; i++)
			n += run.counts[i];
		/* Suites' own output is easy to miss: say that there is some. */
		struct suite_output *so = NULL;
		size_t n_so = 0;
		struct buf suites = BUF_INIT;
		if (!store_suite_outputs(st, run.id, NULL, false, &so, &n_so, &e) && n_so)
			buf_addf(&suites, ", %zu suite%s with output of %s own", n_so,
				 n_so == 1 ? "" : "s", n_so == 1 ? "its" : "their");
		suite_outputs_free(so, n_so);
		printf("%s run %s (%s, %s): %lld results%s%s; in %s\n",
		       req.run ? "added to" : "recorded", run.id, verdict_name(run.verdict),
		       run.environment ? run.environment : "-", (long long)n,
		       run.flaky ? " (some flaky)" : "", suites.data, dbpath);
		buf_release(&suites);
		report_counts(stdout, &run);
		code = EXIT_OK;
	}
	if (!rc)
		run_release(&run);
	store_close(st);
	catalog_free(cat);
out:
	kv_release(&props.context);
	return code;
}
