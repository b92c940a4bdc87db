/* cmd_pool — `assay pool add|list|show|rm`: the pools (QAOps configurations)
 * runs are started on. */
#include "util/base.h"

#include "cli/cli.h"
#include "formats/json_orch.h"
#include "service/orch.h"
#include "util/str.h"
#include "util/strlist.h"
#include "util/time.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "description", required_argument, NULL, 'd' },
	{ "servers", required_argument, NULL, 's' },
	{ "label", required_argument, NULL, 'l' },
	{ "suite", required_argument, NULL, 2001 },
	{ "keep", required_argument, NULL, 'k' },
	{ "provision", required_argument, NULL, 2010 },
	{ "upgrade", required_argument, NULL, 2011 },
	{ "teardown", required_argument, NULL, 2012 },
	{ "health", required_argument, NULL, 2013 },
	{ "hook-timeout", required_argument, NULL, 2014 },
	{ "lease", required_argument, NULL, 2020 },
	{ NULL, 0, NULL, 0 },
};

static char *json_list(const struct strlist *l)
{
	json_t *a = json_array();
	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->items[i]));
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* "a, b" from a JSON array text; "any" for none. */
static void print_names(const char *label, const char *json)
{
	json_t *v = json_loads(json ? json : "[]", 0, NULL);
	printf("%-16s", label);
	if (!json_array_size(v))
		printf("%s", strcmp(label, "suites") ? "-" : "any");
	for (size_t i = 0; i < json_array_size(v); i++)
		printf("%s%s", i ? ", " : "", json_string_value(json_array_get(v, i)));
	printf("\n");
	json_decref(v);
}

static int show(struct store *st, const char *name, int64_t lease_ms, bool json)
{
	struct pool p;
	struct pool_status s;
	struct error e = ERROR_INIT;
	if (service_pool_status(st, name, lease_ms, &p, &s, &e))
		return cli_fail(&e);
	if (json) {
		cli_print_json(json_pool_status(&p, &s.stat, s.expected_wait_ms));
		pool_release(&p);
		return EXIT_OK;
	}
	char wait[32] = "unknown";
	if (s.expected_wait_ms >= 0)
		time_human(s.expected_wait_ms, wait, sizeof(wait));
	printf("pool            %s\n", p.name);
	if (p.description)
		printf("description     %s\n", p.description);
	printf("servers         %lld expected, %lld registered, %lld online\n",
	       (long long)p.expected_servers, (long long)s.stat.workers, (long long)s.stat.online);
	print_names("labels", p.labels_json);
	print_names("suites", p.suites_json);
	if (p.keep_runs)
		printf("keep runs       %lld finished\n", (long long)p.keep_runs);
	else
		printf("keep runs       all\n");
	for (int i = 0; i < HOOK__COUNT; i++)
		if (p.hooks[i])
			printf("%-16s%s\n", pool_hook_name((enum pool_hook)i), p.hooks[i]);
	char limit[32];
	time_human(p.hook_timeout_ms ? p.hook_timeout_ms : ORCH_DEFAULT_HOOK_TIMEOUT_MS, limit,
		   sizeof(limit));
	printf("hook timeout    %s%s\n", limit, p.hook_timeout_ms ? "" : " (default)");
	printf("queue           %lld queued, %lld running\n", (long long)s.stat.queued,
	       (long long)s.stat.running);
	printf("expected wait   %s\n", wait);
	pool_release(&p);
	return EXIT_OK;
}

static int list(struct store *st, int64_t lease_ms, bool json)
{
	struct pool *ps;
	size_t n;
	struct error e = ERROR_INIT;
	if (store_pools_list(st, &ps, &n, &e))
		return cli_fail(&e);
	json_t *a = json ? json_array() : NULL;
	if (!json && !n)
		printf("no pools (assay pool add NAME)\n");
	else if (!json)
		printf("%-20s %7s %6s %6s %7s %5s  %s\n", "POOL", "SERVERS", "ONLINE", "QUEUED",
		       "RUNNING", "KEEP", "DESCRIPTION");
	int code = EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		struct pool_stat s;
		if (store_pool_stat(st, ps[i].name, time_now_ms(), lease_ms, &s, &e)) {
			code = cli_fail(&e);
			break;
		}
		if (json)
			json_array_append_new(a, json_pool_status(&ps[i], &s, -1));
		else
			printf("%-20s %7lld %6lld %6lld %7lld %5lld  %s\n", ps[i].name,
			       (long long)ps[i].expected_servers, (long long)s.online,
			       (long long)s.queued, (long long)s.running, (long long)ps[i].keep_runs,
			       ps[i].description ? ps[i].description : "");
	}
	if (json)
		cli_print_json(a);
	pools_free(ps, n);
	return code;
}

int cmd_pool(int argc, char **argv)
{
	struct cli_common common = { 0 };
	struct pool p = { .expected_servers = 1 };
	struct strlist labels = STRLIST_INIT, suites = STRLIST_INIT;
	int64_t lease_ms = 0, v; /* 0: the lease each worker was granted */
	int opt, code = EXIT_USAGE;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hd:s:l:k:", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "pool"))
			continue;
		switch (opt) {
		case 'd':
			p.description = optarg;
			break;
		case 's':
		case 'k':
			if (!str_to_i64(optarg, &v) || v < 0) {
				code = cli_usage_error("pool", "--%s wants a number >= 0, not '%s'",
						       opt == 's' ? "servers" : "keep", optarg);
				goto out;
			}
			if (opt == 's')
				p.expected_servers = v;
			else
				p.keep_runs = v;
			break;
		case 'l':
			strlist_add(&labels, optarg);
			break;
		case 2001:
			strlist_add(&suites, optarg);
			break;
		case 2010:
		case 2011:
		case 2012:
		case 2013:
			p.hooks[opt - 2010] = optarg;
			break;
		case 2014:
			if (!time_parse_duration(optarg, &p.hook_timeout_ms) ||
			    p.hook_timeout_ms <= 0) {
				code = cli_usage_error("pool",
						       "--hook-timeout wants a duration like 90s, 10m "
						       "or 1h (a plain number is seconds), not '%s'",
						       optarg);
				goto out;
			}
			break;
		case 2020:
			if (!cli_parse_lease(optarg, &lease_ms)) {
				code = cli_usage_error("pool", "--lease wants a duration like 30s");
				goto out;
			}
			break;
		default:
			code = cli_usage_error("pool", "unknown option");
			goto out;
		}
	}
	if (optind >= argc) {
		code = cli_usage_error("pool", "wants add, list, show or rm");
		goto out;
	}
	const char *verb = argv[optind++];
	const char *name = optind < argc ? argv[optind] : NULL;
	bool one = !strcmp(verb, "add") || !strcmp(verb, "show") || !strcmp(verb, "rm");
	if (!one && strcmp(verb, "list")) {
		code = cli_usage_error("pool", "'%s': add, list, show or rm", verb);
		goto out;
	}
	if (one ? argc - optind != 1 : argc - optind != 0) {
		code = cli_usage_error("pool", one ? "%s wants one pool NAME" : "%s takes no NAME",
				       verb);
		goto out;
	}
	struct store *st;
	struct error e = ERROR_INIT;
	if (cli_open_store(&common, NULL, &st, NULL, 0, &e)) {
		code = cli_fail(&e);
		goto out;
	}
	if (!strcmp(verb, "add")) {
		p.name = (char *)name;
		char *lj = json_list(&labels), *sj = json_list(&suites);
		p.labels_json = lj;
		p.suites_json = sj;
		if (service_pool_add(st, &p, &e)) {
			code = cli_fail(&e);
		} else if (common.json) {
			code = show(st, name, lease_ms, true);
		} else {
			printf("added pool '%s'\n", name);
			code = EXIT_OK;
		}
		free(lj);
		free(sj);
	} else if (!strcmp(verb, "show")) {
		code = show(st, name, lease_ms, common.json);
	} else if (!strcmp(verb, "rm")) {
		if (service_pool_remove(st, name, &e))
			code = cli_fail(&e);
		else {
			printf("removed pool '%s'\n", name);
			code = EXIT_OK;
		}
	} else {
		code = list(st, lease_ms, common.json);
	}
	store_close(st);
out:
	strlist_release(&labels);
	strlist_release(&suites);
	return code;
}
