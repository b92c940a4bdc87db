/* cmd_workers — `assay workers`: every worker with its pool, state, lease,
 * health, current run and last heartbeat. Each is judged by the lease its
 * server granted it (recorded on its row), unless --lease overrides. */
#include "util/base.h"

#include "cli/cli.h"
#include "formats/json_orch.h"
#include "service/orch.h"
#include "util/time.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "pool", required_argument, NULL, 'p' },
	{ "lease", required_argument, NULL, 2001 },
	{ NULL, 0, NULL, 0 },
};

int cmd_workers(int argc, char **argv)
{
	struct cli_common common = { 0 };
	const char *pool = NULL;
	int64_t lease = 0; /* 0: each worker's own */
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hp:", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "workers"))
			continue;
		if (opt == 'p')
			pool = optarg;
		else if (opt == 2001 && cli_parse_lease(optarg, &lease))
			continue;
		else
			return cli_usage_error("workers", opt == 2001 ? "--lease wants a duration"
								      : "unknown option");
	}
	if (optind < argc)
		return cli_usage_error("workers", "takes no arguments ('%s')", argv[optind]);
	struct store *st;
	struct error e = ERROR_INIT;
	if (cli_open_store(&common, NULL, &st, NULL, 0, &e))
		return cli_fail(&e);
	struct worker *ws;
	size_t n;
	int code = EXIT_OK;
	int64_t now = time_now_ms();
	if (store_workers_list(st, pool, &ws, &n, &e)) {
		code = cli_fail(&e);
	} else if (common.json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_worker(&ws[i], now, lease));
		cli_print_json(a);
	} else if (!n) {
		printf("no workers (start one with assay worker --server URL --pool POOL)\n");
	} else {
		printf("%-24s %-12s %-8s %-8s %-22s %-36s %s\n", "WORKER", "POOL", "STATE", "LEASE",
		       "HEALTH", "CURRENT RUN", "LAST HEARTBEAT");
		for (size_t i = 0; i < n; i++) {
			char ago[32], health[64], granted[32];
			time_human(now - ws[i].heartbeat_at, ago, sizeof(ago));
			time_human(worker_lease_ms(&ws[i]), granted, sizeof(granted));
			if (ws[i].health_failures || ws[i].infra_failures)
				snprintf(health, sizeof(health), "%lld failing, %lld infra",
					 (long long)ws[i].health_failures,
					 (long long)ws[i].infra_failures);
			else
				snprintf(health, sizeof(health), "ok");
			printf("%-24s %-12s %-8s %-8s %-22s %-36s %s ago\n", ws[i].name, ws[i].pool,
			       worker_state_name(worker_state(&ws[i], now, lease)), granted, health,
			       ws[i].current_run[0] ? ws[i].current_run : "-", ago);
			if (ws[i].offline_reason)
				printf("  offline: %s\n", ws[i].offline_reason);
		}
	}
	workers_free(ws, n);
	store_close(st);
	return code;
}
