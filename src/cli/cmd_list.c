#include "util/base.h"

#include "cli/cli.h"
#include "formats/json_api.h"
#include "util/str.h"
#include "util/strmap.h"
#include "util/time.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "status", required_argument, NULL, 's' },
	{ "env", required_argument, NULL, 'e' },
	{ "since", required_argument, NULL, 2001 },
	{ "limit", required_argument, NULL, 'n' },
	{ "project", required_argument, NULL, 2002 },
	{ NULL, 0, NULL, 0 },
};

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));
	puts(s);
	free(s);
	json_decref(j);
}

static int list_runs(struct store *st, const struct cli_common *c, struct run_filter *f,
		     struct error *e)
{
	struct run *runs;
	size_t n;
	if (store_runs_list(st, f, &runs, &n, e))
		return e->code;
	if (c->json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_run(&runs[i]));
		print_json(a);
	} else if (!n) {
		printf("no runs\n");
	} else {
		printf("%-13s %-20s %-9s %-11s %-8s %9s %6s %6s %6s  %s\n", "ID", "STARTED", "STATUS",
		       "LIFECYCLE", "ENV", "DURATION", "PASS", "FAIL", "SKIP", "TITLE");
		for (size_t i = 0; i < n; i++) {
			struct run *r = &runs[i];
			char t[40], d[32] = "-";
			time_iso(r->started_at, t, sizeof(t));
			t[19] = '\0';
			if (r->completed_at)
				time_human(r->duration_ms, d, sizeof(d));
			int64_t bad = 0;
			for (int k = 0; k < RS__COUNT; k++)
				if (status_is_negative((enum result_status)k))
					bad += r->counts[k];
			printf("%-13.13s %-20s %-9s %-11.11s %-8.8s %9s %6lld %6lld %6lld  %s\n", r->id, t,
			       verdict_name(r->verdict), lifecycle_name(r->lifecycle),
			       r->environment ? r->environment : "", d,
			       (long long)r->counts[RS_PASSED], (long long)bad,
			       (long long)r->counts[RS_SKIPPED], r->title ? r->title : "");
		}
	}
	store_runs_free(runs, n);
	return RC_OK;
}

#define TESTS_HEADER "%-40s %-8s %8s %9s  %s\n", "TEST", "LAST", "RESULTS", "AVERAGE", "LABELS"

/* One test's line of `assay list tests`. */
static void print_test(const char *name, const struct test_stat *s, const char *labels)
{
	char avg[32] = "-";
	if (s && s->results)
		time_human(s->avg_ms, avg, sizeof(avg));
	printf("%-40s %-8s %8lld %9s  %s\n", name, s && s->results ? status_name(s->last_status) : "-",
	       (long long)(s ? s->results : 0), avg, labels);
}

/* `js`, a value jansson laid out, as an element of an array laid out so. */
static void put_indented(const char *js)
{
	for (const char *nl; (nl = strchr(js, '\n')); js = nl + 1) {
		fwrite(js, 1, (size_t)(nl + 1 - js), stdout);
		fputs("  ", stdout);
	}
	fputs(js, stdout);
}

/* Every test the database knows (of `project`, or of every project, then
 * each named with its project), a page at a time as the store walks its
 * index: a million tests take the memory of a page. The JSON array is
 * written as it goes, laid out as print_json would. */
static int list_recorded_tests(struct store *st, const char *project, const struct cli_common *c,
			       struct error *e)
{
	struct test_filter f = { .project = project, .limit = 1000 };
	size_t listed = 0;
	for (bool first = true;; first = false) {
		struct test_stat *ts;
		size_t n;
		if (store_tests_list(st, &f, &ts, &n, e))
			return e->code; /* on a later page, what was listed stays */
		if (first && !c->json) {
			if (!project)
				printf("%-16s ", "PROJECT");
			printf(TESTS_HEADER);
		}
		for (size_t i = 0; i < n; i++, listed++) {
			if (!c->json) {
				if (!project)
					printf("%-16s ", ts[i].project);
				print_test(ts[i].name, &ts[i], "");
				continue;
			}
			json_t *o = json_test_stat(&ts[i]);
			char *js = json_dumps(o, JSON_INDENT(2));
			json_decref(o);
			fputs(listed ? ",\n  " : "[\n  ", stdout);
			put_indented(js);
			free(js);
		}
		if (n)
			f.after_id = ts[n - 1].id;
		store_test_stats_free(ts, n);
		if (n < (size_t)f.limit)
			break;
	}
	if (c->json)
		puts(listed ? "\n]" : "[]");
	return RC_OK;
}

static int list_tests(struct store *st, const struct catalog *cat, const char *project,
		      const struct cli_common *c, struct error *e)
{
	if (!cat || project)
		return list_recorded_tests(st, project, c, e);
	/* With a catalog, its tests in its order, with what its project's
	 * tests recorded. */
	struct test_stat *ts;
	size_t n;
	struct test_filter f = { .project = cat->project };
	if (store_tests_list(st, &f, &ts, &n, e))
		return e->code;
	struct strmap by_name = STRMAP_INIT;
	for (size_t i = 0; i < n; i++)
		strmap_put(&by_name, ts[i].name, i);
	json_t *a = c->json ? json_array() : NULL;
	if (!c->json)
		printf(TESTS_HEADER);
	for (size_t i = 0; i < cat->n_tests; i++) {
		const char *name = cat->tests[i].name;
		size_t k;
		const struct test_stat *s = strmap_get(&by_name, name, &k) ? &ts[k] : NULL;
		if (a) {
			json_t *o = s ? json_test_stat(s) : json_object();
			if (!s) { /* not recorded yet: the fields it has */
				json_object_set_new(o, "project", json_string(cat->project));
				json_object_set_new(o, "name", json_string(name));
			}
			json_t *l = json_array();
			for (char **lb = cat->tests[i].labels; lb && *lb; lb++)
				json_array_append_new(l, json_string(*lb));
			json_object_set_new(o, "labels", l);
			json_object_set_new(o, "protocol",
					    json_string(protocol_name(cat->tests[i].protocol)));
			json_array_append_new(a, o);
			continue;
		}
		char labels[256] = "";
		size_t at = 0;
		for (char **lb = cat->tests[i].labels; lb && *lb && at < sizeof(labels); lb++)
			at += (size_t)snprintf(labels + at, sizeof(labels) - at, "%s%s", at ? "," : "", *lb);
		print_test(name, s, labels);
	}
	if (a)
		print_json(a);
	strmap_release(&by_name);
	store_test_stats_free(ts, n);
	return RC_OK;
}

static void list_suites(const struct catalog *cat, const struct cli_common *c)
{
	json_t *a = c->json ? json_array() : NULL;
	for (size_t i = 0; i < cat->n_suites; i++) {
		const struct cat_suite *s = &cat->suites[i];
		if (a) {
			json_t *o = json_object(), *items = json_array();
			for (char **it = s->items; *it; it++)
				json_array_append_new(items, json_string(*it));
			json_object_set_new(o, "name", json_string(s->name));
			json_object_set_new(o, "items", items);
			json_array_append_new(a, o);
			continue;
		}
		printf("%-24s", s->name);
		for (char **it = s->items; *it; it++)
			printf(" %s", *it);
		printf("\n");
	}
	if (a)
		print_json(a);
	else if (!cat->n_suites)
		printf("no suites\n");
}

int cmd_list(int argc, char **argv)
{
	struct cli_common common = { 0 };
	struct run_filter f = { .limit = 20 };
	struct error e = ERROR_INIT;
	int opt;
	int64_t v;
	enum verdict vd;
	const char *project = NULL;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hs:e:n:", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "list"))
			continue;
		switch (opt) {
		case 's':
			if (!verdict_parse(optarg, &vd))
				return cli_usage_error("list", "unknown run status '%s' (running, "
							       "passed, failed, cancelled, error)", optarg);
			f.verdict = optarg;
			break;
		case 'e':
			f.environment = optarg;
			break;
		case 2001:
			if (!time_parse_since(optarg, time_now_ms(), &f.since))
				return cli_usage_error("list", "--since wants a date (2026-11-01), a "
							       "time, or an age (2d, 12h), not '%s'", optarg);
			break;
		case 'n':
			if (!str_to_i64(optarg, &v) || v < 0 || v > 1000000000)
				return cli_usage_error("list", "--limit wants a number, not '%s'", optarg);
			f.limit = (int)v;
			break;
		case 2002:
			project = optarg;
			break;
		default:
			return cli_usage_error("list", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("list", "what to list: runs, tests or suites");
	const char *what = argv[optind];
	bool runs = !strcmp(what, "runs"), tests = !strcmp(what, "tests"),
	     suites = !strcmp(what, "suites");
	if (!runs && !tests && !suites)
		return cli_usage_error("list", "can list runs, tests or suites, not '%s'", what);

	struct catalog *cat = NULL;
	if (suites || tests) {
		int rc = cli_load_catalog(&common, &cat, &e);
		if (rc && (suites || rc != RC_NOTFOUND))
			return cli_fail(&e);
	}
	if (suites) {
		list_suites(cat, &common);
		catalog_free(cat);
		return EXIT_OK;
	}
	struct store *st;
	if (cli_open_store(&common, cat, &st, NULL, 0, &e)) {
		catalog_free(cat);
		return cli_fail(&e);
	}
	int rc = runs ? list_runs(st, &common, &f, &e) : list_tests(st, cat, project, &common, &e);
	store_close(st);
	catalog_free(cat);
	return rc ? cli_fail(&e) : EXIT_OK;
}
