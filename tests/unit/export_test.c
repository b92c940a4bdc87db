/* Unit tests of the export writers (formats/export_*) driven through
 * service/export over a real SQLite store: a JUnit export read back with
 * formats/junit_read gives the same test names, statuses, durations,
 * messages and attempts; XML stays well-formed (checked with plain expat,
 * without junit_read's repairs) whatever the tests printed; CSV quoting;
 * CTRF parses with jansson and counts right; TAP is valid for tap_read;
 * HTML holds its sections and loads nothing; memory stays bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <dirent.h>
#include <expat.h>
#include <ftw.h>
#include <jansson.h>
#include <malloc.h>
#include <sys/stat.h>

#include "formats/export.h"
#include "formats/export_text.h"
#include "formats/junit_read.h"
#include "formats/tap_read.h"
#include "service/export.h"
#include "store/store.h"
#include "util/str.h"
#include "util/time.h"
#include "util/uuid.h"

#include "testlib.h"

/* ---- fixture: a store with one run ---- */

struct fixture {
	char dir[64];
	char path[256]; /* a SQLite file or a PostgreSQL URL (testlib_db_new) */
	struct store *st;
	struct run run;
	int64_t clock;
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/assay-export-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	char file[128];
	snprintf(file, sizeof(file), "%s/assay.db", fx->dir);
	testlib_db_new(fx->path, sizeof(fx->path), file);
	struct error e = ERROR_INIT;
	if (store_open(fx->path, &fx->st, &e)) {
		fprintf(stderr, "store_open: %s\n", e.msg);
		return -1;
	}
	struct run *r = &fx->run;
	fx->clock = 1795000000000; /* 2026-11-18 */
	uuid7_new(r->id, fx->clock);
	r->project = xstrdup("demo");
	r->definition = xstrdup("unit");
	r->title = xstrdup("nightly <build> & \"tests\"");
	r->environment = xstrdup("staging");
	r->triggered_by = xstrdup("ci@example");
	r->context_json = xstrdup("{\"branch\":\"main\",\"cores\":8}");
	r->lifecycle = LC_COMPLETED_FAILURES;
	r->verdict = V_FAILED;
	r->created_at = r->started_at = fx->clock;
	r->completed_at = fx->clock + 60000;
	r->duration_ms = 60000;
	r->host = xstrdup("builder");
	if (store_run_insert(fx->st, r, &e)) {
		fprintf(stderr, "run: %s\n", e.msg);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	store_close(fx->st);
	testlib_db_drop(fx->path);
	run_release(&fx->run);
	testlib_rmtree(fx->dir);
	free(fx);
	return 0;
}

struct spec {
	const char *test;
	enum result_status status;
	int64_t duration_ms;
	const char *message, *out, *err;
	int attempt;      /* 0 = 1 */
	bool superseded;
};

static void add(struct fixture *fx, const struct spec *sp, size_t n)
{
	struct result *rs = xcalloc(n, sizeof(*rs));
	for (size_t i = 0; i < n; i++) {
		struct result *r = &rs[i];
		memcpy(r->run_id, fx->run.id, sizeof(r->run_id));
		r->test = (char *)sp[i].test;
		const char *slash = strrchr(sp[i].test, '/');
		r->parent = slash ? xstrndup(sp[i].test, (size_t)(slash - sp[i].test)) : NULL;
		r->status = sp[i].status;
		r->duration_ms = sp[i].duration_ms;
		r->message = (char *)sp[i].message;
		r->stdout_text = (char *)sp[i].out;
		r->stderr_text = (char *)sp[i].err;
		r->attempt = sp[i].attempt ? sp[i].attempt : 1;
		r->superseded = sp[i].superseded;
		r->exit_code = -1;
		r->started_at = fx->clock += 10;
		r->completed_at = r->started_at + sp[i].duration_ms;
	}
	struct error e = ERROR_INIT;
	if (store_results_insert(fx->st, rs, n, &e))
		fail_msg("insert: %s", e.msg);
	for (size_t i = 0; i < n; i++)
		free(rs[i].parent);
	free(rs);
}

static int to_buf(void *ctx, const char *p, size_t n, struct error *e)
{
	buf_add(ctx, p, n);
	return RC_OK;
}

/* The run exported as `format`, whole, in a heap string. */
static char *export(struct fixture *fx, const char *format, const struct export_request *base)
{
	struct export_request req = base ? *base : (struct export_request){ 0 };
	req.writer = export_writer_find(format);
	assert_non_null(req.writer);
	struct buf b = BUF_INIT;
	struct error e = ERROR_INIT;
	if (service_export(fx->st, fx->run.id, &req, to_buf, &b, &e))
		fail_msg("export %s: %s", format, e.msg);
	assert_true(str_utf8_valid(b.data));
	return buf_detach(&b);
}

/* Fails unless `xml` is well-formed XML 1.0 for plain expat: no repairs. */
static void assert_well_formed(const char *xml)
{
	XML_Parser p = XML_ParserCreate(NULL);
	if (XML_Parse(p, xml, (int)strlen(xml), 1) != XML_STATUS_OK)
		fail_msg("not well-formed at line %lu: %s", XML_GetCurrentLineNumber(p),
			 XML_ErrorString(XML_GetErrorCode(p)));
	XML_ParserFree(p);
}

/* ---- reading a JUnit export back ---- */

struct read_case {
	char *name, *message, *type, *out, *err;
	enum result_status status;
	int64_t duration_ms;
	size_t n_attempts;
	enum result_status attempt_status[4];
	char *attempt_message[4], *attempt_out[4];
	int64_t attempt_ms[4];
};

struct read_back {
	struct read_case *cases;
	size_t n;
};

static void on_case(void *ctx, const struct junit_case *c)
{
	struct read_back *rb = ctx;
	rb->cases = xrealloc(rb->cases, (rb->n + 1) * sizeof(*rb->cases));
	struct read_case *rc = &rb->cases[rb->n++];
	memset(rc, 0, sizeof(*rc));
	struct buf id = BUF_INIT;
	junit_case_id(c, &id);
	rc->name = buf_detach(&id);
	rc->message = junit_message(c->message, c->text);
	rc->type = xstrdup(c->type);
	rc->out = xstrdup(c->system_out);
	rc->err = xstrdup(c->system_err);
	rc->status = c->status;
	rc->duration_ms = c->duration_ms;
	rc->n_attempts = c->n_attempts;
	for (size_t i = 0; i < c->n_attempts && i < 4; i++) {
		rc->attempt_status[i] = c->attempts[i].status;
		rc->attempt_message[i] = junit_message(c->attempts[i].message, c->attempts[i].text);
		rc->attempt_ms[i] = c->attempts[i].duration_ms;
		rc->attempt_out[i] = xstrdup(c->attempts[i].system_out);
	}
}

static struct read_back read_junit(const char *xml)
{
	struct read_back rb = { 0 };
	struct junit_callbacks cb = { .testcase = on_case, .ctx = &rb };
	struct junit_reader *r = junit_reader_new(&cb);
	struct error e = ERROR_INIT;
	if (junit_feed(r, xml, strlen(xml), &e) || junit_finish(r, &e))
		fail_msg("junit_read: %s", e.msg);
	junit_reader_free(r);
	return rb;
}

static const struct read_case *find_case(const struct read_back *rb, const char *name)
{
	for (size_t i = 0; i < rb->n; i++)
		if (!strcmp(rb->cases[i].name, name))
			return &rb->cases[i];
	fail_msg("no case named '%s' read back", name);
	return NULL;
}

static void read_back_release(struct read_back *rb)
{
	for (size_t i = 0; i < rb->n; i++) {
		struct read_case *c = &rb->cases[i];
		free(c->name);
		free(c->message);
		free(c->type);
		free(c->out);
		free(c->err);
		for (size_t k = 0; k < 4; k++) {
			free(c->attempt_message[k]);
			free(c->attempt_out[k]);
		}
	}
	free(rb->cases);
}

/* ---- JUnit ---- */

static const struct spec mixed[] = {
	{ "parse.basic", RS_PASSED, 12, NULL, NULL, NULL, 0, false },
	{ "parse.fail", RS_FAILED, 1234, "exit status 1\nassertion failed: 1 != 2\n  at parse.c:10", "out line\n", "err <line> & \"quote\"\n", 0, false },
	{ "net/http/get", RS_ERROR, 30000, "timed out after 30s", NULL, NULL, 0, false },
	{ "net/http/put", RS_SKIPPED, 0, "skipped: no network", NULL, NULL, 0, false },
	{ "net/http/post", RS_SKIPPED, 1, "first line\nsecond line", NULL, NULL, 0, false },
	{ "net/dns", RS_BLOCKED, 0, "prerequisite net/http/get was error, not passed", NULL, NULL, 0, false },
	{ "net/tls/handshake", RS_INVALID, 5, "invalid: flaky machine", NULL, NULL, 0, false },
	{ "later", RS_UNTESTED, 0, NULL, NULL, NULL, 0, false },
	{ "parse.empty", RS_FAILED, 7, NULL, NULL, NULL, 0, false },
	{ "  spaced name ", RS_FAILED, 3, "  leading spaces kept\ttab\r\nCRLF line", NULL, NULL, 0, false },
	{ "tap.t/1 - first", RS_PASSED, 0, NULL, NULL, NULL, 0, false },
	{ "tap.t/2 - second # note", RS_FAILED, 0, "message: boom", NULL, NULL, 0, false },
	{ "tap.t", RS_FAILED, 40, "1 of 2 TAP tests failed", NULL, NULL, 0, false },
	{ "weird/a//b", RS_PASSED, 2, NULL, NULL, NULL, 0, false },
	{ "utf8/тест/ü", RS_PASSED, 999, NULL, "héllo → ✓\n", NULL, 0, false },
};

static void junit_round_trip_gives_the_same_results(void **state)
{
	struct fixture *fx = *state;
	add(fx, mixed, ARRAY_SIZE(mixed));
	char *xml = export(fx, "junit", NULL);
	assert_well_formed(xml);
	struct read_back rb = read_junit(xml);
	assert_int_equal(rb.n, ARRAY_SIZE(mixed));
	for (size_t i = 0; i < ARRAY_SIZE(mixed); i++) {
		const struct spec *sp = &mixed[i];
		const struct read_case *c = find_case(&rb, sp->test);
		enum result_status want = sp->status;
		if (want == RS_BLOCKED || want == RS_INVALID)
			want = RS_ERROR; /* the status is in type= */
		if (want == RS_UNTESTED)
			want = RS_SKIPPED;
		assert_int_equal(c->status, want);
		if (sp->status != RS_PASSED && sp->status != RS_SKIPPED)
			assert_string_equal(c->type, status_name(sp->status));
		assert_int_equal(c->duration_ms, sp->duration_ms);
		if (sp->message)
			assert_string_equal(c->message, sp->message);
		else
			assert_null(c->message);
		assert_string_equal(c->out, sp->out ? sp->out : "");
		assert_string_equal(c->err, sp->err ? sp->err : "");
		assert_int_equal(c->n_attempts, 0);
	}
	read_back_release(&rb);

	/* The shape CI readers expect. */
	assert_non_null(strstr(xml, "<testsuites name=\"demo\" tests=\"15\" failures=\"5\" "
				    "errors=\"3\" time=\"60.000\">"));
	assert_non_null(strstr(xml, "<testsuite name=\"net/http\" tests=\"3\" failures=\"0\" "
				    "errors=\"1\" skipped=\"2\" time=\"30.001\" "
				    "timestamp=\"2026-11-18T"));
	assert_non_null(strstr(xml, "<testcase name=\"get\" classname=\"net/http\" time=\"30.000\">"));
	assert_non_null(strstr(xml, "<failure message=\"exit status 1\" type=\"failed\">exit status 1\n"
				    "assertion failed: 1 != 2\n  at parse.c:10</failure>"));
	assert_non_null(strstr(xml, "<property name=\"assay.title\" value=\"nightly &lt;build&gt; "
				    "&amp; &quot;tests&quot;\"/>"));
	assert_non_null(strstr(xml, "<property name=\"context.cores\" value=\"8\"/>"));
	assert_non_null(strstr(xml, "<property name=\"assay.environment\" value=\"staging\"/>"));
	assert_non_null(strstr(xml, "<skipped message=\"skipped: no network\">"));
	assert_non_null(strstr(xml, "<skipped type=\"untested\"/>"));
	/* Suites come out in name order, each once. */
	const char *a = strstr(xml, "<testsuite name=\"demo\""), *b = strstr(xml, "<testsuite name=\"net\"");
	const char *c = strstr(xml, "<testsuite name=\"net/http\"");
	assert_true(a && b && c && a < b && b < c);
	assert_null(strstr(c + 1, "<testsuite name=\"net/http\""));
	free(xml);
}

static void junit_retried_tests_read_back_as_the_same_attempts(void **state)
{
	struct fixture *fx = *state;
	const struct spec s[] = {
		/* flaky: failed, errored, then passed */
		{ "flaky", RS_FAILED, 100, "first try\nfailed", "attempt 1 out", NULL, 1, true },
		{ "other", RS_PASSED, 5, NULL, NULL, NULL, 0, false },
		{ "flaky", RS_ERROR, 200, "second try crashed", NULL, NULL, 2, true },
		/* failed every time */
		{ "stuck/case", RS_FAILED, 10, "no 1", "first case out", NULL, 1, true },
		{ "stuck/case", RS_FAILED, 20, "no 2", NULL, NULL, 2, true },
		{ "flaky", RS_PASSED, 300, NULL, "final out", NULL, 3, false },
		{ "stuck/case", RS_ERROR, 30, "no 3\ncrash", "final case out", NULL, 3, false },
		/* an earlier attempt that passed has no JUnit form */
		{ "retested", RS_PASSED, 1, NULL, NULL, NULL, 1, true },
		{ "retested", RS_FAILED, 2, "now failing", NULL, NULL, 2, false },
		/* attempts whose final result never came */
		{ "orphan", RS_FAILED, 9, "lost", NULL, NULL, 1, true },
	};
	add(fx, s, ARRAY_SIZE(s));
	char *xml = export(fx, "junit", NULL);
	assert_well_formed(xml);
	assert_non_null(strstr(xml, "<flakyFailure message=\"first try\" type=\"failed\" time=\"0.100\">"));
	assert_non_null(strstr(xml, "<rerunError message=\"no 3\" type=\"error\" time=\"0.030\">"));
	/* as Surefire writes it: the <testcase> has the first run's time and output */
	assert_non_null(strstr(xml, "<testcase name=\"case\" classname=\"stuck\" time=\"0.010\">"));
	struct read_back rb = read_junit(xml);
	assert_int_equal(rb.n, 5);

	const struct read_case *c = find_case(&rb, "flaky");
	assert_int_equal(c->status, RS_PASSED);
	assert_int_equal(c->duration_ms, 300);
	assert_string_equal(c->out, "final out");
	assert_int_equal(c->n_attempts, 2);
	assert_int_equal(c->attempt_status[0], RS_FAILED);
	assert_string_equal(c->attempt_message[0], "first try\nfailed");
	assert_int_equal(c->attempt_ms[0], 100);
	assert_int_equal(c->attempt_status[1], RS_ERROR);
	assert_string_equal(c->attempt_message[1], "second try crashed");

	c = find_case(&rb, "stuck/case");
	assert_int_equal(c->status, RS_ERROR);
	assert_string_equal(c->message, "no 3\ncrash");
	assert_int_equal(c->duration_ms, 30);
	assert_string_equal(c->out, "final case out");
	assert_int_equal(c->n_attempts, 2);
	assert_string_equal(c->attempt_message[0], "no 1");
	assert_int_equal(c->attempt_ms[0], 10);
	assert_string_equal(c->attempt_out[0], "first case out");
	assert_string_equal(c->attempt_out[1], "");
	assert_string_equal(c->attempt_message[1], "no 2");
	assert_int_equal(c->attempt_ms[1], 20);

	c = find_case(&rb, "retested");
	assert_int_equal(c->status, RS_FAILED);
	assert_int_equal(c->n_attempts, 0);
	c = find_case(&rb, "orphan");
	assert_int_equal(c->status, RS_FAILED);
	assert_string_equal(c->message, "lost");
	read_back_release(&rb);
	free(xml);

	/* CTRF carries the same attempts. */
	char *js = export(fx, "ctrf", NULL);
	json_error_t je;
	json_t *doc = json_loads(js, 0, &je);
	if (!doc)
		fail_msg("CTRF does not parse: %s at line %d", je.text, je.line);
	json_t *tests = json_object_get(json_object_get(doc, "results"), "tests");
	assert_int_equal(json_array_size(tests), 5);
	size_t i;
	json_t *t;
	bool seen = false;
	json_array_foreach(tests, i, t)
	{
		if (strcmp(json_string_value(json_object_get(t, "name")), "flaky"))
			continue;
		seen = true;
		assert_int_equal(json_integer_value(json_object_get(t, "retries")), 2);
		assert_true(json_is_true(json_object_get(t, "flaky")));
		json_t *at = json_object_get(t, "retryAttempts");
		assert_int_equal(json_array_size(at), 2);
		json_t *a0 = json_array_get(at, 0);
		assert_int_equal(json_integer_value(json_object_get(a0, "attempt")), 1);
		assert_string_equal(json_string_value(json_object_get(a0, "status")), "failed");
		assert_string_equal(json_string_value(json_object_get(a0, "message")), "first try\nfailed");
		assert_string_equal(json_string_value(json_array_get(json_object_get(a0, "stdout"), 0)),
				    "attempt 1 out");
	}
	assert_true(seen);
	json_t *sum = json_object_get(json_object_get(doc, "results"), "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "flaky")), 1);
	json_decref(doc);
	free(js);
}

static void xml_text_survives_control_characters_and_invalid_utf8(void **state)
{
	struct fixture *fx = *state;
	const struct spec s[] = {
		{ "esc\x1b[31mname\x7f", RS_FAILED, 1, "bad \x01\x02 bytes \xff\xfe and \xc3\x28 and \xef\xbf\xbe \xed\xa0\x80 \xf4\x90\x80\x80"
		  " end ]]> <![CDATA[ &amp;", "\x1b[32mgreen\x1b[0m\r\n\tok\x0b\x0c", "truncated \xe2\x82", 0, false },
	};
	add(fx, s, 1);
	char *xml = export(fx, "junit", NULL);
	assert_well_formed(xml);
	struct read_back rb = read_junit(xml);
	assert_int_equal(rb.n, 1);
	const struct read_case *c = &rb.cases[0];
	assert_string_equal(c->name, "esc\xef\xbf\xbd[31mname\x7f");
	assert_string_equal(c->message, "bad \xef\xbf\xbd\xef\xbf\xbd bytes \xef\xbf\xbd\xef\xbf\xbd and "
					"\xef\xbf\xbd( and \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
					"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
					" end ]]> <![CDATA[ &amp;");
	assert_string_equal(c->out, "\xef\xbf\xbd[32mgreen\xef\xbf\xbd[0m\r\n\tok\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(c->err, "truncated \xef\xbf\xbd\xef\xbf\xbd");
	read_back_release(&rb);
	free(xml);

	/* Every format stays valid UTF-8 (export() checks) and HTML escapes. */
	char *html = export(fx, "html", NULL);
	assert_non_null(strstr(html, " end ]]&gt; &lt;![CDATA[ &amp;amp;"));
	free(html);
	free(export(fx, "tap", NULL));
	free(export(fx, "csv", NULL));
	char *js = export(fx, "ctrf", NULL);
	json_t *doc = json_loads(js, 0, NULL);
	assert_non_null(doc);
	json_decref(doc);
	free(js);
}

/* ---- the encoders ---- */

static void encoders_escape_what_each_format_needs(void **state)
{
	const struct {
		enum export_esc how;
		const char *in, *out;
	} rows[] = {
		{ ESC_XML_TEXT, "a<b>&c\"'\t\n\r", "a&lt;b&gt;&amp;c\"'\t\n&#13;" },
		{ ESC_XML_ATTR, "a<b>&c\"'\t\n\r", "a&lt;b&gt;&amp;c&quot;'&#9;&#10;&#13;" },
		{ ESC_XML_TEXT, "\x01\x1f\x7f\xc2\x85", "\xef\xbf\xbd\xef\xbf\xbd\x7f\xc2\x85" },
		{ ESC_HTML, "<a href='x'>&\"</a>\x1b", "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;\xef\xbf\xbd" },
		{ ESC_JSON, "q\"b\\n\n\t\x01\x7f", "q\\\"b\\\\n\\n\\t\\u0001\x7f" },
		{ ESC_YAML, "q\"\n\x01\x7f\xc2\x85 é", "q\\\"\\n\\x01\\x7f\\x85 é" },
		/* U+FFFE and U+FFFF are not printable in YAML: a parser refuses them raw */
		{ ESC_YAML, "\xef\xbf\xbe\xef\xbf\xbf\xef\xbf\xbd", "\\uFFFE\\uFFFF\xef\xbf\xbd" },
		{ ESC_NONE, "a,b\"c\xff", "a,b\"c\xef\xbf\xbd" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct buf b = BUF_INIT;
		export_escs(&b, rows[i].in, rows[i].how);
		assert_string_equal(b.data, rows[i].out);
		buf_release(&b);
	}
	struct buf b = BUF_INIT;
	export_secs(&b, 0);
	buf_addc(&b, ' ');
	export_secs(&b, 1234567);
	buf_addc(&b, ' ');
	export_secs(&b, -5);
	buf_addc(&b, ' ');
	export_iso(&b, 1795431760512, 1);
	buf_addc(&b, ' ');
	export_iso(&b, 951782400000, 0); /* 2000-02-29 */
	buf_addc(&b, ' ');
	export_int(&b, INT64_MIN);
	assert_string_equal(b.data, "0.000 1234.567 0.000 2026-11-23T11:02:40.512Z 2000-02-29T00:00:00 "
				    "-9223372036854775808");
	buf_release(&b);
	/* The date algorithm agrees with time_iso over a long stretch of days. */
	for (int64_t ms = 0; ms < 400LL * 366 * 86400000; ms += 86400000LL * 7 + 3600007) {
		char want[40];
		time_iso(ms ? ms : 1, want, sizeof(want));
		struct buf t = BUF_INIT;
		export_iso(&t, ms ? ms : 1, 1);
		assert_string_equal(t.data, want);
		buf_release(&t);
	}
}

/* ---- CSV ---- */

static void csv_quotes_fields_and_ends_lines_with_crlf(void **state)
{
	struct fixture *fx = *state;
	const struct spec s[] = {
		{ "suite/a, b", RS_FAILED, 42, "say \"hi\"\nthen, stop", NULL, NULL, 0, false },
		{ "plain", RS_PASSED, 1, NULL, NULL, NULL, 0, false },
		{ "x/y/z", RS_SKIPPED, 0, "no\rway", NULL, NULL, 0, false },
	};
	add(fx, s, ARRAY_SIZE(s));
	char *csv = export(fx, "csv", NULL);
	assert_true(str_starts(csv, "id,title,suite,status,duration_ms,assignee,started_at,message\r\n"));
	/* Every line break outside quotes is CRLF: 4 records. */
	int records = 0;
	bool quoted = false;
	for (const char *p = csv; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		if (!quoted && *p == '\n') {
			assert_true(p > csv && p[-1] == '\r');
			records++;
		}
	}
	assert_false(quoted);
	assert_int_equal(records, 4);
	assert_non_null(strstr(csv, ",\"a, b\",suite,failed,42,,2026-11-18T"));
	assert_non_null(strstr(csv, ",\"say \"\"hi\"\"\nthen, stop\"\r\n"));
	assert_non_null(strstr(csv, ",plain,,passed,1,,"));
	assert_non_null(strstr(csv, ",z,x/y,skipped,0,,"));
	assert_non_null(strstr(csv, ",\"no\rway\"\r\n"));
	free(csv);
}

/* ---- CTRF ---- */

static void ctrf_parses_and_counts_right(void **state)
{
	struct fixture *fx = *state;
	add(fx, mixed, ARRAY_SIZE(mixed));
	char *js = export(fx, "ctrf", NULL);
	json_error_t je;
	json_t *doc = json_loads(js, 0, &je);
	if (!doc)
		fail_msg("CTRF does not parse: %s at line %d", je.text, je.line);
	assert_string_equal(json_string_value(json_object_get(doc, "reportFormat")), "CTRF");
	assert_non_null(json_string_value(json_object_get(doc, "specVersion")));
	json_t *res = json_object_get(doc, "results");
	assert_string_equal(json_string_value(json_object_get(json_object_get(res, "tool"), "name")),
			    "assay");
	json_t *sum = json_object_get(res, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "tests")), 15);
	assert_int_equal(json_integer_value(json_object_get(sum, "passed")), 4);
	assert_int_equal(json_integer_value(json_object_get(sum, "failed")), 5 + 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "skipped")), 2);
	assert_int_equal(json_integer_value(json_object_get(sum, "pending")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "other")), 2);
	assert_int_equal(json_integer_value(json_object_get(sum, "start")), fx->run.started_at);
	assert_int_equal(json_integer_value(json_object_get(sum, "stop")), fx->run.completed_at);
	json_t *env = json_object_get(res, "environment");
	assert_string_equal(json_string_value(json_object_get(env, "appName")), "demo");
	assert_string_equal(json_string_value(json_object_get(env, "testEnvironment")), "staging");
	json_t *tests = json_object_get(res, "tests");
	assert_int_equal(json_array_size(tests), 15);
	json_t *t = json_array_get(tests, 1);
	assert_string_equal(json_string_value(json_object_get(t, "name")), "parse.fail");
	assert_null(json_object_get(t, "suite"));
	assert_string_equal(json_string_value(json_object_get(t, "status")), "failed");
	assert_int_equal(json_integer_value(json_object_get(t, "duration")), 1234);
	assert_string_equal(json_string_value(json_object_get(t, "message")), mixed[1].message);
	assert_string_equal(json_string_value(json_array_get(json_object_get(t, "stderr"), 0)),
			    "err <line> & \"quote\"");
	assert_int_equal(json_array_size(json_object_get(t, "stdout")), 1);
	t = json_array_get(tests, 2);
	assert_string_equal(json_string_value(json_object_get(t, "name")), "get");
	assert_string_equal(json_string_value(json_object_get(t, "suite")), "net/http");
	assert_string_equal(json_string_value(json_object_get(t, "rawStatus")), "error");
	json_decref(doc);
	free(js);
}

/* ---- TAP ---- */

struct tap_seen {
	int points, not_ok, skips, todos;
	char names[16][64];
};

static void on_point(void *ctx, const struct tap_point *p)
{
	struct tap_seen *s = ctx;
	if (p->depth)
		return;
	if (s->points < 16)
		snprintf(s->names[s->points], sizeof(s->names[0]), "%s", p->description);
	s->points++;
	s->not_ok += !p->ok && p->directive != TAP_TODO;
	s->skips += p->directive == TAP_SKIP;
	s->todos += p->directive == TAP_TODO;
	if (!p->ok && p->directive == TAP_NONE) {
		assert_non_null(p->diagnostics);
		assert_non_null(strstr(p->diagnostics, "severity: fail"));
		assert_non_null(strstr(p->diagnostics, "duration_ms: "));
	}
}

static void tap_is_valid_tap_14(void **state)
{
	struct fixture *fx = *state;
	add(fx, mixed, ARRAY_SIZE(mixed));
	char *tap = export(fx, "tap", NULL);
	assert_true(str_starts(tap, "TAP version 14\n"));
	struct tap_seen seen = { 0 };
	struct tap_callbacks cb = { .point = on_point, .ctx = &seen };
	struct tap_reader *r = tap_reader_new(&cb);
	tap_feed(r, tap, strlen(tap));
	struct tap_summary s;
	tap_finish(r, &s);
	if (s.problem)
		fail_msg("not valid TAP: %s", s.problem);
	assert_int_equal(s.version, 14);
	assert_int_equal(s.planned, 15);
	assert_int_equal(s.seen, 15);
	assert_int_equal(seen.not_ok, 8);
	assert_int_equal(seen.skips, 2);
	assert_int_equal(seen.todos, 1);
	assert_string_equal(seen.names[11], "tap.t/2 - second # note"); /* \# read back */
	assert_non_null(strstr(tap, "ok 4 - net/http/put # SKIP skipped: no network\n"));
	assert_non_null(strstr(tap, "  message: \"exit status 1\\nassertion failed: 1 != 2\\n  at "
				    "parse.c:10\"\n"));
	tap_summary_release(&s);
	tap_reader_free(r);
	free(tap);
}

/* ---- HTML ---- */

static void html_has_summary_chart_failures_and_loads_nothing(void **state)
{
	struct fixture *fx = *state;
	add(fx, mixed, ARRAY_SIZE(mixed));
	char *html = export(fx, "html", NULL);
	assert_true(str_starts(html, "<!DOCTYPE html>"));
	assert_non_null(strstr(html, "<h1>nightly &lt;build&gt; &amp; &quot;tests&quot; "
				     "<span class=\"verdict v-failed\">failed</span></h1>"));
	assert_non_null(strstr(html, "<th>Environment</th><td>staging</td>"));
	assert_non_null(strstr(html, "<th>Triggered by</th><td>ci@example</td>"));
	assert_non_null(strstr(html, "<code>branch=main</code>"));
	assert_non_null(strstr(html, "<svg "));
	assert_non_null(strstr(html, "stroke-dasharray"));
	assert_non_null(strstr(html, "<h2>Slowest tests</h2>"));
	assert_non_null(strstr(html, "<h2>Failures</h2>"));
	assert_non_null(strstr(html, "parse.fail"));
	assert_non_null(strstr(html, "err &lt;line&gt; &amp; &quot;quote&quot;"));
	/* Top-level tests, the slowest first: parse.fail (1.2 s) before tap.t
	 * (40 ms); net/http/get (30 s) is a sub-result. */
	const char *slow = strstr(html, "<h2>Slowest tests</h2>");
	char *table = xstrndup(slow, (size_t)(strstr(slow, "</table>") - slow));
	assert_true(strstr(table, "parse.fail") && strstr(table, "tap.t"));
	assert_true(strstr(table, "parse.fail") < strstr(table, "tap.t"));
	assert_null(strstr(table, "net/http/get"));
	free(table);
	/* Nothing to fetch: no scripts, links, images or URLs. */
	assert_null(strstr(html, "http://"));
	assert_null(strstr(html, "https://"));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<link"));
	assert_null(strstr(html, "src="));
	assert_null(strstr(html, "url("));
	assert_non_null(strstr(html, "</html>\n"));
	free(html);

	struct export_request req = { .max_failures = 2 };
	html = export(fx, "html", &req);
	assert_non_null(strstr(html, "8 failures in all, 6 without their output here"));
	/* the command it points to prints the output: `assay results` does
	 * only with --json */
	assert_non_null(strstr(html, " --json --output</code>"));
	int details = 0;
	for (const char *p = html; (p = strstr(p, "<details")); p++)
		details++;
	assert_int_equal(details, 2);
	/* the 6 others are still listed, a row each after the first two */
	const char *rest = strstr(html, "The failures after the first 2,");
	assert_non_null(rest);
	int rows = 0;
	for (const char *p = rest; (p = strstr(p, "<tr><td><span class=\"st")); p++)
		rows++;
	assert_int_equal(rows, 6);
	free(html);
}

/* ---- size and errors ---- */

struct peak {
	struct buf *b;
	size_t base, peak;
	uint64_t bytes;
};

/* Keeps only the last chunk (not the document) and notes the heap. */
static int sample(void *ctx, const char *p, size_t n, struct error *e)
{
	struct peak *pk = ctx;
	pk->bytes += n;
	size_t now = heap_in_use();
	if (now > pk->peak)
		pk->peak = now;
	return RC_OK;
}

static void a_big_run_exports_in_bounded_memory(void **state)
{
	struct fixture *fx = *state;
	enum { N = 20000 };
	char msg[1024];
	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	struct spec *s = xcalloc(N, sizeof(*s));
	char **names = xcalloc(N, sizeof(*names));
	for (int i = 0; i < N; i++) {
		names[i] = xasprintf("suite%03d/test_%05d", i % 300, i);
		s[i] = (struct spec){ names[i], i % 3 ? RS_PASSED : RS_FAILED, i, msg, msg, NULL, 0, false };
		if (i % 97 == 1)
			s[i].superseded = true; /* never followed: delivered at the end */
	}
	add(fx, s, N);
	const char *formats[] = { "junit", "ctrf", "html", "csv", "tap" };
	for (size_t k = 0; k < ARRAY_SIZE(formats); k++) {
		struct export_request req = { .writer = export_writer_find(formats[k]),
					      .spool_memory = 256 * 1024 };
		struct peak pk = { .base = heap_in_use() };
		struct error e = ERROR_INIT;
		assert_int_equal(service_export(fx->st, fx->run.id, &req, sample, &pk, &e), RC_OK);
		size_t grew = pk.peak > pk.base ? pk.peak - pk.base : 0;
		/* 20,000 results of 2 KiB: megabytes out, far less kept. */
		assert_true(pk.bytes > 10u << 20 || !strcmp(formats[k], "tap") ||
			    !strcmp(formats[k], "html"));
		if (grew > (8u << 20))
			fail_msg("%s: the heap grew by %zu bytes while writing %llu", formats[k], grew,
				 (unsigned long long)pk.bytes);
	}
	for (int i = 0; i < N; i++)
		free(names[i]);
	free(names);
	free(s);
}

static void unknown_runs_and_unwritable_paths_are_errors(void **state)
{
	struct fixture *fx = *state;
	add(fx, mixed, 2);
	struct export_request req = { .writer = export_writer_find("junit") };
	struct error e = ERROR_INIT;
	assert_int_equal(service_export_file(fx->st, "01a00000-0000-7000-8000-000000000000", &req,
					     "-", &e),
			 RC_NOTFOUND);
	char *bad = xasprintf("%s/no/such/dir/out.xml", fx->dir);
	assert_int_equal(service_export_file(fx->st, fx->run.id, &req, bad, &e), RC_IO);
	assert_non_null(strstr(e.msg, bad));
	free(bad);
	/* A good path gets the whole file and no temporary file is left. */
	char *good = xasprintf("%s/out.xml", fx->dir);
	assert_int_equal(service_export_file(fx->st, fx->run.id, &req, good, &e), RC_OK);
	FILE *f = fopen(good, "r");
	assert_non_null(f);
	char head[64] = { 0 };
	assert_true(fread(head, 1, sizeof(head) - 1, f) > 0);
	fclose(f);
	assert_true(str_starts(head, "<?xml"));
	free(good);
	int entries = 0;
	DIR *d = opendir(fx->dir);
	for (struct dirent *de; (de = readdir(d));)
		entries += !!strstr(de->d_name, ".tmp");
	closedir(d);
	assert_int_equal(entries, 0);
	assert_null(export_writer_find("xlsx"));
	assert_non_null(strstr(export_writer_names(), "ctrf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(junit_round_trip_gives_the_same_results, setup,
						teardown),
		cmocka_unit_test_setup_teardown(junit_retried_tests_read_back_as_the_same_attempts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(xml_text_survives_control_characters_and_invalid_utf8,
						setup, teardown),
		cmocka_unit_test(encoders_escape_what_each_format_needs),
		cmocka_unit_test_setup_teardown(csv_quotes_fields_and_ends_lines_with_crlf, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ctrf_parses_and_counts_right, setup, teardown),
		cmocka_unit_test_setup_teardown(tap_is_valid_tap_14, setup, teardown),
		cmocka_unit_test_setup_teardown(html_has_summary_chart_failures_and_loads_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_big_run_exports_in_bounded_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_runs_and_unwritable_paths_are_errors, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
