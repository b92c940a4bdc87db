#include "util/base.h"

#include <unistd.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "formats/json_api.h"
#include "util/str.h"
#include "util/time.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "slowest", required_argument, NULL, 2001 },
	{ "tail", required_argument, NULL, 2002 },
	{ "suite-output", required_argument, NULL, 2003 },
	{ NULL, 0, NULL, 0 },
};

static int by_duration_desc(const void *a, const void *b)
{
	const struct result *x = a, *y = b;
	return x->duration_ms < y->duration_ms ? 1 : x->duration_ms > y->duration_ms ? -1 : 0;
}

static void print_time(const char *label, int64_t ms)
{
	char s[40];
	time_iso(ms, s, sizeof(s));
	printf("%-13s %s\n", label, ms ? s : "-");
}

enum { SUITES_LISTED = 20 };

/* The suites imported files said something of as a whole, with sizes. */
static int list_suite_outputs(struct store *st, const struct run *r, struct error *e)
{
	struct suite_output *so;
	size_t n;
	if (store_suite_outputs(st, r->id, NULL, false, &so, &n, e))
		return e->code;
	if (n)
		printf("\nSuite output (assay show %s --suite-output SUITE prints it):\n", r->id);
	for (size_t i = 0; i < n && i < SUITES_LISTED; i++) {
		printf("  %s  ", *so[i].suite ? so[i].suite : "''");
		if (so[i].stdout_bytes)
			printf("stdout %lld B%s", (long long)so[i].stdout_bytes,
			       so[i].stderr_bytes ? ", " : "");
		if (so[i].stderr_bytes)
			printf("stderr %lld B", (long long)so[i].stderr_bytes);
		printf("\n");
	}
	if (n > SUITES_LISTED)
		printf("  ... and %zu more\n", n - SUITES_LISTED);
	suite_outputs_free(so, n);
	return RC_OK;
}

/* One suite's own output, whole: text, or the API's object with --json. */
static int show_suite_output(struct store *st, const struct run *r, const char *suite, bool json,
			     struct error *e)
{
	struct suite_output *so;
	size_t n;
	if (store_suite_outputs(st, r->id, suite, true, &so, &n, e))
		return e->code;
	int rc = RC_OK;
	if (!n) {
		rc = err_set(e, RC_NOTFOUND,
			     "run %s holds no output of suite '%s' (assay show %s lists the "
			     "suites that have some)",
			     r->id, suite, r->id);
	} else if (json) {
		json_t *o = json_run_outputs(r->id, so, n, true);
		char *s = json_dumps(o, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(o);
	} else {
		for (size_t i = 0; i < n; i++) {
			const char *text[2] = { so[i].stdout_text, so[i].stderr_text };
			for (int k = 0; k < 2; k++) {
				if (!text[k])
					continue;
				size_t len = strlen(text[k]);
				printf("--- %s: system-%s ---\n%s%s", *suite ? suite : "''",
				       k ? "err" : "out", text[k],
				       len && text[k][len - 1] == '\n' ? "" : "\n");
			}
		}
	}
	suite_outputs_free(so, n);
	return rc;
}

static int show_text(struct store *st, const struct run *r, int slowest, int tail,
		     struct error *e)
{
	char d[32];
	printf("run           %s\n", r->id);
	printf("title         %s\n", r->title ? r->title : "");
	if (r->description && *r->description)
		printf("description   %s\n", r->description);
	printf("project       %s\n", r->project ? r->project : "");
	printf("status        %s\n", verdict_name(r->verdict));
	printf("lifecycle     %s (%d)\n", lifecycle_label(r->lifecycle), (int)r->lifecycle);
	printf("environment   %s\n", r->environment ? r->environment : "");
	printf("triggered by  %s\n", r->triggered_by ? r->triggered_by : "");
	printf("selection     %s\n", r->definition ? r->definition : ".");
	print_time("started", r->started_at);
	print_time("completed", r->completed_at);
	time_human(r->duration_ms, d, sizeof(d));
	printf("duration      %s\n", r->completed_at ? d : "-");
	if (r->context_json && strcmp(r->context_json, "{}"))
		printf("context       %s\n", r->context_json);
	if (r->reason)
		printf("reason        %s\n", r->reason);
	printf("tests         %lld", (long long)r->total);
	for (int i = 0; i < RS__COUNT; i++)
		if (r->counts[i])
			printf(", %lld %s", (long long)r->counts[i],
			       status_name((enum result_status)i));
	printf("\n");

	struct run_event *ev;
	size_t n_ev;
	if (store_run_events(st, r->id, &ev, &n_ev, e))
		return e->code;
	printf("\nPhases:\n");
	for (size_t i = 0; i < n_ev; i++) {
		char t[40];
		time_iso(ev[i].at, t, sizeof(t));
		printf("  %s  %3d  %-30s %s\n", t, (int)ev[i].lifecycle,
		       lifecycle_label(ev[i].lifecycle), ev[i].message ? ev[i].message : "");
	}
	run_events_free(ev, n_ev);

	struct result_filter f = { .status = -1, .top_level = true };
	struct result *rs;
	size_t n;
	if (store_results_list(st, r->id, &f, &rs, &n, e))
		return e->code;
	qsort(rs, n, sizeof(*rs), by_duration_desc);
	size_t shown = 0;
	for (size_t i = 0; i < n && (int)shown < slowest; i++) {
		if (rs[i].status == RS_BLOCKED || rs[i].status == RS_UNTESTED)
			continue;
		if (!shown)
			printf("\nSlowest tests:\n");
		time_human(rs[i].duration_ms, d, sizeof(d));
		printf("  %9s  %-8s %s\n", d, status_name(rs[i].status), rs[i].test);
		shown++;
	}
	store_results_free(rs, n);
	if (report_failures(stdout, st, r->id, tail, isatty(1) && !getenv("NO_COLOR"), e) < 0)
		return e->code;
	if (list_suite_outputs(st, r, e))
		return e->code;
	printf("\n");
	report_counts(stdout, r);
	return RC_OK;
}

int cmd_show(int argc, char **argv)
{
	struct cli_common common = { 0 };
	struct error e = ERROR_INIT;
	int opt, slowest = 10, tail = 20;
	const char *suite_output = NULL;
	int64_t v;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "show"))
			continue;
		if (opt == 2003) {
			suite_output = optarg;
			continue;
		}
		if ((opt == 2001 || opt == 2002) && str_to_i64(optarg, &v) && v >= 0 && v < 100000) {
			*(opt == 2001 ? &slowest : &tail) = (int)v;
			continue;
		}
		if (opt == 2001 || opt == 2002)
			return cli_usage_error("show", "--%s wants a number, not '%s'",
					       opt == 2001 ? "slowest" : "tail", optarg);
		return cli_usage_error("show", "unknown option");
	}
	if (argc - optind != 1)
		return cli_usage_error("show", "wants one RUN (an id, 'last' or 'last~N')");
	struct store *st;
	if (cli_open_store(&common, NULL, &st, NULL, 0, &e))
		return cli_fail(&e);
	char id[UUID_STR_LEN];
	struct run r = { 0 };
	int rc = store_run_resolve(st, argv[optind], id, &e);
	if (!rc)
		rc = store_run_get(st, id, &r, &e);
	if (!rc && suite_output) {
		rc = show_suite_output(st, &r, suite_output, common.json, &e);
	} else if (!rc && common.json) {
		json_t *j = json_run(&r);
		struct run_event *ev;
		size_t n_ev;
		struct suite_output *so = NULL;
		size_t n_so = 0;
		rc = store_run_events(st, r.id, &ev, &n_ev, &e);
		if (!rc && (rc = store_suite_outputs(st, r.id, NULL, false, &so, &n_so, &e)))
			run_events_free(ev, n_ev);
		if (!rc) {
			json_t *a = json_array();
			for (size_t i = 0; i < n_ev; i++)
				json_array_append_new(a, json_run_event(&ev[i]));
			json_object_set_new(j, "events", a);
			run_events_free(ev, n_ev);
			json_object_set_new(j, "suite_outputs", json_suite_outputs(so, n_so, false));
			suite_outputs_free(so, n_so);
			char *s = json_dumps(j, JSON_INDENT(2));
			puts(s);
			free(s);
		}
		json_decref(j);
	} else if (!rc) {
		rc = show_text(st, &r, slowest, tail, &e);
	}
	run_release(&r);
	store_close(st);
	return rc ? cli_fail(&e) : EXIT_OK;
}
