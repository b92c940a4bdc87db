/* cmd_prune — `assay prune`: deletes old finished runs with their results
 * (retention), in bounded batches; never an unfinished run. */
#include "util/base.h"

#include "cli/cli.h"
#include "service/orch.h"
#include "util/str.h"
#include "util/time.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "older-than", required_argument, NULL, 'o' },
	{ "pool", required_argument, NULL, 'p' },
	{ "keep", required_argument, NULL, 'k' },
	{ NULL, 0, NULL, 0 },
};

int cmd_prune(int argc, char **argv)
{
	struct cli_common common = { 0 };
	const char *pool = NULL;
	int64_t older = 0, keep = 0;
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "ho:p:k:", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "prune"))
			continue;
		switch (opt) {
		case 'o':
			/* A duration back from now ("30d", "12h"), as --since reads it. */
			if (!time_parse_since(optarg, 0, &older) || (older = -older) <= 0)
				return cli_usage_error("prune",
						       "--older-than wants a duration like 30d, 12h or 90m, "
						       "not '%s'",
						       optarg);
			break;
		case 'p':
			pool = optarg;
			break;
		case 'k':
			if (!str_to_i64(optarg, &keep) || keep < 1)
				return cli_usage_error("prune", "--keep wants a number >= 1");
			break;
		default:
			return cli_usage_error("prune", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("prune", "takes no arguments ('%s')", argv[optind]);
	if (!older && !keep)
		return cli_usage_error("prune", "wants --older-than DURATION and/or --keep N");
	if (keep && !pool)
		return cli_usage_error("prune", "--keep applies to one --pool");
	struct store *st;
	struct error e = ERROR_INIT;
	if (cli_open_store(&common, NULL, &st, NULL, 0, &e))
		return cli_fail(&e);
	int64_t deleted = 0;
	int code = EXIT_OK;
	if (service_prune(st, pool, keep, older ? time_now_ms() - older : 0, &deleted, &e))
		code = cli_fail(&e);
	else if (common.json)
		printf("{\"deleted\": %lld}\n", (long long)deleted);
	else
		printf("deleted %lld finished run%s with their results\n", (long long)deleted,
		       deleted == 1 ? "" : "s");
	store_close(st);
	return code;
}
