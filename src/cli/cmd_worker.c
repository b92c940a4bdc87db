/* cmd_worker — `assay worker` (serve a pool: http/worker.h) and `assay
 * worker enable NAME` (bring an offline worker back). */
#include "util/base.h"

#include <signal.h>

#include "cli/cli.h"
#include "http/worker.h"
#include "service/orch.h"
#include "util/str.h"
#include "util/time.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "server", required_argument, NULL, 's' },
	{ "token", required_argument, NULL, 't' },
	{ "pool", required_argument, NULL, 'p' },
	{ "name", required_argument, NULL, 'n' },
	{ "slots", required_argument, NULL, 2001 },
	{ "workdir", required_argument, NULL, 2002 },
	{ "poll", required_argument, NULL, 2003 },
	{ "health-every", required_argument, NULL, 2004 },
	{ "once", no_argument, NULL, 2005 },
	{ "timings", required_argument, NULL, 2006 },
	{ "keep-runs", required_argument, NULL, 2007 },
	{ NULL, 0, NULL, 0 },
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	stop = 1;
}

static void log_line(void *ctx, const char *line)
{
	char t[40];
	time_iso(time_now_ms(), t, sizeof(t));
	fprintf(stderr, "%s %s\n", t, line);
}

static int enable(struct cli_common *common, const char *name)
{
	struct store *st;
	struct error e = ERROR_INIT;
	if (cli_open_store(common, NULL, &st, NULL, 0, &e))
		return cli_fail(&e);
	int code = EXIT_OK;
	if (service_worker_enable(st, name, &e))
		code = cli_fail(&e);
	else
		printf("worker '%s' is back online\n", name);
	store_close(st);
	return code;
}

int cmd_worker(int argc, char **argv)
{
	struct cli_common common = { 0 };
	struct worker_config cfg = { .server = getenv("ASSAY_SERVER"),
				     .token = getenv("ASSAY_TOKEN"), .stop = &stop,
				     .log = log_line };
	int64_t v;
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hs:t:p:n:", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "worker"))
			continue;
		switch (opt) {
		case 's':
			cfg.server = optarg;
			break;
		case 't':
			cfg.token = optarg;
			break;
		case 'p':
			cfg.pool = optarg;
			break;
		case 'n':
			cfg.name = optarg;
			break;
		case 2001:
			if (!str_to_i64(optarg, &v) || v < 1 || v > 4096)
				return cli_usage_error("worker", "--slots wants 1 to 4096, not '%s'",
						       optarg);
			cfg.slots = (int)v;
			break;
		case 2002:
			cfg.workdir = optarg;
			break;
		case 2003:
		case 2004:
			if (!cli_parse_lease(optarg, &v))
				return cli_usage_error("worker", "--%s wants a duration like 500ms or 1m",
						       opt == 2003 ? "poll" : "health-every");
			if (opt == 2003)
				cfg.poll_ms = v;
			else
				cfg.health_every_ms = v;
			break;
		case 2005:
			cfg.once = true;
			break;
		case 2006:
			cfg.timings = optarg;
			break;
		case 2007:
			if (!str_to_i64(optarg, &v) || v < 1 || v > 1000000)
				return cli_usage_error("worker", "--keep-runs wants 1 or more, not '%s'",
						       optarg);
			cfg.keep_runs = (int)v;
			break;
		default:
			return cli_usage_error("worker", "unknown option");
		}
	}
	if (optind < argc && !strcmp(argv[optind], "enable")) {
		if (argc - optind != 2)
			return cli_usage_error("worker", "enable wants one worker NAME");
		return enable(&common, argv[optind + 1]);
	}
	if (optind < argc)
		return cli_usage_error("worker", "takes no arguments ('%s')", argv[optind]);
	if (!cfg.server || !*cfg.server)
		return cli_usage_error("worker", "wants --server URL (or $ASSAY_SERVER)");
	if (!cfg.pool)
		return cli_usage_error("worker", "wants --pool POOL");
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct error e = ERROR_INIT;
	if (worker_serve(&cfg, &e))
		return cli_fail(&e);
	fprintf(stderr, "assay worker: stopped\n");
	return EXIT_OK;
}
