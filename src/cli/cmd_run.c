#include "util/base.h"

#include <limits.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/stream.h"
#include "formats/json_api.h"
#include "service/export.h"
#include "service/run_local.h"
#include "util/str.h"
#include "util/strlist.h"
#include "util/time.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "jobs", required_argument, NULL, 'j' },
	{ "label", required_argument, NULL, 'l' },
	{ "exclude", required_argument, NULL, 'x' },
	CLI_RUN_PROPS_OPTIONS,
	{ "timeout", required_argument, NULL, 't' },
	{ "grace", required_argument, NULL, 2001 },
	{ "output-limit", required_argument, NULL, 2004 },
	{ "quiet", no_argument, NULL, 'q' },
	{ "junit", required_argument, NULL, 2005 },
	{ "report", required_argument, NULL, 2006 },
	{ "server", required_argument, NULL, 2007 },
	{ "token", required_argument, NULL, 2008 },
	{ "no-tests", required_argument, NULL, 2009 },
	{ NULL, 0, NULL, 0 },
};

/* The files --junit and --report ask for. */
struct run_exports {
	const char *junit;
	const char *report;
};

/* Writes the requested reports of the recorded run. A report that cannot
 * be written is said on stderr; the run stays recorded either way.
 * Returns false when one failed. */
static bool write_reports(struct store *st, const char *run_id, const struct run_exports *x,
			  bool quiet)
{
	const struct {
		const char *path, *format, *what;
	} wanted[] = {
		{ x->junit, "junit", "JUnit XML" },
		{ x->report, "html", "HTML report" },
	};
	bool ok = true;
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++) {
		if (!wanted[i].path)
			continue;
		struct export_request req = { .writer = export_writer_find(wanted[i].format) };
		struct error e = ERROR_INIT;
		if (service_export_file(st, run_id, &req, wanted[i].path, &e)) {
			fprintf(stderr, "assay: the %s was not written: %s\n", wanted[i].what, e.msg);
			ok = false;
		} else if (!quiet && strcmp(wanted[i].path, "-")) {
			printf("%s written to %s\n", wanted[i].what, wanted[i].path);
		}
	}
	return ok;
}

int cmd_run(int argc, char **argv)
{
	struct cli_common common = { 0 };
	struct run_request req = { 0 };
	struct strlist labels = STRLIST_INIT, excludes = STRLIST_INIT;
	struct cli_run_props props = { .context = KVLIST_INIT };
	struct error e = ERROR_INIT;
	struct run_exports reports = { 0 };
	bool quiet = false;
	struct stream stream = { .token = getenv("ASSAY_TOKEN") };
	int opt, code = EXIT_USAGE;
	int64_t v;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hj:l:x:c:C:e:t:q", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "run"))
			continue;
		int took = cli_run_props_option(&props, opt, "run");
		if (took < 0)
			goto out;
		if (took)
			continue;
		switch (opt) {
		case 'j':
			if (!str_to_i64(optarg, &v) || v < 1 || v > 4096) {
				code = cli_usage_error("run", "--jobs wants a number from 1 to 4096, not '%s'", optarg);
				goto out;
			}
			req.jobs = (int)v;
			break;
		case 'l':
			strlist_add(&labels, optarg);
			break;
		case 'x':
			strlist_add(&excludes, optarg);
			break;
		case 't':
		case 2001:
			if (!time_parse_duration(optarg, &v)) {
				code = cli_usage_error("run", "--%s wants a duration like 30s, 2m or 500ms, not '%s'",
						       opt == 't' ? "timeout" : "grace", optarg);
				goto out;
			}
			if (opt == 't')
				req.timeout_ms = v;
			else
				req.grace_ms = v ? v : 1;
			break;
		case 2004:
			if (!str_to_i64(optarg, &v) || v < 1) {
				code = cli_usage_error("run", "--output-limit wants a byte count, not '%s'", optarg);
				goto out;
			}
			req.output_limit = (size_t)v;
			break;
		case 'q':
			quiet = true;
			break;
		case 2005:
			reports.junit = optarg;
			break;
		case 2006:
			reports.report = optarg;
			break;
		case 2007:
			stream.server = optarg;
			break;
		case 2008:
			stream.token = optarg;
			break;
		case 2009:
			if ((code = cli_no_tests_option("run", optarg, &req.allow_empty)))
				goto out;
			code = EXIT_USAGE;
			break;
		default:
			code = cli_usage_error("run", "unknown option");
			goto out;
		}
	}

	struct catalog *cat = NULL;
	struct store *st = NULL;
	char dbpath[PATH_MAX + 32];
	if (cli_load_catalog(&common, &cat, &e)) {
		code = cli_fail(&e);
		goto out;
	}
	if (cli_open_store(&common, cat, &st, dbpath, sizeof(dbpath), &e)) {
		code = cli_fail(&e);
		catalog_free(cat);
		goto out;
	}
	req.cat = cat;
	req.select.names = argv + optind;
	req.select.n_names = (size_t)(argc - optind);
	req.select.labels = labels.items;
	req.select.n_labels = labels.n;
	req.select.excludes = excludes.items;
	req.select.n_excludes = excludes.n;
	req.context = &props.context;
	req.environment = props.environment;
	req.title = props.title;
	req.description = props.description;
	req.handle_signals = true;

	struct progress pr;
	progress_init(&pr, stdout, req.jobs, quiet || common.json);
	struct run_progress pg = progress_callbacks(&pr);
	if (stream.server)
		pg = stream_callbacks(&stream, pg);
	struct run run = { 0 };
	int rc = service_run_local(st, &req, &pg, &run, &e);
	progress_clear(&pr);
	stream_finish(&stream, &run);
	/* The reports are written once the run is recorded; one that cannot be
	 * written costs the exit status (3), never the run. */
	bool reports_ok = true;
	if (rc && rc != RC_CANCELLED) {
		code = cli_fail(&e);
	} else if (common.json) {
		reports_ok = write_reports(st, run.id, &reports, true);
		json_t *j = json_run(&run);
		char *s = json_dumps(j, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(j);
	} else {
		if (!quiet && report_failures(stdout, st, run.id, 20, pr.color, &e) < 0)
			fprintf(stderr, "assay: warning: %s\n", e.msg);
		reports_ok = write_reports(st, run.id, &reports, quiet);
		char d[32];
		time_human(run.duration_ms, d, sizeof(d));
		printf("\nrun %s %s in %s (%s, %s); results in %s\n", run.id,
		       verdict_name(run.verdict), d, lifecycle_label(run.lifecycle),
		       run.environment, dbpath);
		report_counts(stdout, &run);
	}
	if (!rc || rc == RC_CANCELLED)
		code = !reports_ok		? EXIT_INFRA
		       : rc == RC_CANCELLED	? 130
		       : run.verdict == V_PASSED ? EXIT_OK
						 : EXIT_TESTS;
	run_release(&run);
	store_close(st);
	catalog_free(cat);
out:
	strlist_release(&labels);
	strlist_release(&excludes);
	kv_release(&props.context);
	return code;
}
