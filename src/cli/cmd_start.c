/* cmd_start — `assay start` (queue a run on a pool), `assay wait` (follow a
 * run to its end) and `assay cancel`. */
#include "util/base.h"

#include <limits.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "formats/json_api.h"
#include "service/orch.h"
#include "util/str.h"
#include "util/strlist.h"
#include "util/time.h"

static const struct option start_options[] = {
	CLI_COMMON_OPTIONS,
	CLI_RUN_PROPS_OPTIONS,
	{ "pool", required_argument, NULL, 'p' },
	{ "package", required_argument, NULL, 'P' },
	{ "upgrade", required_argument, NULL, 'u' },
	{ "priority", required_argument, NULL, 2001 },
	{ "require-online", no_argument, NULL, 2002 },
	{ "lease", required_argument, NULL, 2003 },
	{ "project", required_argument, NULL, 2004 },
	{ NULL, 0, NULL, 0 },
};

static char *context_json(const struct kvlist *ctx)
{
	json_t *o = json_object();
	for (size_t i = 0; i < ctx->n; i++)
		json_object_set_new(o, ctx->items[i].key, json_string(ctx->items[i].value));
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

int cmd_start(int argc, char **argv)
{
	struct cli_common common = { 0 };
	struct cli_run_props props = { .context = KVLIST_INIT };
	struct strlist packages = STRLIST_INIT;
	struct start_request req = { 0 };
	const char *upgrade = NULL;
	int opt, code = EXIT_USAGE;
	int64_t v;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hc:C:e:p:P:u:", start_options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "start"))
			continue;
		int took = cli_run_props_option(&props, opt, "start");
		if (took < 0)
			goto out;
		if (took)
			continue;
		switch (opt) {
		case 'p':
			req.pool = optarg;
			break;
		case 'P':
			strlist_add(&packages, optarg);
			break;
		case 'u':
			upgrade = optarg;
			break;
		case 2001:
			if (!str_to_i64(optarg, &v)) {
				code = cli_usage_error("start", "--priority wants a number, not '%s'",
						       optarg);
				goto out;
			}
			req.priority = v;
			break;
		case 2002:
			req.require_online = true;
			break;
		case 2003:
			if (!cli_parse_lease(optarg, &req.lease_ms)) {
				code = cli_usage_error("start", "--lease wants a duration like 30s");
				goto out;
			}
			break;
		case 2004:
			req.project = optarg;
			break;
		default:
			code = cli_usage_error("start", "unknown option");
			goto out;
		}
	}
	if (argc - optind != 1) {
		code = cli_usage_error("start", "wants one SUITE");
		goto out;
	}
	if (!req.pool) {
		code = cli_usage_error("start", "wants --pool POOL");
		goto out;
	}
	req.suite = argv[optind];
	req.packages = (const char *const *)packages.items;
	req.n_packages = packages.n;
	req.environment = props.environment;
	req.title = props.title;
	req.description = props.description;
	struct store *st;
	struct error e = ERROR_INIT;
	if (cli_open_store(&common, NULL, &st, NULL, 0, &e)) {
		code = cli_fail(&e);
		goto out;
	}
	char digest[ORCH_DIGEST_LEN];
	if (upgrade) {
		void *data;
		size_t size;
		int rc = cli_read_file(upgrade, &data, &size, &e);
		if (!rc)
			rc = service_artifact_push(st, data, size, digest, &e);
		free(data);
		if (rc) {
			code = cli_fail(&e);
			store_close(st);
			goto out;
		}
		req.upgrade_digest = digest;
		const char *slash = strrchr(upgrade, '/');
		req.upgrade_name = slash ? slash + 1 : upgrade;
	}
	char *ctx = props.context.n ? context_json(&props.context) : NULL;
	req.context_json = ctx;
	struct run r;
	char *warning = NULL;
	if (service_run_start(st, &req, &r, &warning, &e)) {
		code = cli_fail(&e);
	} else {
		if (warning)
			fprintf(stderr, "assay start: warning: %s\n", warning);
		if (common.json)
			cli_print_json(json_run(&r));
		else
			printf("%s\n", r.id);
		run_release(&r);
		code = EXIT_OK;
	}
	free(warning);
	free(ctx);
	store_close(st);
out:
	kv_release(&props.context);
	strlist_release(&packages);
	return code;
}

/* ---- wait ---- */

static const struct option wait_options[] = {
	CLI_COMMON_OPTIONS,
	{ "quiet", no_argument, NULL, 'q' },
	{ "poll", required_argument, NULL, 2001 },
	{ NULL, 0, NULL, 0 },
};

/* Prints the events after the first `*seen`. */
static int print_events(struct store *st, const char *id, size_t *seen, struct error *e)
{
	struct run_event *ev;
	size_t n;
	int rc = store_run_events(st, id, &ev, &n, e);
	if (rc)
		return rc;
	for (size_t i = *seen; i < n; i++) {
		char t[40];
		time_iso(ev[i].at, t, sizeof(t));
		printf("%s  %3d  %-30s %s\n", t, (int)ev[i].lifecycle, lifecycle_label(ev[i].lifecycle),
		       ev[i].message ? ev[i].message : "");
	}
	*seen = n;
	run_events_free(ev, n);
	fflush(stdout);
	return RC_OK;
}

int cmd_wait(int argc, char **argv)
{
	struct cli_common common = { 0 };
	bool quiet = false;
	int64_t poll_ms = 200;
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hq", wait_options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "wait"))
			continue;
		if (opt == 'q') {
			quiet = true;
		} else if (opt == 2001) {
			if (!cli_parse_lease(optarg, &poll_ms))
				return cli_usage_error("wait", "--poll wants a duration like 200ms");
		} else {
			return cli_usage_error("wait", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("wait", "wants one RUN");
	struct store *st;
	struct error e = ERROR_INIT;
	if (cli_open_store(&common, NULL, &st, NULL, 0, &e))
		return cli_fail(&e);
	char id[UUID_STR_LEN];
	int code = EXIT_OK;
	if (store_run_resolve(st, argv[optind], id, &e)) {
		code = cli_fail(&e);
		goto done;
	}
	size_t seen = 0;
	struct run r;
	for (;;) {
		if (store_run_get(st, id, &r, &e) ||
		    (!quiet && !common.json && print_events(st, id, &seen, &e))) {
			code = cli_fail(&e);
			goto done;
		}
		if (lifecycle_is_terminal(r.lifecycle))
			break;
		run_release(&r);
		struct timespec ts = { poll_ms / 1000, (poll_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (common.json) {
		cli_print_json(json_run(&r));
	} else {
		char d[32];
		time_human(r.duration_ms, d, sizeof(d));
		printf("\nrun %s %s in %s (%s (%d))%s%s\n", r.id, verdict_name(r.verdict), d,
		       lifecycle_label(r.lifecycle), (int)r.lifecycle, r.reason ? ": " : "",
		       r.reason ? r.reason : "");
		report_counts(stdout, &r);
	}
	/* As `assay run`: 0 passed, 1 tests failed, 3 the run failed (99),
	 * 130 cancelled. */
	code = r.lifecycle == LC_COMPLETED		  ? EXIT_OK
	       : r.lifecycle == LC_COMPLETED_FAILURES ? EXIT_TESTS
	       : r.lifecycle == LC_CANCELLED	  ? 130
						  : EXIT_INFRA;
	run_release(&r);
done:
	store_close(st);
	return code;
}

/* ---- cancel ---- */

static const struct option cancel_options[] = {
	CLI_COMMON_OPTIONS,
	{ "reason", required_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 },
};

int cmd_cancel(int argc, char **argv)
{
	struct cli_common common = { 0 };
	const char *reason = NULL;
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hr:", cancel_options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "cancel"))
			continue;
		if (opt == 'r')
			reason = optarg;
		else
			return cli_usage_error("cancel", "unknown option");
	}
	if (argc - optind != 1)
		return cli_usage_error("cancel", "wants one RUN");
	struct store *st;
	struct error e = ERROR_INIT;
	if (cli_open_store(&common, NULL, &st, NULL, 0, &e))
		return cli_fail(&e);
	char id[UUID_STR_LEN];
	struct run r;
	int code = EXIT_OK;
	if (store_run_resolve(st, argv[optind], id, &e) ||
	    service_run_cancel_any(st, id, reason, &r, &e)) {
		code = cli_fail(&e);
	} else {
		if (common.json)
			cli_print_json(json_run(&r));
		else
			printf("run %s: %s (%d)\n", r.id, lifecycle_label(r.lifecycle),
			       (int)r.lifecycle);
		run_release(&r);
	}
	store_close(st);
	return code;
}
