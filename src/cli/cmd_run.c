#include "util/base.h"

#include <limits.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "cli/stream.h"
#include "formats/json_api.h"
#include "service/run_local.h"
#include "util/str.h"
#include "util/strlist.h"
#include "util/time.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "jobs", required_argument, NULL, 'j' },
	{ "label", required_argument, NULL, 'l' },
	{ "exclude", required_argument, NULL, 'x' },
	{ "context", required_argument, NULL, 'c' },
	{ "load-context", required_argument, NULL, 'C' },
	{ "environment", required_argument, NULL, 'e' },
	{ "timeout", required_argument, NULL, 't' },
	{ "grace", required_argument, NULL, 2001 },
	{ "title", required_argument, NULL, 2002 },
	{ "description", required_argument, NULL, 2003 },
	{ "output-limit", required_argument, NULL, 2004 },
	{ "quiet", no_argument, NULL, 'q' },
	{ "server", required_argument, NULL, 2005 },
	{ "token", required_argument, NULL, 2006 },
	{ NULL, 0, NULL, 0 },
};

int cmd_run(int argc, char **argv)
{
	struct cli_common common = { 0 };
	struct run_request req = { 0 };
	struct strlist labels = STRLIST_INIT, excludes = STRLIST_INIT;
	struct kvlist ctx = KVLIST_INIT;
	struct error e = ERROR_INIT;
	bool quiet = false;
	struct stream stream = { .token = getenv("ASSAY_TOKEN") };
	int opt, code = EXIT_USAGE;
	int64_t v;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hj:l:x:c:C:e:t:q", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "run"))
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
		case 'c':
			if (kv_parse_assignment(&ctx, optarg, "--context", &e)) {
				code = cli_usage_error("run", "%s", e.msg);
				goto out;
			}
			break;
		case 'C':
			if (kv_load_file(&ctx, optarg, &e)) {
				code = cli_usage_error("run", "--load-context: %s", e.msg);
				goto out;
			}
			break;
		case 'e':
			req.environment = optarg;
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
		case 2002:
			req.title = optarg;
			break;
		case 2003:
			req.description = optarg;
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
			stream.server = optarg;
			break;
		case 2006:
			stream.token = optarg;
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
	req.context = &ctx;
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
	if (rc && rc != RC_CANCELLED) {
		code = cli_fail(&e);
	} else if (common.json) {
		json_t *j = json_run(&run);
		char *s = json_dumps(j, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(j);
		code = rc == RC_CANCELLED ? 130 : run.verdict == V_PASSED ? EXIT_OK : EXIT_TESTS;
	} else {
		if (!quiet && report_failures(stdout, st, run.id, 20, pr.color, &e) < 0)
			fprintf(stderr, "assay: warning: %s\n", e.msg);
		char d[32];
		time_human(run.duration_ms, d, sizeof(d));
		printf("\nrun %s %s in %s (%s, %s); results in %s\n", run.id,
		       verdict_name(run.verdict), d, lifecycle_label(run.lifecycle),
		       run.environment, dbpath);
		report_counts(stdout, &run);
		code = rc == RC_CANCELLED ? 130 : run.verdict == V_PASSED ? EXIT_OK : EXIT_TESTS;
	}
	run_release(&run);
	store_close(st);
	catalog_free(cat);
out:
	strlist_release(&labels);
	strlist_release(&excludes);
	kv_release(&ctx);
	return code;
}
