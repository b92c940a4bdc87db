/* Unit tests of formats/ctrf_read and the tokenizer under it,
 * formats/json_stream: real-looking reports in tests/data/ctrf/ (jest, an
 * older reporter; playwright, the current schema; a hand-written one with
 * keys in odd orders), each read whole and in every chunk size; escapes,
 * surrogates and invalid UTF-8; malformed, truncated and deep documents;
 * numbers; bounded memory for huge strings and many tests; sniffing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <malloc.h>
#include <math.h>

#include "formats/ctrf_read.h"
#include "formats/json_stream.h"
#include "util/buf.h"

#include "testlib.h"

/* ---- helpers ---- */

struct attempt_copy {
	int attempt;
	enum result_status status;
	char *message, *trace;
	int64_t duration_ms, start_ms, stop_ms;
};

/* A delivered test, copied (the reader's strings live only during the callback). */
struct tc {
	char *id, *name, *suite, *ctrf_status, *raw_status, *message, *trace, *file, *type, *out,
		*err, *tags;
	enum result_status status;
	int64_t duration_ms, start_ms, stop_ms, file_line;
	int retries, line;
	bool flaky;
	struct attempt_copy *attempts;
	size_t n_attempts, n_tags;
};

struct run {
	struct tc *tests;
	size_t n, cap;
	struct buf log; /* everything delivered and the result, for comparison */
	int rc;
	struct error e;
	struct ctrf_summary sum;
};

static void collect(void *ctx, const struct ctrf_test *t)
{
	struct run *r = ctx;
	GROW(r->tests, r->cap, r->n + 1);
	struct tc *c = &r->tests[r->n++];
	struct buf id = BUF_INIT, tags = BUF_INIT;
	ctrf_test_id(t, &id);
	for (size_t i = 0; i < t->n_tags; i++)
		buf_addf(&tags, "%s%s", i ? "," : "", t->tags[i]);
	*c = (struct tc){
		.id = buf_detach(&id),
		.name = xstrdup(t->name),
		.suite = xstrdup(t->suite),
		.ctrf_status = xstrdup(t->ctrf_status),
		.raw_status = xstrdup(t->raw_status),
		.message = xstrdup(t->message),
		.trace = xstrdup(t->trace),
		.file = xstrdup(t->file),
		.type = xstrdup(t->type),
		.out = xstrdup(t->system_out),
		.err = xstrdup(t->system_err),
		.tags = buf_detach(&tags),
		.status = t->status,
		.duration_ms = t->duration_ms,
		.start_ms = t->start_ms,
		.stop_ms = t->stop_ms,
		.file_line = t->file_line,
		.retries = t->retries,
		.line = t->line,
		.flaky = t->flaky,
		.n_attempts = t->n_attempts,
		.n_tags = t->n_tags,
	};
	buf_addf(&r->log, "%s|%s|%d|%s|%s|%lld|%lld|%lld|%s|%s|%s:%lld|%s|%d|%d|%s|%s|%s|@%d\n",
		 c->id, c->suite, c->status, c->ctrf_status, c->raw_status,
		 (long long)c->duration_ms, (long long)c->start_ms, (long long)c->stop_ms, c->message,
		 c->trace, c->file, (long long)c->file_line, c->type, c->retries, c->flaky, c->out,
		 c->err, c->tags, c->line);
	c->attempts = xcalloc(t->n_attempts + 1, sizeof(*c->attempts));
	for (size_t i = 0; i < t->n_attempts; i++) {
		const struct ctrf_attempt *a = &t->attempts[i];
		c->attempts[i] = (struct attempt_copy){ a->attempt,
							a->status,
							xstrdup(a->message),
							xstrdup(a->trace),
							a->duration_ms,
							a->start_ms,
							a->stop_ms };
		buf_addf(&r->log, "  attempt %d|%d|%s|%s|%lld|%lld|%lld\n", a->attempt, a->status,
			 a->message, a->trace, (long long)a->duration_ms, (long long)a->start_ms,
			 (long long)a->stop_ms);
	}
}

static void run_release(struct run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct tc *c = &r->tests[i];
		char *fields[] = { c->id,      c->name,  c->suite, c->ctrf_status, c->raw_status,
				   c->message, c->trace, c->file,  c->type,        c->out,
				   c->err,     c->tags };
		for (size_t k = 0; k < ARRAY_SIZE(fields); k++)
			free(fields[k]);
		for (size_t k = 0; k < c->n_attempts; k++) {
			free(c->attempts[k].message);
			free(c->attempts[k].trace);
		}
		free(c->attempts);
	}
	free(r->tests);
	buf_release(&r->log);
	ctrf_summary_release(&r->sum);
	memset(r, 0, sizeof(*r));
}

static void log_summary(struct run *r)
{
	const struct ctrf_summary *s = &r->sum;
	buf_addf(&r->log, "format %s %s by %s at %s; tool %s %s\n", s->report_format,
		 s->spec_version, s->generated_by, s->timestamp, s->tool_name, s->tool_version);
	for (size_t i = 0; i < s->n_environment; i++)
		buf_addf(&r->log, "env %s=%s\n", s->environment[i].key, s->environment[i].value);
	buf_addf(&r->log, "declared %lld %lld %lld %lld %lld %lld %lld %lld..%lld\n",
		 (long long)s->tests, (long long)s->passed, (long long)s->failed,
		 (long long)s->skipped, (long long)s->pending, (long long)s->other,
		 (long long)s->flaky, (long long)s->start_ms, (long long)s->stop_ms);
	buf_addf(&r->log, "delivered %lld dropped %lld problem %s\n", (long long)s->delivered,
		 (long long)s->dropped, s->problem ? s->problem : "-");
}

/* Reads `data` in chunks of `chunk` bytes (0: all at once) into `out`;
 * out->rc and out->e hold the first failure of feed or finish. */
static void ctrf_run(const char *data, size_t n, size_t chunk, struct run *out)
{
	memset(out, 0, sizeof(*out));
	struct ctrf_callbacks cb = { collect, out };
	struct ctrf_reader *r = ctrf_reader_new(&cb);
	if (!chunk)
		chunk = n ? n : 1;
	for (size_t i = 0; i < n && !out->rc; i += chunk)
		out->rc = ctrf_feed(r, data + i, n - i < chunk ? n - i : chunk, &out->e);
	if (!out->rc)
		out->rc = ctrf_finish(r, &out->sum, &out->e);
	ctrf_reader_free(r);
	if (!out->rc)
		log_summary(out);
	buf_addf(&out->log, "rc %d %s\n", out->rc, out->rc ? out->e.msg : "");
}

/* Reads `data` whole into `out`, then in every chunk size from 1 byte to
 * the whole, and checks that each reading gives the same tests and result. */
static void ctrf_read_all_ways(const char *data, size_t n, struct run *out)
{
	ctrf_run(data, n, 0, out);
	for (size_t chunk = 1; chunk <= n; chunk++) {
		struct run again;
		ctrf_run(data, n, chunk, &again);
		if (strcmp(again.log.data, out->log.data))
			fail_msg("chunks of %zu bytes gave\n%s\ninstead of\n%s", chunk,
				 again.log.data, out->log.data);
		run_release(&again);
	}
}

static void ctrf_read_file(const char *rel, struct run *out)
{
	size_t n;
	char *data = read_data(rel, &n);
	ctrf_read_all_ways(data, n, out);
	free(data);
}

static void ctrf_read_str(const char *s, struct run *out)
{
	ctrf_read_all_ways(s, strlen(s), out);
}

/* A report holding `tests` (the inside of the tests array). */
static void ctrf_read_tests(const char *tests, struct run *out)
{
	char *doc = xasprintf("{\"results\":{\"tool\":{\"name\":\"t\"},\"tests\":[%s]}}", tests);
	ctrf_read_str(doc, out);
	free(doc);
}

/* ---- real reports ---- */

static void jest_report_maps_statuses_and_keeps_suite_paths(void **state)
{
	struct run r;
	ctrf_read_file("ctrf/jest.json", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 6);
	assert_string_equal(r.sum.report_format, ""); /* an older reporter: no reportFormat */
	assert_string_equal(r.sum.tool_name, "jest");
	assert_string_equal(r.sum.tool_version, "29.7.0");
	assert_int_equal(r.sum.tests, 6);
	assert_int_equal(r.sum.other, 1);
	assert_int_equal(r.sum.flaky, -1);
	assert_int_equal(r.sum.start_ms, 1706828654274);
	assert_int_equal(r.sum.delivered, 6);
	assert_int_equal(r.sum.dropped, 0);
	assert_null(r.sum.problem);

	struct tc *t = &r.tests[0];
	assert_string_equal(t->id, "cart.test.js > Cart/Cart adds an item");
	assert_int_equal(t->status, RS_PASSED);
	assert_int_equal(t->duration_ms, 3);
	assert_int_equal(t->start_ms, 1706828654280);
	assert_int_equal(t->stop_ms, 1706828654283);
	assert_string_equal(t->file, "/home/ci/shop/src/cart.test.js");
	assert_int_equal(t->file_line, -1);
	assert_string_equal(t->type, "unit");
	assert_int_equal(t->n_tags, 0);
	assert_int_equal(t->line, 18);

	t = &r.tests[1];
	assert_int_equal(t->status, RS_FAILED);
	assert_string_equal(t->message,
			    "expect(received).toBe(expected) // Object.is equality\n\nExpected: 90\nReceived: 100");
	assert_non_null(strstr(t->trace, "\n    at Object.toBe (/home/ci/shop/src/cart.test.js:21:28)\n"));
	assert_string_equal(r.tests[2].name, "Cart handles caf\xc3\xa9 \xe2\x98\x95 names");
	/* pending and skipped are skipped; "other" is skipped when the tool's
	 * own status says the test was not run (a todo) */
	assert_int_equal(r.tests[3].status, RS_SKIPPED);
	assert_string_equal(r.tests[3].ctrf_status, "pending");
	assert_int_equal(r.tests[4].status, RS_SKIPPED);
	assert_int_equal(r.tests[5].status, RS_SKIPPED);
	assert_string_equal(r.tests[5].ctrf_status, "other");
	assert_string_equal(r.tests[5].raw_status, "todo");
	assert_string_equal(r.tests[5].id, "checkout.test.js > Checkout/Checkout supports gift cards");

	/* environment: scalars in order, numbers as written, objects left out */
	assert_int_equal(r.sum.n_environment, 6);
	assert_string_equal(r.sum.environment[0].key, "appName");
	assert_string_equal(r.sum.environment[0].value, "shop");
	assert_string_equal(r.sum.environment[2].key, "buildNumber");
	assert_string_equal(r.sum.environment[2].value, "1289");
	assert_string_equal(r.sum.environment[5].key, "osRelease");
	run_release(&r);
}

static void playwright_report_has_retries_flaky_attempts_and_output(void **state)
{
	struct run r;
	ctrf_read_file("ctrf/playwright.json", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 5);
	assert_string_equal(r.sum.report_format, "CTRF");
	assert_string_equal(r.sum.spec_version, "0.0.0");
	assert_string_equal(r.sum.generated_by, "playwright-ctrf-json-reporter");
	assert_string_equal(r.sum.timestamp, "2025-03-14T09:26:53.589Z");
	assert_string_equal(r.sum.tool_name, "playwright");
	assert_int_equal(r.sum.n_environment, 9);
	assert_string_equal(r.sum.environment[8].key, "testEnvironment");
	assert_string_equal(r.sum.environment[8].value, "staging");

	struct tc *t = &r.tests[0];
	/* the current schema's suite array is joined as older reporters wrote it */
	assert_string_equal(t->suite, "chromium > home.spec.ts > Home");
	assert_string_equal(t->id, "chromium > home.spec.ts > Home/has title");
	assert_string_equal(t->tags, "@smoke");
	assert_string_equal(t->out, "navigating to /\ntitle: Shop");
	assert_string_equal(t->err, "");
	assert_int_equal(t->n_attempts, 0);

	/* flaky: passed on the retry; the failed first run is the attempt */
	t = &r.tests[1];
	assert_int_equal(t->status, RS_PASSED);
	assert_true(t->flaky);
	assert_int_equal(t->retries, 1);
	assert_int_equal(t->duration_ms, 1545); /* 1545.25 */
	assert_int_equal(t->file_line, 14);
	assert_string_equal(t->tags, "@smoke,@auth");
	assert_string_equal(t->out, "attempt 2\n\nlogged in");
	assert_string_equal(t->err, "[WebServer] warn: slow response\n");
	assert_int_equal(t->n_attempts, 1);
	assert_int_equal(t->attempts[0].attempt, 1);
	assert_int_equal(t->attempts[0].status, RS_FAILED);
	assert_int_equal(t->attempts[0].duration_ms, 30004);
	assert_string_equal(t->attempts[0].message, "Test timeout of 30000ms exceeded.");
	assert_true(strncmp(t->attempts[0].trace, "Error: page.click: Test timeout", 31) == 0);
	assert_int_equal(t->attempts[0].start_ms, -1);

	/* failed every time: two earlier attempts, oldest first */
	t = &r.tests[2];
	assert_int_equal(t->status, RS_FAILED);
	assert_false(t->flaky);
	assert_int_equal(t->n_attempts, 2);
	assert_string_equal(t->attempts[0].message, "Error: expect(locator).toBeVisible() failed (1)");
	assert_int_equal(t->attempts[1].attempt, 2);
	assert_int_equal(t->attempts[1].duration_ms, 5134); /* 5133.6 */

	assert_int_equal(r.tests[3].status, RS_FAILED);
	assert_string_equal(r.tests[3].raw_status, "timedOut");
	assert_string_equal(r.tests[3].suite, "firefox > checkout.spec.ts");
	assert_int_equal(r.tests[4].status, RS_SKIPPED);
	run_release(&r);
}

static void keys_in_any_order_and_unknown_subtrees_are_read_past(void **state)
{
	struct run r;
	/* a BOM, CRLF line ends, tabs; tests before tool, summary and
	 * environment; keys inside tests in odd orders; "name" and "tests"
	 * keys in unknown objects at every level */
	ctrf_read_file("ctrf/odd_order.json", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.sum.tool_name, "pytest");
	assert_string_equal(r.sum.tool_version, "8.1.1");
	assert_string_equal(r.sum.generated_by, "hand-written");
	assert_int_equal(r.sum.tests, 5);
	assert_int_equal(r.sum.stop_ms, 1700000000100);
	assert_int_equal(r.sum.n_environment, 3);
	assert_string_equal(r.sum.environment[1].key, "ci");
	assert_string_equal(r.sum.environment[1].value, "true");
	assert_string_equal(r.sum.environment[2].value, "12.0");

	struct tc *t = &r.tests[0];
	assert_string_equal(t->id, "api/users/creates a user");
	assert_int_equal(t->status, RS_PASSED);
	assert_int_equal(t->duration_ms, 1500); /* 1.5e3 */
	assert_int_equal(t->line, 4);

	/* an older "attempts" list that holds the final run too (retries + 1
	 * elements): the final one is the test itself */
	t = &r.tests[1];
	assert_string_equal(t->name, "lists users");
	assert_int_equal(t->duration_ms, 0); /* -0 */
	assert_true(t->flaky);
	assert_int_equal(t->n_attempts, 1);
	assert_string_equal(t->attempts[0].message, "ECONNRESET");
	assert_int_equal(t->attempts[0].attempt, 0);
	assert_string_equal(t->out, "one string, not an array");

	t = &r.tests[2];
	assert_string_equal(t->id, "api/orders/deletes an order");
	assert_string_equal(t->tags, "slow,42,db");
	assert_string_equal(t->err, "first\n\nthird");
	assert_int_equal(t->stop_ms, 1700000000007);

	/* two tests without a usable name were left out, and said so */
	assert_int_equal(r.sum.delivered, 3);
	assert_int_equal(r.sum.dropped, 2);
	assert_string_equal(r.sum.problem,
			    "line 6: a test without a name (missing, null, empty or not a string) was left out");
	run_release(&r);
}

/* ---- names and statuses ---- */

static void tests_without_a_usable_name_are_dropped_and_counted(void **state)
{
	struct run r;
	ctrf_read_tests("{\"name\":\"ok\",\"status\":\"passed\"},\n"
			"{\"name\":\"\",\"status\":\"passed\"},\n"
			"{\"name\":42,\"status\":\"passed\"},\n"
			"{\"name\":[\"a\"],\"status\":\"passed\"},\n"
			"{\"name\":{\"first\":\"a\"},\"status\":\"passed\"},\n"
			"{\"name\":\"later null\",\"name\":null},\n"
			"\"not an object\",\n"
			"[{\"name\":\"in an array\"}],\n"
			"null,\n"
			"{\"name\":null,\"name\":\"later a string\"}",
			&r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.tests[0].name, "ok");
	assert_string_equal(r.tests[1].name, "later a string");
	assert_int_equal(r.sum.dropped, 8);
	assert_string_equal(r.sum.problem,
			    "line 2: a test without a name (missing, null, empty or not a string) was left out");
	run_release(&r);
}

static void statuses_map_onto_result_statuses(void **state)
{
	static const struct {
		const char *fields;
		enum result_status want;
	} rows[] = {
		{ "\"status\":\"passed\"", RS_PASSED },
		{ "\"status\":\"Passed\"", RS_PASSED },
		{ "\"status\":\"failed\"", RS_FAILED },
		{ "\"status\":\"skipped\"", RS_SKIPPED },
		{ "\"status\":\"pending\"", RS_SKIPPED },
		{ "\"status\":\"other\"", RS_ERROR },
		{ "\"status\":\"other\",\"rawStatus\":\"interrupted\"", RS_ERROR },
		{ "\"status\":\"other\",\"rawStatus\":\"todo\"", RS_SKIPPED },
		{ "\"status\":\"other\",\"rawStatus\":\"Disabled\"", RS_SKIPPED },
		{ "\"status\":\"other\",\"rawStatus\":\"xfailed\"", RS_SKIPPED },
		{ "\"status\":\"failed\",\"rawStatus\":\"todo\"", RS_FAILED },
		{ "\"status\":\"broken\"", RS_ERROR },
		{ "\"status\":null", RS_ERROR },
		{ "\"status\":1", RS_ERROR },
		{ "\"duration\":1", RS_ERROR },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char *doc = xasprintf("{\"results\":{\"tests\":[{\"name\":\"t\",%s}]}}", rows[i].fields);
		struct run r;
		ctrf_run(doc, strlen(doc), 0, &r);
		assert_int_equal(r.rc, RC_OK);
		assert_int_equal(r.n, 1);
		if (r.tests[0].status != rows[i].want)
			fail_msg("%s gave %s", rows[i].fields, status_name(r.tests[0].status));
		run_release(&r);
		free(doc);
	}
}

static void test_id_leaves_out_empty_parts(void **state)
{
	struct {
		const char *suite, *name, *id;
	} rows[] = {
		{ "api/users", "creates", "api/users/creates" },
		{ "chromium > login.spec.ts > Login", "logs in", "chromium > login.spec.ts > Login/logs in" },
		{ "", "lonely", "lonely" },
		{ NULL, "no suite", "no suite" },
		{ "", "", "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct ctrf_test t = { .suite = rows[i].suite, .name = rows[i].name };
		struct buf b = BUF_INIT;
		buf_adds(&b, "id:"); /* appends */
		ctrf_test_id(&t, &b);
		char *want = xasprintf("id:%s", rows[i].id);
		assert_string_equal(b.data, want);
		free(want);
		buf_release(&b);
	}
}

/* ---- text ---- */

static void unicode_escapes_and_surrogate_pairs_are_decoded(void **state)
{
	struct run r;
	ctrf_read_tests("{\"name\":\"caf\\u00e9 \\u00E9t\\u00e9 \\u2615 \\ud83d\\ude00 \\uD834\\uDD1E\","
			"\"suite\":\"tab\\there \\\"quoted\\\" back\\\\slash \\/ \\b\\f\\r\\n\","
			"\"message\":\"raw \xe2\x9c\x93 and \xf0\x9f\x98\x80 and \xc3\xa9\"}",
			&r);
	assert_int_equal(r.rc, RC_OK);
	assert_string_equal(r.tests[0].name, "caf\xc3\xa9 \xc3\xa9t\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x98\x80 \xf0\x9d\x84\x9e");
	assert_string_equal(r.tests[0].suite, "tab\there \"quoted\" back\\slash / \b\f\r\n");
	assert_string_equal(r.tests[0].message, "raw \xe2\x9c\x93 and \xf0\x9f\x98\x80 and \xc3\xa9");
	run_release(&r);
}

static void invalid_utf8_and_lone_surrogates_become_replacement_characters(void **state)
{
#define FFFD "\xef\xbf\xbd"
	static const struct {
		const char *in, *want;
	} rows[] = {
		{ "\\ud800", FFFD },                      /* lone high at the end */
		{ "\\ud800x", FFFD "x" },                 /* lone high, then a character */
		{ "\\udc00", FFFD },                      /* lone low */
		{ "\\ud800\\n", FFFD "\n" },              /* high, then another escape */
		{ "\\ud800\\ud800\\udc00", FFFD "\xf0\x90\x80\x80" }, /* high, then a pair */
		{ "\\ud800\\u0041", FFFD "A" },           /* high, then not a low */
		{ "\\u0000", FFFD },                      /* NUL cannot live in a C string */
		{ "a\xe9z", "a" FFFD "z" },               /* a Latin-1 byte */
		{ "\xc0\xaf", FFFD FFFD },                /* overlong '/' */
		{ "\xed\xa0\x80", FFFD FFFD FFFD },       /* an encoded surrogate */
		{ "\xe2\x98", FFFD },                     /* cut short by the quote */
		{ "\xe2\x98x", FFFD "x" },                /* cut short by a character */
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD }, /* past U+10FFFF */
		{ "\xff", FFFD },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char *tests = xasprintf("{\"name\":\"n\",\"message\":\"%s\"}", rows[i].in);
		struct run r;
		ctrf_read_tests(tests, &r);
		assert_int_equal(r.rc, RC_OK);
		if (strcmp(r.tests[0].message, rows[i].want))
			fail_msg("row %zu gave \"%s\"", i, r.tests[0].message);
		run_release(&r);
		free(tests);
	}
#undef FFFD
}

/* ---- numbers ---- */

static void numbers_are_read_in_every_json_form(void **state)
{
	static const struct {
		const char *text;
		double want;
	} rows[] = {
		{ "0", 0 },         { "-0", 0 },          { "12", 12 },
		{ "1.5e3", 1500 },  { "1.5E+3", 1500 },   { "25e-1", 2.5 },
		{ "-12.25", -12.25 }, { "0.001", 0.001 }, { "1706828654274", 1706828654274.0 },
		{ "123456789012345678901234", 1.2345678901234568e23 },
		{ "0.000000000000000000000000001", 1e-27 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		double v = -1;
		assert_true(json_number_value(rows[i].text, &v));
		if (fabs(v - rows[i].want) > fabs(rows[i].want) * 1e-15)
			fail_msg("%s gave %.17g", rows[i].text, v);
	}
	const char *bad[] = { "", "-", "01x", "1.", ".5", "1e", "1e+", "+1", "1e999", "NaN" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		double v;
		if (json_number_value(bad[i], &v))
			fail_msg("\"%s\" was read as %g", bad[i], v);
	}

	/* in a test: fractions rounded; unreadable or negative durations are absent */
	struct run r;
	ctrf_read_tests("{\"name\":\"a\",\"duration\":12.5,\"start\":1e3,\"stop\":-0},"
			"{\"name\":\"b\",\"duration\":-3,\"retries\":2.0},"
			"{\"name\":\"c\",\"duration\":1e400},"
			"{\"name\":\"d\",\"duration\":1000000000000000000000000000000000000000000000000000000000000000000000000},"
			"{\"name\":\"e\",\"duration\":\"12\",\"line\":null}",
			&r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.tests[0].duration_ms, 13);
	assert_int_equal(r.tests[0].start_ms, 1000);
	assert_int_equal(r.tests[0].stop_ms, 0);
	assert_int_equal(r.tests[1].duration_ms, -1);
	assert_int_equal(r.tests[1].retries, 2);
	assert_int_equal(r.tests[2].duration_ms, -1);
	assert_int_equal(r.tests[3].duration_ms, -1); /* longer than a number is kept */
	assert_int_equal(r.tests[4].duration_ms, -1);
	assert_int_equal(r.tests[4].file_line, -1);
	run_release(&r);
}

/* ---- refusals and errors ---- */

static void malformed_json_names_line_and_column(void **state)
{
	static const struct {
		const char *doc, *msg;
	} rows[] = {
		{ "{\"results\" {}}", "line 1, column 12: expected ':' after the key but found '{'" },
		{ "{\"results\":{\"tests\":[],}}",
		  "line 1, column 24: expected a key (a string in double quotes) but found '}'" },
		{ "{\"results\":{\"tests\":[1,]}}", "line 1, column 24: expected a value but found ']'" },
		{ "{'results':{}}", "line 1, column 2: expected a key (a string in double quotes) but found '''" },
		{ "{\"results\":{\"tests\":[]}\n \"x\":1}", "line 2, column 2: expected ',' or '}' but found '\"'" },
		{ "{\"results\":{\"tests\":[]]}", "line 1, column 23: expected ',' or '}' but found ']'" },
		{ "{\"a\":01}", "line 1, column 7: a number must not start with 0 followed by a digit" },
		{ "{\"a\":1.}", "line 1, column 8: expected a digit after '.' but found '}'" },
		{ "{\"a\":-x}", "line 1, column 7: expected a digit after '-' but found 'x'" },
		{ "{\"a\":1e}", "line 1, column 8: expected a digit in the exponent but found '}'" },
		{ "{\"a\":+1}", "line 1, column 6: expected a value but found '+'" },
		{ "{\"a\":tru}", "line 1, column 9: invalid literal (expected \"true\")" },
		{ "{\"a\":nul}", "line 1, column 9: invalid literal (expected \"null\")" },
		{ "{\"a\":\"\\x\"}", "line 1, column 8: invalid escape \\x in a string" },
		{ "{\"a\":\"\\u12g4\"}", "line 1, column 11: invalid \\u escape: 'g' is not a hex digit" },
		{ "{\"a\":\"two\nlines\"}", "line 1, column 10: control character U+000A in a string (it must be escaped)" },
		{ "{\"a\":\"\xc3\xa9\xc3\xa9\t\"}", "line 1, column 9: control character U+0009 in a string (it must be escaped)" },
		{ "\xef\xbb\xbf{\"a\":\xe2\x9c\x93}", "line 1, column 6: expected a value but found byte 0xE2" },
		{ "\xef\xbb{}", "line 1, column 1: invalid byte order mark (the document is not UTF-8 JSON)" },
		{ "\xff\xfe{\x00}\x00", "line 1, column 1: expected a value but found byte 0xFF" },
		{ " \xef\xbb\xbf{}", "line 1, column 2: expected a value but found byte 0xEF" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct run r;
		ctrf_read_str(rows[i].doc, &r);
		assert_int_equal(r.rc, RC_PARSE);
		assert_int_equal(r.e.code, RC_PARSE);
		if (strcmp(r.e.msg, rows[i].msg))
			fail_msg("row %zu: \"%s\" instead of \"%s\"", i, r.e.msg, rows[i].msg);
		run_release(&r);
	}
}

static void truncated_document_fails_at_finish_with_line_and_column(void **state)
{
	struct run r;
	ctrf_read_str("{\"results\":{\"tests\":[\n  {\"name\":\"done\",\"status\":\"passed\"},\n"
		      "  {\"name\":\"cut\",\"message\":\"half a mess",
		      &r);
	assert_int_equal(r.rc, RC_PARSE);
	assert_string_equal(r.e.msg, "line 3, column 39: unexpected end of document inside a string");
	assert_int_equal(r.n, 1); /* the complete test before the cut was delivered */
	run_release(&r);

	const struct {
		const char *doc, *msg;
	} rows[] = {
		{ "", "line 1, column 1: the document is empty" },
		{ " \n\t", "line 2, column 2: the document is empty" },
		{ "{\"results\":{\"tests\":[]}", "line 1, column 24: unexpected end of document (1 container still open)" },
		{ "{\"results\":{\"tests\":[", "line 1, column 22: unexpected end of document (3 containers still open)" },
		{ "{\"results\":{\"tests\":[],\"x\":-", "line 1, column 29: unexpected end of document inside a number" },
		{ "{\"results\":{\"tests\":[],\"x\":1.", "line 1, column 30: unexpected end of document inside a number" },
		{ "{\"results\":{\"tests\":[],\"x\":12", "line 1, column 30: unexpected end of document (2 containers still open)" },
		{ "{\"results\":{\"tests\":[],\"x\":fals", "line 1, column 32: unexpected end of document inside \"false\"" },
		{ "{\"results\":{\"tests\":[],\"x\"", "line 1, column 27: unexpected end of document (2 containers still open)" },
		{ "{\"a\":\"\\ud83d\\u", "line 1, column 15: unexpected end of document inside a string" },
		{ "\xef\xbb", "line 1, column 1: invalid byte order mark (the document is not UTF-8 JSON)" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		ctrf_read_str(rows[i].doc, &r);
		assert_int_equal(r.rc, RC_PARSE);
		if (strcmp(r.e.msg, rows[i].msg))
			fail_msg("row %zu: \"%s\" instead of \"%s\"", i, r.e.msg, rows[i].msg);
		run_release(&r);
	}
}

static void trailing_garbage_is_refused_after_the_tests(void **state)
{
	struct run r;
	ctrf_read_str("{\"results\":{\"tests\":[{\"name\":\"a\"}]}}\n\n  x", &r);
	assert_int_equal(r.rc, RC_PARSE);
	assert_string_equal(r.e.msg, "line 3, column 3: unexpected 'x' after the end of the document");
	assert_int_equal(r.n, 1);
	run_release(&r);
	/* two documents (JSON lines) are not one report */
	ctrf_read_str("{\"results\":{\"tests\":[]}}\n{\"results\":{\"tests\":[]}}\n", &r);
	assert_string_equal(r.e.msg, "line 2, column 1: unexpected '{' after the end of the document");
	run_release(&r);
	/* trailing white space is fine */
	ctrf_read_str("{\"results\":{\"tests\":[]}} \r\n\t\n", &r);
	assert_int_equal(r.rc, RC_OK);
	run_release(&r);
}

static void documents_that_are_not_ctrf_are_refused(void **state)
{
	const struct {
		const char *doc, *msg;
	} rows[] = {
		{ "[{\"name\":\"x\"}]", "line 1, column 1: a CTRF report is a JSON object, not an array" },
		{ "  \"results\"", "line 1, column 3: a CTRF report is a JSON object, not a string" },
		{ "42", "line 1, column 1: a CTRF report is a JSON object, not a number" },
		{ "{}", "line 1, column 1: no \"results\" object: this is not a CTRF report" },
		{ "\n {\"name\":\"package\",\"version\":\"1.0.0\",\"extra\":{\"results\":{\"tests\":[]}}}",
		  "line 2, column 2: no \"results\" object: this is not a CTRF report" },
		{ "{\"results\":[]}", "line 1, column 12: \"results\" is an array, not an object" },
		{ "{\"results\":null}", "line 1, column 12: \"results\" is null, not an object" },
		{ "{\"results\":{\"tool\":{\"name\":\"x\"}}}", "line 1, column 32: \"results\" has no \"tests\" array" },
		{ "{\"results\":{\"tests\":{}}}", "line 1, column 21: \"tests\" is an object, not an array" },
		{ "{\"results\":{\"tests\":\"none\"}}", "line 1, column 21: \"tests\" is a string, not an array" },
		{ "{\"reportFormat\":\"JUnit\",\"results\":{\"tests\":[]}}",
		  "line 1, column 17: reportFormat is \"JUnit\", not \"CTRF\"" },
		{ "{\"reportFormat\":1,\"results\":{\"tests\":[]}}",
		  "line 1, column 17: reportFormat is \"1\", not \"CTRF\"" },
		{ "{\"results\":{\"tests\":[]},\"reportFormat\":[\"CTRF\"]}",
		  "line 1, column 40: reportFormat is an array, not \"CTRF\"" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct run r;
		ctrf_read_str(rows[i].doc, &r);
		assert_int_equal(r.rc, RC_PARSE);
		if (strcmp(r.e.msg, rows[i].msg))
			fail_msg("row %zu: \"%s\" instead of \"%s\"", i, r.e.msg, rows[i].msg);
		run_release(&r);
	}
	/* an empty run is fine, and reportFormat's case does not matter */
	struct run r;
	ctrf_read_str("{\"reportFormat\":\"ctrf\",\"results\":{\"tests\":[]}}", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 0);
	assert_string_equal(r.sum.tool_name, "");
	assert_int_equal(r.sum.tests, -1);
	run_release(&r);
}

static void nesting_deeper_than_64_is_refused(void **state)
{
	/* 60 arrays inside a test's "extra" (4 levels down) are 64 open containers */
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"results\":{\"tests\":[{\"name\":\"deep\",\"extra\":");
	for (int i = 0; i < 60; i++)
		buf_addc(&b, '[');
	for (int i = 0; i < 60; i++)
		buf_addc(&b, ']');
	buf_adds(&b, "}]}}");
	struct run r;
	ctrf_run(b.data, b.len, 0, &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 1);
	run_release(&r);

	/* one more is refused, and so is a flood of brackets */
	buf_reset(&b);
	buf_adds(&b, "{\"results\":{\"tests\":[{\"name\":\"deep\",\"extra\":");
	for (int i = 0; i < 61; i++)
		buf_addc(&b, '[');
	ctrf_run(b.data, b.len, 7, &r);
	assert_int_equal(r.rc, RC_PARSE);
	assert_string_equal(r.e.msg, "line 1, column 105: nesting deeper than 64 levels");
	run_release(&r);
	buf_reset(&b);
	for (int i = 0; i < 1000000; i++)
		buf_addc(&b, i % 2 ? '[' : '{');
	ctrf_run(b.data, b.len, 4096, &r);
	assert_int_equal(r.rc, RC_PARSE);
	run_release(&r);
	buf_release(&b);
}

static void errors_stay_until_the_reader_is_freed(void **state)
{
	struct ctrf_reader *rd = ctrf_reader_new(NULL);
	struct error e = ERROR_INIT;
	assert_int_equal(ctrf_feed(rd, "{\"results\":{]", 13, &e), RC_PARSE);
	char first[sizeof(e.msg)];
	memcpy(first, e.msg, sizeof(first));
	err_clear(&e);
	assert_int_equal(ctrf_feed(rd, "}}", 2, &e), RC_PARSE);
	assert_string_equal(e.msg, first);
	struct ctrf_summary s;
	assert_int_equal(ctrf_finish(rd, &s, &e), RC_PARSE);
	assert_string_equal(e.msg, first);
	ctrf_summary_release(&s); /* zeroed: safe */
	ctrf_reader_free(rd);

	rd = ctrf_reader_new(NULL);
	const char *doc = "{\"results\":{\"tests\":[{\"name\":\"x\"}]}}";
	assert_int_equal(ctrf_feed(rd, doc, strlen(doc), &e), RC_OK);
	assert_int_equal(ctrf_finish(rd, NULL, &e), RC_OK);
	assert_int_equal(ctrf_feed(rd, " ", 1, &e), RC_STATE);
	assert_int_equal(ctrf_finish(rd, &s, &e), RC_OK); /* again: the same summary */
	assert_int_equal(s.delivered, 1);
	ctrf_summary_release(&s);
	ctrf_reader_free(rd);
}

/* ---- bounds ---- */

/* Feeds `n` bytes of `c` to the reader in 64 KiB chunks; returns the
 * largest growth of the heap over `base` seen meanwhile. */
static size_t feed_filler(struct ctrf_reader *rd, char c, size_t n, size_t base)
{
	static char chunk[64 * 1024];
	memset(chunk, c, sizeof(chunk));
	struct error e = ERROR_INIT;
	size_t peak = 0;
	while (n) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
		assert_int_equal(ctrf_feed(rd, chunk, k, &e), RC_OK);
		n -= k;
		size_t now = heap_in_use();
		if (now > base && now - base > peak)
			peak = now - base;
	}
	return peak;
}

static void feed_str(struct ctrf_reader *rd, const char *s)
{
	struct error e = ERROR_INIT;
	assert_int_equal(ctrf_feed(rd, s, strlen(s), &e), RC_OK);
}

static void huge_strings_cost_bounded_memory(void **state)
{
	struct run r;
	memset(&r, 0, sizeof(r));
	struct ctrf_callbacks cb = { collect, &r };
	struct ctrf_reader *rd = ctrf_reader_new(&cb);
	size_t base = heap_in_use();
	/* 16 MiB under an unknown key, a 4 MiB unknown key, 16 MiB of message,
	 * 4 MiB of a name and of a stdout line */
	feed_str(rd, "{\"extra\":{\"blob\":\"");
	assert_true(feed_filler(rd, 'b', 16 << 20, base) < 256 * 1024);
	feed_str(rd, "\",\"");
	assert_true(feed_filler(rd, 'k', 4 << 20, base) < 256 * 1024);
	feed_str(rd, "\":1},\"results\":{\"tests\":[{\"message\":\"first line\\n");
	size_t peak = feed_filler(rd, 'x', 16 << 20, base);
	feed_str(rd, "\\nlast line\",\"name\":\"");
	size_t p = feed_filler(rd, 'n', 4 << 20, base);
	peak = p > peak ? p : peak;
	feed_str(rd, "\",\"stdout\":[\"short\",\"");
	p = feed_filler(rd, 'o', 4 << 20, base);
	peak = p > peak ? p : peak;
	feed_str(rd, "\"]}]}}");
	assert_true(peak < 512 * 1024);
	struct error e = ERROR_INIT;
	assert_int_equal(ctrf_finish(rd, NULL, &e), RC_OK);
	ctrf_reader_free(rd);

	assert_int_equal(r.n, 1);
	const char *m = r.tests[0].message;
	assert_true(strlen(m) < 65 * 1024);
	assert_true(strncmp(m, "first line\nxxx", 14) == 0);
	assert_non_null(strstr(m, "bytes dropped ...]"));
	assert_true(!strcmp(m + strlen(m) - 13, "xxx\nlast line"));
	assert_true(strlen(r.tests[0].name) < 5 * 1024);
	assert_true(strncmp(r.tests[0].out, "short\nooo", 9) == 0);
	assert_true(strlen(r.tests[0].out) < 65 * 1024);
	run_release(&r);
}

static void many_tests_cost_bounded_memory(void **state)
{
	struct run r;
	memset(&r, 0, sizeof(r));
	struct ctrf_reader *rd = ctrf_reader_new(NULL); /* no callback: nothing kept outside */
	struct error e = ERROR_INIT;
	feed_str(rd, "{\"results\":{\"tool\":{\"name\":\"gen\"},\"tests\":[");
	size_t base = 0, peak = 0;
	struct buf b = BUF_INIT;
	enum { N = 50000 };
	for (int i = 0; i < N; i++) {
		buf_reset(&b);
		buf_addf(&b,
			 "%s{\"name\":\"test %d\",\"status\":\"%s\",\"duration\":%d.5,\"suite\":[\"s%d\",\"inner\"],"
			 "\"message\":\"m\",\"tags\":[\"a\",\"b\"],\"stdout\":[\"o\"],\"extra\":{\"k\":[%d]},"
			 "\"retries\":1,\"retryAttempts\":[{\"attempt\":1,\"status\":\"failed\",\"message\":\"boom\"}]}",
			 i ? "," : "", i, i % 3 ? "passed" : "failed", i % 1000, i % 50, i);
		assert_int_equal(ctrf_feed(rd, b.data, b.len, &e), RC_OK);
		if (i == 1000)
			base = heap_in_use();
		if (i > 1000) {
			size_t now = heap_in_use();
			if (now > base && now - base > peak)
				peak = now - base;
		}
	}
	feed_str(rd, "],\"environment\":{\"k\":\"v\"}}}");
	struct ctrf_summary s;
	assert_int_equal(ctrf_finish(rd, &s, &e), RC_OK);
	assert_int_equal(s.delivered, N);
	assert_true(peak < 64 * 1024); /* nothing grows with the number of tests */
	ctrf_summary_release(&s);
	ctrf_reader_free(rd);
	buf_release(&b);
}

static void attempts_tags_and_environment_are_capped(void **state)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"results\":{\"environment\":{");
	for (int i = 0; i < 500; i++)
		buf_addf(&b, "%s\"k%d\":\"v%d\"", i ? "," : "", i, i);
	buf_adds(&b, "},\"tests\":[{\"name\":\"t\",\"tags\":[");
	for (int i = 0; i < 500; i++)
		buf_addf(&b, "%s\"tag%d\"", i ? "," : "", i);
	buf_adds(&b, "],\"retries\":500,\"retryAttempts\":[");
	for (int i = 0; i < 500; i++)
		buf_addf(&b, "%s{\"attempt\":%d,\"status\":\"failed\",\"message\":\"m%d\"}", i ? "," : "",
			 i + 1, i + 1);
	buf_adds(&b, "]}]}}");
	struct run r;
	ctrf_run(b.data, b.len, 0, &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.sum.n_environment, 128);
	assert_string_equal(r.sum.environment[127].key, "k127");
	assert_int_equal(r.tests[0].n_tags, 64);
	assert_int_equal(r.tests[0].n_attempts, 32);
	assert_string_equal(r.tests[0].attempts[31].message, "m32");
	run_release(&r);
	buf_release(&b);
}

/* ---- the tokenizer ---- */

/* Every token of `doc` read in chunks of `chunk` bytes, one per line. */
static char *tokens_of(const char *doc, size_t n, size_t chunk)
{
	static const char *names[] = { "none", "{", "}", "[", "]", "key", "str", "num",
				       "true", "false", "null", "end" };
	struct json_stream *s = json_stream_new();
	struct buf b = BUF_INIT;
	struct json_token t;
	struct error e = ERROR_INIT;
	int rc = RC_OK;
	for (size_t i = 0; i <= n && !rc; i += chunk) {
		bool last = i + chunk >= n;
		json_stream_feed(s, doc + i, last ? n - i : chunk);
		if (last)
			json_stream_end(s);
		while (!(rc = json_stream_next(s, &t, &e)) && t.type != JSON_NONE && t.type != JSON_END)
			buf_addf(&b, "%s d%d %d:%d %s%s%s len %zu\n", names[t.type], t.depth, t.line,
				 t.column, t.more ? "more " : "", t.cut ? "cut " : "",
				 t.len > 40 ? "(long)" : t.text, t.len);
		if (last)
			break;
	}
	buf_addf(&b, "rc %d %s\n", rc, rc ? e.msg : "");
	json_stream_free(s);
	return buf_detach(&b);
}

static void tokens_do_not_depend_on_where_chunks_split(void **state)
{
	struct buf doc = BUF_INIT;
	buf_adds(&doc, "\xef\xbb\xbf {\"k\\u00e9y\": [1, -0.5e+2, true, false, null, \"\\ud83d\\ude00\",\n");
	buf_adds(&doc, "  \"");
	for (int i = 0; i < 3 * JSON_PIECE + 5; i++) /* pieces end on whole characters */
		buf_adds(&doc, i % 3 ? "\xe2\x82\xac" : "\\u20ac");
	buf_adds(&doc, "\", {}, [], 123456789012345678901234567890123456789012345678901234567890123456789]}");
	char *whole = tokens_of(doc.data, doc.len, doc.len);
	assert_non_null(strstr(whole, "key d1 1:3 k\xc3\xa9y len 4\n"));
	assert_non_null(strstr(whole, "num d2 1:19 -0.5e+2 len 7\n"));
	assert_non_null(strstr(whole, "str d2 1:47 \xf0\x9f\x98\x80 len 4\n"));
	assert_non_null(strstr(whole, "str d2 2:3 more (long) len 8193\n")); /* 2731 × 3 bytes */
	assert_non_null(strstr(whole, "num d2 2:65566 cut "));
	assert_non_null(strstr(whole, "} d0 2:65636  len 0\nrc 0"));
	size_t steps[] = { 1, 2, 3, 5, 7, 64, 1000, 8191, 8192, 8193 };
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		char *again = tokens_of(doc.data, doc.len, steps[i]);
		if (strcmp(again, whole))
			fail_msg("chunks of %zu bytes gave\n%s\ninstead of\n%s", steps[i], again, whole);
		free(again);
	}
	free(whole);
	buf_release(&doc);

	/* any value may be the root */
	char *t = tokens_of("  -12 ", 6, 6);
	assert_string_equal(t, "num d0 1:3 -12 len 3\nrc 0 \n");
	free(t);
	t = tokens_of("\"\"", 2, 1);
	assert_string_equal(t, "str d0 1:1  len 0\nrc 0 \n");
	free(t);
}

/* ---- sniffing ---- */

static void sniff_recognises_ctrf_by_content(void **state)
{
	static const struct {
		const char *head;
		bool want;
	} rows[] = {
		{ "{\"results\":{\"tool\":{\"name\":\"jest\"}", true },
		{ "\xef\xbb\xbf\r\n  {\n  \"results\": {\n    \"summary\": {", true },
		{ "{\"reportFormat\":\"CTRF\",\"specVersion\":\"0.0.0\"", true },
		{ "{\"reportId\":\"x\",\"extra\":{\"results\":[1,2]},\"results\":{\"tests\":[", true },
		{ "{\"results\":{\"environment\":{}", true },
		{ "{\"reportFormat\":\"JUnit\",\"results\":{\"tool\":{}}}", false },
		{ "{\"results\":[{\"tool\":1}]}", false },            /* not an object */
		{ "{\"results\":{\"passed\":3}}", false },            /* not CTRF's results */
		{ "{\"extra\":{\"results\":{\"tool\":{}}}}", false },  /* not at the top */
		{ "{\"name\":\"results\",\"version\":\"1\"}", false },
		{ "[{\"results\":{\"tool\":{}}}]", false },
		{ "<?xml version=\"1.0\"?><testsuites>", false },
		{ "TAP version 14\n1..2\n", false },
		{ "{\"results\":{", false },                         /* cut before anything tells */
		{ "", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		if (ctrf_sniff(rows[i].head, strlen(rows[i].head)) != rows[i].want)
			fail_msg("row %zu: \"%s\" is%s CTRF", i, rows[i].head, rows[i].want ? "" : " not");
	size_t n;
	char *data = read_data("ctrf/playwright.json", &n);
	assert_true(ctrf_sniff(data, 512));
	free(data);
	data = read_data("ctrf/odd_order.json", &n);
	assert_true(ctrf_sniff(data, n));
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jest_report_maps_statuses_and_keeps_suite_paths),
		cmocka_unit_test(playwright_report_has_retries_flaky_attempts_and_output),
		cmocka_unit_test(keys_in_any_order_and_unknown_subtrees_are_read_past),
		cmocka_unit_test(tests_without_a_usable_name_are_dropped_and_counted),
		cmocka_unit_test(statuses_map_onto_result_statuses),
		cmocka_unit_test(test_id_leaves_out_empty_parts),
		cmocka_unit_test(unicode_escapes_and_surrogate_pairs_are_decoded),
		cmocka_unit_test(invalid_utf8_and_lone_surrogates_become_replacement_characters),
		cmocka_unit_test(numbers_are_read_in_every_json_form),
		cmocka_unit_test(malformed_json_names_line_and_column),
		cmocka_unit_test(truncated_document_fails_at_finish_with_line_and_column),
		cmocka_unit_test(trailing_garbage_is_refused_after_the_tests),
		cmocka_unit_test(documents_that_are_not_ctrf_are_refused),
		cmocka_unit_test(nesting_deeper_than_64_is_refused),
		cmocka_unit_test(errors_stay_until_the_reader_is_freed),
		cmocka_unit_test(huge_strings_cost_bounded_memory),
		cmocka_unit_test(many_tests_cost_bounded_memory),
		cmocka_unit_test(attempts_tags_and_environment_are_capped),
		cmocka_unit_test(tokens_do_not_depend_on_where_chunks_split),
		cmocka_unit_test(sniff_recognises_ctrf_by_content),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
