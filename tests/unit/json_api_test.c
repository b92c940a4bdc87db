/* json_api_test — the API's JSON objects. json_run_text (the runs list
 * writes runs as text, without building jansson objects) must say exactly
 * what json_run says, for full runs, empty ones and odd text; the times a
 * reporter sends are taken only when they can be given back; a test's last
 * status is there when it has results; a posted suite output is checked
 * and bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <jansson.h>

#include "formats/json_api.h"
#include "util/buf.h"

#include "testlib.h"

/* Parses what json_run_text wrote and compares it with json_run. */
static void same_as_json_run(const struct run *r)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "[");
	json_run_text(&b, r);
	buf_adds(&b, "]");
	json_error_t je;
	json_t *text = json_loads(b.data, 0, &je);
	if (!text)
		fail_msg("not JSON: %s at %d: %s", je.text, je.position, b.data);
	json_t *obj = json_run(r);
	if (!json_equal(json_array_get(text, 0), obj)) {
		char *want = json_dumps(obj, JSON_COMPACT);
		fail_msg("json_run_text wrote\n%s\njson_run builds\n%s", b.data, want);
	}
	/* the same members in the same order, so the text matches byte for byte */
	char *want = json_dumps(obj, JSON_COMPACT);
	*strrchr(b.data, ']') = '\0';
	assert_string_equal(b.data + 1, want);
	free(want);
	json_decref(obj);
	json_decref(text);
	buf_release(&b);
}

static void a_full_run_reads_the_same(void **state)
{
	struct run r = { 0 };
	snprintf(r.id, sizeof(r.id), "%s", "0190aaaa-0000-7000-8000-00000000000a");
	r.project = "demo";
	r.title = "nightly \"quoted\" \\ back\nslash, tab\t, é, 😀";
	r.description = "line one\nline two";
	r.verdict = V_FAILED;
	r.lifecycle = LC_COMPLETED_FAILURES;
	r.environment = "ci";
	r.triggered_by = "ci@host";
	r.definition = "unit all";
	r.milestone = "1.0";
	r.pool = "linux";
	r.created_at = 1700000000123;
	r.started_at = 1700000000200;
	r.completed_at = 1700000005000;
	r.duration_ms = 4800;
	r.total = 12;
	for (int i = 0; i < RS__COUNT; i++) {
		r.counts[i] = i * 3;
		r.sub_counts[i] = i * 7 + 1;
	}
	r.flaky = 2;
	r.context_json = "{\"build\":\"b1\",\"n\":3,\"nested\":{\"a\":[1,2]}}";
	r.reason = "2 tests failed";
	same_as_json_run(&r);
}

static void an_empty_run_reads_the_same(void **state)
{
	struct run r = { 0 };
	snprintf(r.id, sizeof(r.id), "%s", "0190aaaa-0000-7000-8000-00000000000b");
	r.lifecycle = LC_QUEUED;
	same_as_json_run(&r); /* nulls, no times, duration null, context {} */
	r.context_json = "{}";
	same_as_json_run(&r);
	r.context_json = "not json"; /* a damaged column answers {} either way */
	same_as_json_run(&r);
}

static bool time_of(json_t *v, int64_t *ms)
{
	bool ok = json_time_parse(v, ms);
	json_decref(v);
	return ok;
}

/* A time is taken only if json_time can give it back: after 1970, up to
 * the end of the year 9999 (found by fuzz/result_fuzz.c: a time in the year
 * 55 million was taken and shown as text no reporter could post again). */
static void times_are_taken_only_within_four_digit_years(void **state)
{
	int64_t ms;
	assert_true(time_of(json_integer(1763892001357), &ms));
	assert_int_equal(ms, 1763892001357);
	assert_true(time_of(json_integer(INT64_C(253402300799999)), &ms));
	json_t *back = json_time(ms);
	assert_string_equal(json_string_value(back), "9999-12-31T23:59:59.999Z");
	assert_true(time_of(back, &ms));
	assert_int_equal(ms, INT64_C(253402300799999));
	assert_false(time_of(json_integer(INT64_C(253402300800000)), &ms));
	assert_false(time_of(json_integer(INT64_C(1763892001357001357)), &ms));
	assert_false(time_of(json_integer(0), &ms));
	assert_false(time_of(json_integer(-5), &ms));
	assert_true(time_of(json_string("2026-11-23T10:00:00.123Z"), &ms));
	assert_int_equal(ms, INT64_C(1795428000123));
	assert_false(time_of(json_string("soon"), &ms));
}

/* A test's last status is shown whenever it has results, even when none
 * has a start time (a blocked test never started); none when it has none. */
static void a_test_without_start_times_has_a_last_status(void **state)
{
	(void)state;
	struct test_stat t = { .project = "shop", .name = "a", .results = 1,
			       .last_status = RS_BLOCKED };
	json_t *o = json_test_stat(&t);
	assert_string_equal(json_string_value(json_object_get(o, "project")), "shop");
	assert_string_equal(json_string_value(json_object_get(o, "last_status")), "blocked");
	assert_true(json_is_null(json_object_get(o, "last_at")));
	json_decref(o);
	t = (struct test_stat){ .name = "b", .last_status = RS_UNTESTED };
	o = json_test_stat(&t);
	assert_true(json_is_null(json_object_get(o, "last_status")));
	json_decref(o);
}

static void posted_output_is_kept_as_assay_run_keeps_it(void **state)
{
	/* 300 KB of stdout and message: the first and last 64 KiB are kept,
	 * the bytes between counted; a text already cut posts back unchanged. */
	size_t n = 300000;
	char *big = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\0';
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "test", "t", "status", "failed", "stdout",
			      big, "message", big);
	struct result r;
	struct error e = ERROR_INIT;
	assert_int_equal(json_result_parse(o, &r, &e), RC_OK);
	assert_true(strlen(r.stdout_text) < 2 * 64 * 1024 + 64);
	assert_int_equal(r.stdout_dropped, (int64_t)(n - 2 * 64 * 1024));
	assert_non_null(strstr(r.stdout_text, "bytes dropped"));
	assert_true(strlen(r.message) < 2 * 64 * 1024 + 64);
	assert_memory_equal(r.stdout_text, big, 64 * 1024);
	assert_memory_equal(r.stdout_text + strlen(r.stdout_text) - 64 * 1024, big + n - 64 * 1024,
			    64 * 1024);
	json_t *back = json_pack("{s:s, s:s, s:s}", "test", "t", "status", "failed", "stdout",
				 r.stdout_text);
	struct result again;
	assert_int_equal(json_result_parse(back, &again, &e), RC_OK);
	assert_string_equal(again.stdout_text, r.stdout_text);
	assert_int_equal(again.stdout_dropped, 0);
	result_release(&again);
	result_release(&r);
	json_decref(back);
	json_decref(o);
	free(big);
}

/* A suite output posted: a suite (possibly "", the run's top level) and
 * at least one non-empty text, each kept as a result's output is; what
 * json_suite_output writes reads back the same. */
static void a_posted_suite_output_is_checked_and_bounded(void **state)
{
	static const struct {
		const char *json, *error; /* NULL: taken */
	} cases[] = {
		{ "{\"suite\":\"com.acme.CartTest\",\"stdout\":\"log\"}", NULL },
		{ "{\"suite\":\"\",\"stderr\":\"top\",\"stdout\":null}", NULL },
		{ "{\"stdout\":\"log\"}", "suite: a string is required" },
		{ "{\"suite\":7,\"stdout\":\"log\"}", "suite: a string is required" },
		{ "{\"suite\":\"a\\u0000b\",\"stdout\":\"log\"}", "suite: longer than" },
		{ "{\"suite\":\"s\"}", "stdout, stderr: at least one" },
		{ "{\"suite\":\"s\",\"stdout\":\"\",\"stderr\":\"\"}",
		  "stdout, stderr: at least one" },
		{ "{\"suite\":\"s\",\"stdout\":[1]}", "stdout: must be a string" },
		{ "[]", "a suite output must be a JSON object" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *o = json_loads(cases[i].json, JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL);
		assert_non_null(o);
		struct suite_output so;
		struct error e = ERROR_INIT;
		int rc = json_suite_output_parse(o, &so, &e);
		if (cases[i].error) {
			assert_int_equal(rc, RC_PARSE);
			if (!strstr(e.msg, cases[i].error))
				fail_msg("%s: '%s' does not say '%s'", cases[i].json, e.msg,
					 cases[i].error);
		} else {
			assert_int_equal(rc, RC_OK);
		}
		suite_output_release(&so);
		json_decref(o);
	}
	/* A long suite name is refused; 300 KB of log keep their two ends. */
	char *name = xmalloc(5000);
	memset(name, 'n', 4999);
	name[4999] = '\0';
	json_t *o = json_pack("{s:s, s:s}", "suite", name, "stdout", "x");
	struct suite_output so;
	struct error e = ERROR_INIT;
	assert_int_equal(json_suite_output_parse(o, &so, &e), RC_PARSE);
	suite_output_release(&so);
	json_decref(o);
	free(name);
	size_t n = 300000;
	char *big = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\0';
	o = json_pack("{s:s, s:s}", "suite", "S", "stdout", big);
	assert_int_equal(json_suite_output_parse(o, &so, &e), RC_OK);
	assert_true(strlen(so.stdout_text) < 2 * 64 * 1024 + 64);
	assert_non_null(strstr(so.stdout_text, "bytes dropped"));
	assert_memory_equal(so.stdout_text, big, 64 * 1024);
	json_decref(o);
	o = json_suite_output(&so, true);
	struct suite_output again;
	assert_int_equal(json_suite_output_parse(o, &again, &e), RC_OK);
	assert_string_equal(again.suite, "S");
	assert_string_equal(again.stdout_text, so.stdout_text);
	assert_null(again.stderr_text);
	suite_output_release(&again);
	suite_output_release(&so);
	json_decref(o);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_full_run_reads_the_same),
		cmocka_unit_test(an_empty_run_reads_the_same),
		cmocka_unit_test(times_are_taken_only_within_four_digit_years),
		cmocka_unit_test(a_test_without_start_times_has_a_last_status),
		cmocka_unit_test(posted_output_is_kept_as_assay_run_keeps_it),
		cmocka_unit_test(a_posted_suite_output_is_checked_and_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
