#include "util/base.h"

#include "cli/cli.h"
#include "formats/json_api.h"
#include "util/time.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "status", required_argument, NULL, 's' },
	{ "top", no_argument, NULL, 2001 },
	{ "output", no_argument, NULL, 2002 },
	{ NULL, 0, NULL, 0 },
};

int cmd_results(int argc, char **argv)
{
	struct cli_common common = { 0 };
	struct result_filter f = { .status = -1 };
	struct error e = ERROR_INIT;
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hs:", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "results"))
			continue;
		enum result_status s;
		switch (opt) {
		case 's':
			if (!status_parse(optarg, &s))
				return cli_usage_error("results", "unknown status '%s'", optarg);
			f.status = (int)s;
			break;
		case 2001:
			f.top_level = true;
			break;
		case 2002:
			f.with_output = true;
			break;
		default:
			return cli_usage_error("results", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("results", "wants one RUN (an id, 'last' or 'last~N')");
	struct store *st;
	if (cli_open_store(&common, NULL, &st, NULL, 0, &e))
		return cli_fail(&e);
	char id[UUID_STR_LEN];
	struct result *rs = NULL;
	size_t n = 0;
	int rc = store_run_resolve(st, argv[optind], id, &e);
	if (!rc)
		rc = store_results_list(st, id, &f, &rs, &n, &e);
	if (rc) {
		store_close(st);
		return cli_fail(&e);
	}
	if (common.json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_result(&rs[i], f.with_output));
		char *s = json_dumps(a, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(a);
	} else {
		if (n)
			printf("%-9s %9s  %s\n", "STATUS", "DURATION", "TEST");
		for (size_t i = 0; i < n; i++) {
			char d[32];
			time_human(rs[i].duration_ms, d, sizeof(d));
			const char *m = rs[i].message;
			int mlen = m ? (int)strcspn(m, "\n") : 0;
			if (mlen > 100)
				mlen = 100;
			char attempt[48] = "";
			if (rs[i].superseded)
				snprintf(attempt, sizeof(attempt), "  [attempt %d, re-run]",
					 rs[i].attempt);
			else if (rs[i].attempt > 1)
				snprintf(attempt, sizeof(attempt), "  [attempt %d%s]", rs[i].attempt,
					 rs[i].flaky ? ", flaky" : "");
			printf("%-9s %9s  %s%s%s%s%.*s\n", status_name(rs[i].status), d,
			       rs[i].parent ? "  " : "", rs[i].test, attempt, mlen ? "  — " : "",
			       mlen, m ? m : "");
		}
		if (!n)
			printf("no results\n");
	}
	store_results_free(rs, n);
	store_close(st);
	return EXIT_OK;
}
