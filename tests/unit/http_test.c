/* Unit tests of http/'s pure pieces: route matching, page cursors, query
 * values, reading result objects, and the route table itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include "formats/json_api.h"
#include "http/cursor.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/api.h"
#include "util/buf.h"

static const struct route_pattern table[] = {
	{ "GET", "/healthz" },
	{ "GET", "/api/v1/runs" },
	{ "POST", "/api/v1/runs" },
	{ "GET", "/api/v1/runs/{id}" },
	{ "GET", "/api/v1/runs/{id}/results" },
	{ "POST", "/api/v1/runs/{id}/results" },
	{ "GET", "/api/v1/runs/{id}/results/{result}" },
};
#define N ARRAY_SIZE(table)

static int match(const char *method, const char *path, struct route_match *m)
{
	return router_match(table, N, sizeof(table[0]), method, path, m);
}

static void routes_match_by_method_and_literal_segments(void **state)
{
	struct route_match m;
	assert_int_equal(match("GET", "/healthz", &m), 0);
	assert_int_equal(match("GET", "/api/v1/runs", &m), 1);
	assert_int_equal(match("POST", "/api/v1/runs", &m), 2);
	assert_int_equal(match("GET", "/api/v1/runs/", &m), 1); /* trailing slash */
	assert_int_equal(match("HEAD", "/api/v1/runs", &m), 1); /* HEAD is GET */
	assert_int_equal(match("GET", "/api/v1/run", &m), ROUTE_NO_PATH);
	assert_int_equal(match("GET", "/api/v1/runsx", &m), ROUTE_NO_PATH);
	assert_int_equal(match("GET", "/api/v1", &m), ROUTE_NO_PATH);
	assert_int_equal(match("GET", "", &m), ROUTE_NO_PATH);
	assert_int_equal(match("GET", "healthz", &m), ROUTE_NO_PATH);
	assert_int_equal(match("GET", "//healthz", &m), ROUTE_NO_PATH);
}

static void params_capture_one_whole_segment(void **state)
{
	struct route_match m;
	assert_int_equal(match("GET", "/api/v1/runs/0191-abc", &m), 3);
	assert_string_equal(router_param(&m, "id"), "0191-abc");
	assert_null(router_param(&m, "other"));
	assert_int_equal(match("POST", "/api/v1/runs/last/results", &m), 5);
	assert_string_equal(router_param(&m, "id"), "last");
	assert_int_equal(match("GET", "/api/v1/runs/r1/results/x9", &m), 6);
	assert_string_equal(router_param(&m, "id"), "r1");
	assert_string_equal(router_param(&m, "result"), "x9");
	/* an empty segment is not a parameter */
	assert_int_equal(match("GET", "/api/v1/runs//results", &m), ROUTE_NO_PATH);
	char long_path[600];
	snprintf(long_path, sizeof(long_path), "/api/v1/runs/%0*d", 400, 7);
	assert_int_equal(match("GET", long_path, &m), ROUTE_NO_PATH);
}

static void a_known_path_with_another_method_lists_the_allowed_ones(void **state)
{
	struct route_match m;
	/* HEAD wherever GET is: the server answers it */
	assert_int_equal(match("DELETE", "/api/v1/runs", &m), ROUTE_NO_METHOD);
	assert_string_equal(m.allow, "GET, POST, HEAD");
	assert_int_equal(match("PUT", "/api/v1/runs/x/results", &m), ROUTE_NO_METHOD);
	assert_string_equal(m.allow, "GET, POST, HEAD");
	assert_int_equal(match("POST", "/healthz", &m), ROUTE_NO_METHOD);
	assert_string_equal(m.allow, "GET, HEAD");
}

static void run_cursors_round_trip_and_refuse_garbage(void **state)
{
	char c[CURSOR_MAX], id[UUID_STR_LEN];
	int64_t at;
	const char *run = "0191e2a4-1c2b-7def-8abc-0123456789ab";
	cursor_runs_encode(1732357800123, run, c);
	assert_null(strchr(c, '=')); /* url-safe, no padding */
	assert_null(strchr(c, '+'));
	assert_true(cursor_runs_decode(c, &at, id));
	assert_int_equal(at, 1732357800123);
	assert_string_equal(id, run);
	assert_false(cursor_runs_decode("", &at, id));
	assert_false(cursor_runs_decode("!!!!", &at, id));
	assert_false(cursor_runs_decode("abcde", &at, id)); /* bad length */
	char other[CURSOR_MAX];
	cursor_results_encode(42, other);
	assert_false(cursor_runs_decode(other, &at, id)); /* another listing's */
	cursor_runs_encode(1, "not-a-uuid", c);
	assert_false(cursor_runs_decode(c, &at, id));
}

static void result_cursors_round_trip_and_refuse_garbage(void **state)
{
	char c[CURSOR_MAX];
	int64_t seq;
	cursor_results_encode(123456789012, c);
	assert_true(cursor_results_decode(c, &seq));
	assert_int_equal(seq, 123456789012);
	cursor_results_encode(0, c);
	assert_false(cursor_results_decode(c, &seq));
	assert_false(cursor_results_decode("czE6", &seq)); /* "s1:" */
	assert_false(cursor_results_decode("czE6LTE", &seq)); /* "s1:-1" */
	assert_false(cursor_results_decode(NULL, &seq));
}

static void query_values_parse_strictly(void **state)
{
	int limit;
	assert_true(query_limit(NULL, 50, 1000, &limit));
	assert_int_equal(limit, 50);
	assert_true(query_limit("1000", 50, 1000, &limit));
	assert_int_equal(limit, 1000);
	assert_false(query_limit("1001", 50, 1000, &limit));
	assert_false(query_limit("0", 50, 1000, &limit));
	assert_false(query_limit("-3", 50, 1000, &limit));
	assert_false(query_limit("10x", 50, 1000, &limit));
	assert_false(query_limit("", 50, 1000, &limit));
	int64_t ms;
	assert_true(query_time("2026-11-23T10:30:00Z", &ms));
	assert_int_equal(ms, 1795429800000);
	assert_true(query_time("2026-11-23", &ms));
	assert_true(query_time("1795429800000", &ms));
	assert_int_equal(ms, 1795429800000);
	assert_false(query_time("yesterday", &ms));
	assert_false(query_time("", &ms));
	assert_false(query_time("0", &ms));
	bool b;
	assert_true(query_bool("", &b) && b);
	assert_true(query_bool("true", &b) && b);
	assert_true(query_bool("0", &b) && !b);
	assert_false(query_bool("maybe", &b));
}

/* Parses `text` as one result object; returns the rc, message in e. */
static int parse(const char *text, struct result *r, struct error *e)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	assert_non_null(v);
	int rc = json_result_parse(v, r, e);
	json_decref(v);
	return rc;
}

static void result_objects_are_read_with_every_field(void **state)
{
	struct result r;
	struct error e = ERROR_INIT;
	assert_int_equal(parse("{\"test\":\"suite/case\",\"parent\":\"suite\",\"status\":\"FAILED\","
			       "\"duration_ms\":12.7,\"message\":\"boom\",\"stdout\":\"o\","
			       "\"stderr\":null,\"attempt\":2,\"exit_code\":139,"
			       "\"started_at\":\"2026-11-23T10:30:00Z\",\"completed_at\":1795429800500,"
			       "\"unknown\":[1]}",
			       &r, &e),
			 RC_OK);
	assert_string_equal(r.test, "suite/case");
	assert_string_equal(r.parent, "suite");
	assert_int_equal(r.status, RS_FAILED);
	assert_int_equal(r.duration_ms, 12);
	assert_string_equal(r.message, "boom");
	assert_string_equal(r.stdout_text, "o");
	assert_null(r.stderr_text);
	assert_int_equal(r.attempt, 2);
	assert_int_equal(r.exit_code, 139);
	assert_int_equal(r.started_at, 1795429800000);
	assert_int_equal(r.completed_at, 1795429800500);
	result_release(&r);
	assert_int_equal(parse("{\"test\":\"t\",\"status\":\"passed\"}", &r, &e), RC_OK);
	assert_int_equal(r.attempt, 0); /* the next attempt */
	assert_int_equal(r.exit_code, -1);
	result_release(&r);
}

/* The field named at the start of the error for each bad object. */
static void bad_result_objects_name_the_field(void **state)
{
	static const struct {
		const char *json, *field;
	} cases[] = {
		{ "{\"status\":\"passed\"}", "test:" },
		{ "{\"test\":\"\",\"status\":\"passed\"}", "test:" },
		{ "{\"test\":7,\"status\":\"passed\"}", "test:" },
		{ "{\"test\":\"t\"}", "status:" },
		{ "{\"test\":\"t\",\"status\":\"green\"}", "status:" },
		{ "{\"test\":\"t\",\"status\":\"passed\",\"duration_ms\":-1}", "duration_ms:" },
		{ "{\"test\":\"t\",\"status\":\"passed\",\"duration_ms\":\"5\"}", "duration_ms:" },
		{ "{\"test\":\"t\",\"status\":\"passed\",\"attempt\":1e12}", "attempt:" },
		{ "{\"test\":\"t\",\"status\":\"passed\",\"message\":{}}", "message:" },
		{ "{\"test\":\"t\",\"status\":\"passed\",\"started_at\":\"noon\"}", "started_at:" },
		{ "{\"test\":\"t\",\"status\":\"passed\",\"parent\":\"p\"}", "parent:" },
		{ "{\"test\":\"p/\",\"status\":\"passed\",\"parent\":\"p\"}", "parent:" },
		{ "{\"test\":\"a\\u0000b\",\"status\":\"passed\"}", "test:" },
		{ "[1]", "a result" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct result r;
		struct error e = ERROR_INIT;
		json_error_t je;
		json_t *v = json_loads(cases[i].json, JSON_ALLOW_NUL, &je);
		assert_non_null(v);
		int rc = json_result_parse(v, &r, &e);
		json_decref(v);
		result_release(&r);
		if (rc != RC_PARSE || strncmp(e.msg, cases[i].field, strlen(cases[i].field)))
			fail_msg("%s: rc %d, message '%s'", cases[i].json, rc, e.msg);
	}
}

static void every_route_has_a_unique_name_and_documented_answers(void **state)
{
	for (size_t i = 0; i < http_routes_n; i++) {
		const struct route *r = &http_routes[i];
		assert_non_null(r->handler);
		assert_true(r->summary && *r->summary);
		assert_true(r->answers && *r->answers);
		assert_true(!strcmp(r->head.method, "GET") || !strcmp(r->head.method, "POST") ||
			    !strcmp(r->head.method, "DELETE"));
		for (size_t j = 0; j < i; j++) {
			assert_string_not_equal(r->name, http_routes[j].name);
			/* two rows with the same method and path: the second is dead */
			assert_false(!strcmp(r->head.method, http_routes[j].head.method) &&
				     !strcmp(r->head.pattern, http_routes[j].head.pattern));
		}
		struct route_match m;
		char path[256];
		snprintf(path, sizeof(path), "%s", r->head.pattern);
		char *at = strstr(path, "{id}");
		if (at)
			memcpy(at, "abcd", 4);
		if ((at = strstr(path, "{token}")))
			memcpy(at, "secret!", 7);
		assert_int_equal(router_match(http_routes, http_routes_n, sizeof(http_routes[0]),
					      r->head.method, path, &m),
				 (int)i);
	}
}

static void the_openapi_document_lists_every_route(void **state)
{
	json_t *doc = openapi_document();
	json_t *paths = json_object_get(doc, "paths");
	size_t ops = 0;
	const char *p;
	json_t *item;
	json_object_foreach(paths, p, item)
		ops += json_object_size(item);
	assert_int_equal(ops, http_routes_n);
	for (size_t i = 0; i < http_routes_n; i++) {
		char method[8];
		snprintf(method, sizeof(method), "%s", http_routes[i].head.method);
		for (char *c = method; *c; c++)
			*c = (char)(*c | 0x20);
		json_t *op = json_object_get(json_object_get(paths, http_routes[i].head.pattern),
					     method);
		assert_non_null(op);
		assert_string_equal(json_string_value(json_object_get(op, "operationId")),
				    http_routes[i].name);
	}
	json_decref(doc);
}

static void metrics_render_counters_in_prometheus_text(void **state)
{
	struct metrics *m = metrics_new(2);
	const char *names[] = { "a", "b" };
	metrics_request(m, 0, 200, 300000);     /* 0.3 ms */
	metrics_request(m, 0, 200, 3000000000); /* 3 s */
	metrics_request(m, 1, 418, 1);
	metrics_request(m, -1, 404, 1);
	metrics_results(m, 7);
	struct buf b = BUF_INIT;
	metrics_render(m, names, &b);
	assert_non_null(strstr(b.data, "assay_http_requests_total{route=\"a\",code=\"200\"} 2\n"));
	assert_non_null(strstr(b.data, "assay_http_requests_total{route=\"b\",code=\"other\"} 1\n"));
	assert_non_null(strstr(b.data, "assay_http_requests_total{route=\"none\",code=\"404\"} 1\n"));
	assert_non_null(strstr(b.data, "duration_seconds_bucket{route=\"a\",le=\"0.0005\"} 1\n"));
	assert_non_null(strstr(b.data, "duration_seconds_bucket{route=\"a\",le=\"2.5\"} 1\n"));
	assert_non_null(strstr(b.data, "duration_seconds_bucket{route=\"a\",le=\"+Inf\"} 2\n"));
	assert_non_null(strstr(b.data, "assay_results_ingested_total 7\n"));
	buf_release(&b);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(routes_match_by_method_and_literal_segments),
		cmocka_unit_test(params_capture_one_whole_segment),
		cmocka_unit_test(a_known_path_with_another_method_lists_the_allowed_ones),
		cmocka_unit_test(run_cursors_round_trip_and_refuse_garbage),
		cmocka_unit_test(result_cursors_round_trip_and_refuse_garbage),
		cmocka_unit_test(query_values_parse_strictly),
		cmocka_unit_test(result_objects_are_read_with_every_field),
		cmocka_unit_test(bad_result_objects_name_the_field),
		cmocka_unit_test(every_route_has_a_unique_name_and_documented_answers),
		cmocka_unit_test(the_openapi_document_lists_every_route),
		cmocka_unit_test(metrics_render_counters_in_prometheus_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
