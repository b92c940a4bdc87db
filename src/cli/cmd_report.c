/* cmd_report — `assay report --server URL FILE...`: uploads result files
 * (what `assay import` reads) to an `assay serve`. One file becomes one run
 * through POST /api/v1/imports; several become one run: it is opened
 * (POST /api/v1/runs), each file is imported into it, and it is completed.
 * If a file is refused, the run is aborted with the reason, so a half-sent
 * report never looks like a finished one. */
#include "util/base.h"

#include "cli/cli.h"
#include "http/client.h"
#include "util/buf.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "server", required_argument, NULL, 's' },
	{ "token", required_argument, NULL, 't' },
	{ "format", required_argument, NULL, 'f' },
	{ "environment", required_argument, NULL, 'e' },
	{ "title", required_argument, NULL, 2001 },
	{ "description", required_argument, NULL, 2002 },
	{ "project", required_argument, NULL, 2003 },
	{ "no-tests", required_argument, NULL, 2004 },
	{ NULL, 0, NULL, 0 },
};

struct report_opts {
	const char *format, *environment, *title, *description, *project;
	bool json;
	bool allow_empty; /* --no-tests ignore */
};

/* Exit code and message for an answer that is not 2xx. */
static int refused(const char *what, int status, const json_t *answer)
{
	fprintf(stderr, "assay: %s: the server answered %d: %s\n", what, status,
		api_client_error_text(answer, status));
	return status >= 500 ? EXIT_INFRA : EXIT_USAGE;
}

static const char *base_name(const char *path)
{
	if (!strcmp(path, "-"))
		return "stdin";
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Adds "&key=escaped value" when value is set. */
static void add_query(struct api_client *c, struct buf *q, const char *key, const char *value)
{
	if (!value)
		return;
	char *esc = api_client_escape(c, value);
	buf_addf(q, "%c%s=%s", strchr(q->data, '?') ? '&' : '?', key, esc);
	free(esc);
}

static void print_run(const json_t *run, bool json)
{
	if (json) {
		char *s = json_dumps(run, JSON_INDENT(2));
		puts(s);
		free(s);
		return;
	}
	const json_t *counts = json_object_get(run, "counts");
	long long n = 0;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)counts, k, v)
		n += json_integer_value(v);
	printf("reported run %s (%s): %lld results\n",
	       json_string_value(json_object_get(run, "id")),
	       json_string_value(json_object_get(run, "status")), n);
	json_object_foreach((json_t *)counts, k, v)
		if (json_integer_value(v))
			printf("  %-9s %lld\n", k, (long long)json_integer_value(v));
}

/* The results and sub-results a run answered by the server holds. */
static long long run_results(const json_t *run)
{
	long long n = 0;
	const char *k;
	json_t *v;
	static const char *const groups[] = { "counts", "sub_counts" };
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
		json_object_foreach(json_object_get(run, groups[g]), k, v)
			n += json_integer_value(v);
	return n;
}

/* Uploads one file as an import (into `run` when set); fills *out with the
 * run answered. */
static int upload(struct api_client *c, const struct report_opts *o, const char *file,
		  const char *run, json_t **out)
{
	struct buf q = BUF_INIT;
	buf_adds(&q, "/api/v1/imports");
	add_query(c, &q, "name", base_name(file));
	add_query(c, &q, "format", o->format);
	if (o->allow_empty)
		add_query(c, &q, "no_tests", "ignore");
	if (run) {
		add_query(c, &q, "run", run);
	} else {
		add_query(c, &q, "title", o->title);
		add_query(c, &q, "description", o->description);
		add_query(c, &q, "environment", o->environment);
		add_query(c, &q, "project", o->project);
	}
	int status;
	struct error e = ERROR_INIT;
	int rc = api_client_upload(c, q.data, file, &status, out, &e);
	buf_release(&q);
	if (rc)
		return cli_fail(&e);
	if (status / 100 != 2) {
		int code = refused(file, status, *out);
		json_decref(*out);
		*out = NULL;
		return code;
	}
	return EXIT_OK;
}

/* Several files: one open run, an import per file, then complete (or abort
 * with the reason if a file is refused). */
static int upload_many(struct api_client *c, const struct report_opts *o, char **files,
		       size_t n, json_t **out)
{
	json_t *req = json_object();
	if (o->title)
		json_object_set_new(req, "title", json_string(o->title));
	if (o->description)
		json_object_set_new(req, "description", json_string(o->description));
	if (o->environment)
		json_object_set_new(req, "environment", json_string(o->environment));
	if (o->project)
		json_object_set_new(req, "project", json_string(o->project));
	json_object_set_new(req, "test_definition_id", json_string("report"));
	char *body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	int status;
	json_t *answer;
	struct error e = ERROR_INIT;
	int rc = api_client_call(c, "POST", "/api/v1/runs", body, strlen(body), &status, &answer,
				 &e);
	free(body);
	if (rc)
		return cli_fail(&e);
	if (status != 201) {
		int code = refused("opening a run", status, answer);
		json_decref(answer);
		return code;
	}
	char *run = xstrdup(json_string_value(json_object_get(answer, "id")));
	json_decref(answer);
	int code = EXIT_OK;
	size_t i;
	long long results = 0;
	for (i = 0; i < n && code == EXIT_OK; i++) {
		json_t *r = NULL;
		code = upload(c, o, files[i], run, &r);
		if (!code)
			results = run_results(r);
		json_decref(r);
	}
	/* Adding to an open run is never refused for holding no test, so the
	 * files' run is checked as a whole, as `assay import` checks a run. */
	bool empty = !code && !results && !o->allow_empty;
	if (empty) {
		fprintf(stderr, "assay: nothing to record: the %zu files hold no test, and a run "
				"of none would pass (--no-tests ignore records it)\n", n);
		code = EXIT_USAGE;
	}
	char *path = xasprintf("/api/v1/runs/%s/%s", run, code ? "cancel" : "complete");
	char *why = NULL;
	if (code) {
		json_t *reason = empty ? json_pack("{s:s}", "reason", "assay report: no test")
				       : json_pack("{s:s+}", "reason", "assay report: refused: ",
						   files[i - 1]);
		why = json_dumps(reason, JSON_COMPACT);
		json_decref(reason);
	}
	rc = api_client_call(c, "POST", path, why, why ? strlen(why) : 0, &status, &answer, &e);
	free(why);
	free(path);
	if (rc && !code)
		code = cli_fail(&e);
	else if (!rc && status != 200 && !code)
		code = refused("completing the run", status, answer);
	if (!code)
		*out = answer;
	else
		json_decref(answer);
	if (code)
		fprintf(stderr, "assay: run %s was aborted (cancelled) on the server\n", run);
	free(run);
	return code;
}

int cmd_report(int argc, char **argv)
{
	struct cli_common common = { 0 };
	struct report_opts o = { 0 };
	const char *server = getenv("ASSAY_SERVER"), *token = getenv("ASSAY_TOKEN");
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hs:t:f:e:", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "report"))
			continue;
		switch (opt) {
		case 's':
			server = optarg;
			break;
		case 't':
			token = optarg;
			break;
		case 'f':
			o.format = optarg;
			break;
		case 'e':
			o.environment = optarg;
			break;
		case 2001:
			o.title = optarg;
			break;
		case 2002:
			o.description = optarg;
			break;
		case 2003:
			o.project = optarg;
			break;
		case 2004:
			if (cli_no_tests_option("report", optarg, &o.allow_empty))
				return EXIT_USAGE;
			break;
		default:
			return cli_usage_error("report", "unknown option");
		}
	}
	o.json = common.json;
	if (!server || !*server)
		return cli_usage_error("report", "no server: give --server URL or set ASSAY_SERVER");
	if (optind >= argc)
		return cli_usage_error("report", "no files to report");
	struct api_client *c;
	struct error e = ERROR_INIT;
	if (api_client_new(server, token, &c, &e))
		return cli_fail(&e);
	json_t *run = NULL;
	size_t n = (size_t)(argc - optind);
	int code = n == 1 ? upload(c, &o, argv[optind], NULL, &run)
			  : upload_many(c, &o, argv + optind, n, &run);
	if (!code)
		print_run(run, o.json);
	json_decref(run);
	api_client_free(c);
	return code;
}
