/* cmd_serve — `assay serve`: starts the HTTP API (http/http.h) over the
 * database and answers until SIGTERM or SIGINT, then stops cleanly. */
#include "util/base.h"

#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "cli/cli.h"
#include "http/http.h"
#include "service/orch.h"
#include "util/time.h"
#include "util/str.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "listen", required_argument, NULL, 'l' },
	{ "max-body", required_argument, NULL, 2001 },
	{ "public-read", no_argument, NULL, 2002 },
	{ "threads", required_argument, NULL, 2003 },
	{ "cors-origin", required_argument, NULL, 2004 },
	{ "lease", required_argument, NULL, 2005 },
	{ NULL, 0, NULL, 0 },
};

/* "1048576", "512K", "64M", "1G" (powers of 1024) into bytes. */
static bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	int shift = 0;
	switch (toupper((unsigned char)*end)) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' && end[1] == 'B' ? 2 : 1;
	if (*end || !v || v > (UINT64_MAX >> 30))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

/* "*", or scheme://host[:port] as a browser sends it in Origin: no path,
 * no trailing '/', nothing a header could not carry. */
static bool cors_origin_ok(const char *s)
{
	if (!strcmp(s, "*"))
		return true;
	const char *host = strstr(s, "://");
	if (!host || host == s || !host[3])
		return false;
	for (const char *p = s; p < host; p++)
		if (!isalnum((unsigned char)*p) && !strchr("+-.", *p))
			return false;
	for (const char *p = host + 3; *p; p++)
		if (*p == '/' || *p <= ' ' || *p >= 127 || *p == ',')
			return false;
	return true;
}

int cmd_serve(int argc, char **argv)
{
	struct cli_common common = { 0 };
	struct http_config cfg = { .listen = "127.0.0.1:8080" };
	struct error e = ERROR_INIT;
	const char *cors[64];
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hl:", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "serve"))
			continue;
		int64_t n;
		switch (opt) {
		case 'l':
			cfg.listen = optarg;
			break;
		case 2001:
			if (!parse_size(optarg, &cfg.max_body))
				return cli_usage_error("serve", "--max-body '%s': bytes, or 512K, 64M, 1G",
						       optarg);
			break;
		case 2002:
			cfg.public_read = true;
			break;
		case 2003:
			if (!str_to_i64(optarg, &n) || n < 1 || n > 256)
				return cli_usage_error("serve", "--threads '%s': 1 to 256", optarg);
			cfg.threads = (unsigned)n;
			break;
		case 2004:
			if (!cors_origin_ok(optarg))
				return cli_usage_error("serve",
						       "--cors-origin '%s': an origin such as "
						       "https://dash.example.com (scheme://host[:port], no "
						       "path), or *",
						       optarg);
			if (cfg.n_cors_origins == ARRAY_SIZE(cors))
				return cli_usage_error("serve", "--cors-origin: at most %zu origins",
						       ARRAY_SIZE(cors));
			cors[cfg.n_cors_origins++] = optarg;
			cfg.cors_origins = cors;
			break;
		case 2005:
			if (!cli_parse_lease(optarg, &cfg.lease_ms))
				return cli_usage_error("serve", "--lease '%s': a duration like 30s or 2s",
						       optarg);
			break;
		default:
			return cli_usage_error("serve", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("serve", "takes no arguments ('%s')", argv[optind]);
	/* Opening here resolves --db like every command, migrates the database
	 * and marks abandoned local runs failed, once, before any worker starts. */
	/* A catalog is optional: it gives /api/v1/suites and, without --db,
	 * where the database is. */
	struct catalog *cat = NULL;
	int crc = cli_load_catalog(&common, &cat, &e);
	if (crc && (crc != RC_NOTFOUND || common.catalog))
		return cli_fail(&e);
	struct store *st;
	char db[PATH_MAX + 32];
	if (cli_open_store(&common, cat, &st, db, sizeof(db), &e)) {
		catalog_free(cat);
		return cli_fail(&e);
	}
	struct token *tokens;
	size_t n_tokens = 0, valid = 0;
	if (!store_tokens_list(st, &tokens, &n_tokens, &e)) {
		for (size_t i = 0; i < n_tokens; i++)
			valid += !tokens[i].revoked_at;
		tokens_free(tokens, n_tokens);
		if (!valid)
			fprintf(stderr, "assay serve: no API tokens yet, so only /healthz, the OpenAPI document%s "
					"answer; "
					"make one with: assay token create --name NAME --role write\n",
				cfg.public_read ? " and reads" : "");
	}
	store_close(st);
	cfg.db = db;
	cfg.catalog = cat;
	/* Blocked before the workers start, so they inherit the mask and the
	 * signals reach only sigwait below. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	struct http_server *srv;
	if (http_server_start(&cfg, &srv, &e)) {
		catalog_free(cat);
		return cli_fail(&e);
	}
	printf("listening on %s\n", http_server_address(srv));
	fflush(stdout);
	/* Upkeep at start and every hour; between signals, every half lease,
	 * workers that stopped heartbeating lose their runs (heartbeats and
	 * claims also do it, but a pool whose only worker died has neither). */
	int64_t lease = cfg.lease_ms > 0 ? cfg.lease_ms : ORCH_DEFAULT_LEASE_MS;
	int64_t next_upkeep = 0;
	int sig = -1;
	while (sig < 0) {
		struct error he = ERROR_INIT;
		if (time_mono_ns() / 1000000 >= next_upkeep) {
			if (http_server_housekeeping(srv, &he))
				fprintf(stderr, "assay serve: warning: %s\n", he.msg);
			next_upkeep = time_mono_ns() / 1000000 + 3600 * 1000;
		}
		size_t requeued, failed;
		if (http_server_expire_leases(srv, &requeued, &failed, &he))
			fprintf(stderr, "assay serve: warning: %s\n", he.msg);
		else if (requeued || failed)
			fprintf(stderr, "assay serve: %zu run%s of silent workers queued again, %zu "
					"failed\n",
				requeued, requeued == 1 ? "" : "s", failed);
		int64_t half = lease / 2;
		struct timespec ts = { half / 1000, (half % 1000) * 1000000L };
		sig = sigtimedwait(&stop, NULL, &ts);
	}
	fprintf(stderr, "assay serve: %s: finishing requests in flight, then stopping\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	http_server_stop(srv);
	catalog_free(cat);
	return EXIT_OK;
}
