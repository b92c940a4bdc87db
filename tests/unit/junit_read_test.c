/* Unit tests of formats/junit_read: one real-looking file per dialect in
 * tests/data/junit/, each read whole and in every chunk size; reruns and
 * flakes; refused DOCTYPEs; truncated and malformed documents; times;
 * encodings; bounded texts; junit_case_id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <malloc.h>

#include "formats/junit_read.h"
#include "util/buf.h"
#include "util/str.h"

#include "testlib.h"

/* ---- helpers ---- */

struct attempt_copy {
	enum result_status status;
	char *message, *type, *text, *out, *err;
	int64_t duration_ms;
};

/* A delivered case, copied (the reader's strings live only during the callback). */
struct tc {
	char *id, *suite, *classname, *name, *file, *message, *type, *text, *out, *err;
	enum result_status status;
	int64_t duration_ms;
	int line;
	struct attempt_copy *attempts;
	size_t n_attempts;
};

/* A delivered suite output, copied. */
struct so {
	char *id, *suite, *out, *err;
};

struct run {
	struct tc *cases;
	size_t n, cap;
	struct so *suites;
	size_t n_suites, cap_suites;
	struct buf log; /* everything delivered and the result, for comparison */
	int rc;
	struct error e;
};

static void collect(void *ctx, const struct junit_case *c)
{
	struct run *r = ctx;
	GROW(r->cases, r->cap, r->n + 1);
	struct tc *t = &r->cases[r->n++];
	struct buf id = BUF_INIT;
	junit_case_id(c, &id);
	*t = (struct tc){
		.id = buf_detach(&id),
		.suite = xstrdup(c->suite),
		.classname = xstrdup(c->classname),
		.name = xstrdup(c->name),
		.file = xstrdup(c->file),
		.message = xstrdup(c->message),
		.type = xstrdup(c->type),
		.text = xstrdup(c->text),
		.out = xstrdup(c->system_out),
		.err = xstrdup(c->system_err),
		.status = c->status,
		.duration_ms = c->duration_ms,
		.line = c->line,
		.n_attempts = c->n_attempts,
	};
	t->attempts = xcalloc(c->n_attempts, sizeof(*t->attempts));
	buf_addf(&r->log, "%s|%s|%s|%s|%s|%d|%lld|%s|%s|%s|%s|%s|@%d\n", t->id, c->suite,
		 c->classname, c->name, c->file, c->status, (long long)c->duration_ms, c->message,
		 c->type, c->text, c->system_out, c->system_err, c->line);
	for (size_t i = 0; i < c->n_attempts; i++) {
		const struct junit_attempt *a = &c->attempts[i];
		t->attempts[i] = (struct attempt_copy){
			.status = a->status,
			.message = xstrdup(a->message),
			.type = xstrdup(a->type),
			.text = xstrdup(a->text),
			.out = xstrdup(a->system_out),
			.err = xstrdup(a->system_err),
			.duration_ms = a->duration_ms,
		};
		buf_addf(&r->log, "  attempt %d|%s|%s|%s|%lld|%s|%s\n", a->status, a->message,
			 a->type, a->text, (long long)a->duration_ms, a->system_out, a->system_err);
	}
}

static void collect_suite(void *ctx, const struct junit_suite_output *s)
{
	struct run *r = ctx;
	GROW(r->suites, r->cap_suites, r->n_suites + 1);
	struct buf id = BUF_INIT;
	junit_suite_id(s->suite, s->root, &id);
	r->suites[r->n_suites++] = (struct so){ buf_detach(&id), xstrdup(s->suite),
						xstrdup(s->system_out), xstrdup(s->system_err) };
	buf_addf(&r->log, "suite %s|%s|%s|%s|@%d\n", r->suites[r->n_suites - 1].id, s->suite,
		 s->system_out, s->system_err, s->line);
}

static void run_release(struct run *r)
{
	for (size_t i = 0; i < r->n_suites; i++) {
		free(r->suites[i].id);
		free(r->suites[i].suite);
		free(r->suites[i].out);
		free(r->suites[i].err);
	}
	free(r->suites);
	for (size_t i = 0; i < r->n; i++) {
		struct tc *t = &r->cases[i];
		char *fields[] = { t->id,   t->suite, t->classname, t->name, t->file,
				   t->message, t->type, t->text,    t->out,  t->err };
		for (size_t k = 0; k < ARRAY_SIZE(fields); k++)
			free(fields[k]);
		for (size_t k = 0; k < t->n_attempts; k++) {
			free(t->attempts[k].message);
			free(t->attempts[k].type);
			free(t->attempts[k].text);
			free(t->attempts[k].out);
			free(t->attempts[k].err);
		}
		free(t->attempts);
	}
	free(r->cases);
	buf_release(&r->log);
	memset(r, 0, sizeof(*r));
}

/* Reads `data` in chunks of `chunk` bytes (0: all at once) into `out`;
 * out->rc and out->e hold the first failure of feed or finish. */
static void junit_run(const char *data, size_t n, size_t chunk, struct run *out)
{
	memset(out, 0, sizeof(*out));
	struct junit_callbacks cb = { .testcase = collect, .suite_output = collect_suite, .ctx = out };
	struct junit_reader *r = junit_reader_new(&cb);
	if (!chunk)
		chunk = n ? n : 1;
	for (size_t i = 0; i < n && !out->rc; i += chunk)
		out->rc = junit_feed(r, data + i, n - i < chunk ? n - i : chunk, &out->e);
	if (!out->rc)
		out->rc = junit_finish(r, &out->e);
	junit_reader_free(r);
	buf_addf(&out->log, "rc %d %s\n", out->rc, out->rc ? out->e.msg : "");
}

/* Reads `data` whole into `out`, then in every chunk size from 1 byte to
 * the whole, and checks that each reading gives the same cases and result. */
static void junit_read_all_ways(const char *data, size_t n, struct run *out)
{
	junit_run(data, n, 0, out);
	for (size_t chunk = 1; chunk <= n; chunk++) {
		struct run again;
		junit_run(data, n, chunk, &again);
		if (strcmp(again.log.data, out->log.data))
			fail_msg("chunks of %zu bytes gave\n%s\ninstead of\n%s", chunk,
				 again.log.data, out->log.data);
		run_release(&again);
	}
}

static void junit_read_file(const char *rel, struct run *out)
{
	size_t n;
	char *data = read_data(rel, &n);
	junit_read_all_ways(data, n, out);
	free(data);
}

static void junit_read_str(const char *s, struct run *out)
{
	junit_read_all_ways(s, strlen(s), out);
}

/* ---- dialects ---- */

static void pytest_xunit2_cases_drop_the_generic_suite_from_ids(void **state)
{
	struct run r;
	junit_read_file("junit/pytest_xunit2.xml", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 7);
	assert_string_equal(r.cases[0].suite, "pytest");
	assert_string_equal(r.cases[0].id, "test_mix/test_pass");
	assert_int_equal(r.cases[0].status, RS_PASSED);
	assert_int_equal(r.cases[0].duration_ms, 1);
	assert_int_equal(r.cases[1].status, RS_FAILED);
	assert_string_equal(r.cases[1].message, "assert 1 == 2");
	assert_non_null(strstr(r.cases[1].text, ">       assert 1 == 2\nE       assert 1 == 2"));
	assert_int_equal(r.cases[2].status, RS_SKIPPED);
	assert_string_equal(r.cases[2].type, "pytest.skip");
	assert_string_equal(r.cases[2].text, "/tmp/p/test_mix.py:10: not on CI");
	assert_string_equal(r.cases[3].type, "pytest.xfail");
	assert_string_equal(r.cases[4].id, "test_mix.TestGrouped/test_param[a<b&c]");
	assert_int_equal(r.cases[5].status, RS_FAILED); /* strict XPASS */
	/* a collection error has an empty classname */
	assert_string_equal(r.cases[6].id, "test_broken");
	assert_int_equal(r.cases[6].status, RS_ERROR);
	assert_non_null(strstr(r.cases[6].text, "No module named 'requests'"));
	run_release(&r);
}

static void surefire_flaky_case_passes_and_lists_the_failed_attempt(void **state)
{
	struct run r;
	junit_read_file("junit/surefire_rerun.xml", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.cases[0].id, "com.example.CartTest/addsItem");
	struct tc *c = &r.cases[1];
	assert_string_equal(c->name, "checkoutTimesOut");
	assert_int_equal(c->status, RS_PASSED);
	assert_int_equal(c->duration_ms, 1200500); /* "1,200.5" */
	assert_string_equal(c->out, "attempt 2: ok\n");
	assert_int_equal(c->n_attempts, 1);
	assert_int_equal(c->attempts[0].status, RS_FAILED);
	assert_string_equal(c->attempts[0].message, "expected: <200> but was: <504>");
	assert_string_equal(c->attempts[0].type, "org.opentest4j.AssertionFailedError");
	assert_int_equal(c->attempts[0].duration_ms, 600100);
	assert_true(strncmp(c->attempts[0].text, "org.opentest4j.AssertionFailedError: expected", 45) == 0);
	assert_null(strstr(c->attempts[0].text, "gateway slow")); /* the attempt's output is not its trace */
	assert_string_equal(c->attempts[0].out, "attempt 1: gateway slow\n"); /* but its own */
	run_release(&r);
}

static void surefire_rerun_failure_ends_with_the_last_attempt(void **state)
{
	struct run r;
	junit_read_file("junit/surefire_rerun.xml", &r);
	struct tc *c = &r.cases[2];
	assert_string_equal(c->name, "appliesCoupon");
	/* failed every time: the case shows the final run (the rerunError)... */
	assert_int_equal(c->status, RS_ERROR);
	assert_string_equal(c->message, "Connection refused");
	assert_string_equal(c->type, "java.net.ConnectException");
	assert_true(strncmp(c->text, "java.net.ConnectException", 25) == 0);
	/* ...and the earlier ones, oldest first: the <failure>, then the rerunFailure */
	assert_int_equal(c->n_attempts, 2);
	assert_int_equal(c->attempts[0].status, RS_FAILED);
	assert_string_equal(c->attempts[0].message, "expected: <90> but was: <100>");
	assert_non_null(strstr(c->attempts[0].text, "CartTest.java:57"));
	assert_string_equal(c->attempts[1].message, "expected: <90> but was: <101>");
	assert_int_equal(c->attempts[1].duration_ms, 31);
	/* Surefire writes the <testcase>'s time and output for the first run
	 * and each rerun's inside its element: each attempt keeps its own */
	assert_int_equal(c->attempts[0].duration_ms, 34);
	assert_string_equal(c->attempts[0].out, "first run: coupon service up\n");
	assert_int_equal(c->duration_ms, 2);
	assert_string_equal(c->out, "");
	assert_string_equal(c->err, "db down\n");
	assert_int_equal(r.cases[3].status, RS_SKIPPED);
	assert_string_equal(r.cases[3].message, "@Disabled: slow");
	run_release(&r);
}

/* junit_read.h: an attempt is failed or error. Seen by running the fuzz
 * target's checks on an input that joins what no producer joins. */
static void skipped_before_reruns_is_not_an_attempt(void **state)
{
	struct run r;
	junit_read_str("<testsuite><testcase name=\"t\"><skipped message=\"s\"/>"
		       "<rerunFailure message=\"r1\"/><rerunError message=\"r2\"/>"
		       "</testcase></testsuite>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.cases[0].status, RS_ERROR); /* the last run */
	assert_string_equal(r.cases[0].message, "r2");
	assert_int_equal(r.cases[0].n_attempts, 1);
	assert_int_equal(r.cases[0].attempts[0].status, RS_FAILED);
	assert_string_equal(r.cases[0].attempts[0].message, "r1");
	run_release(&r);
}

/* Surefire 2 wrote no time on its reruns: the case's time stays the final
 * attempt's (it is the only one), the first run's is unknown. */
static void reruns_without_time_leave_the_cases_time_to_the_last(void **state)
{
	struct run r;
	junit_read_str("<testsuite><testcase name=\"t\" time=\"2.5\"><failure message=\"f\"/>"
		       "<rerunFailure message=\"r1\"/></testcase>"
		       "<testcase name=\"u\" time=\"2.5\"><failure message=\"f\"/>"
		       "<rerunFailure message=\"r1\" time=\"1\"/></testcase></testsuite>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.cases[0].duration_ms, 2500);
	assert_int_equal(r.cases[0].n_attempts, 1);
	assert_int_equal(r.cases[0].attempts[0].duration_ms, -1);
	/* with times, each attempt has its own */
	assert_int_equal(r.cases[1].duration_ms, 1000);
	assert_int_equal(r.cases[1].attempts[0].duration_ms, 2500);
	run_release(&r);
}

/* Playwright writes an empty <skipped> on two lines: no message for that. */
static void a_result_element_of_whitespace_has_no_text(void **state)
{
	struct run r;
	junit_read_str("<testsuite><testcase name=\"t\">\n<skipped>\n</skipped>\n</testcase>"
		       "<testcase name=\"u\"><failure message=\"m\">\n  x\n</failure></testcase>"
		       "</testsuite>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.cases[0].status, RS_SKIPPED);
	assert_string_equal(r.cases[0].text, "");
	assert_string_equal(r.cases[1].text, "\n  x\n"); /* any other text stays as it is */
	run_release(&r);
}

static void gtest_failures_are_appended_and_disabled_tests_are_skipped(void **state)
{
	struct run r;
	junit_read_file("junit/gtest.xml", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.cases[0].id, "MathTest/Adds");
	assert_string_equal(r.cases[0].file, "/src/math_test.cc");
	assert_int_equal(r.cases[0].duration_ms, 0);
	struct tc *c = &r.cases[1];
	assert_int_equal(c->status, RS_FAILED);
	assert_true(strncmp(c->message, "/src/math_test.cc:10\nExpected equality", 37) == 0);
	assert_non_null(strstr(c->text, "Which is: 3"));
	assert_non_null(strstr(c->text, "/src/math_test.cc:11\nValue of: div(1, 0) == 0"));
	assert_true(strstr(c->text, "Which is: 3") < strstr(c->text, "Value of"));
	/* DISABLED_: status="notrun" result="suppressed" and no child */
	assert_int_equal(r.cases[2].status, RS_SKIPPED);
	assert_string_equal(r.cases[3].id, "Nums/Param/IsEven/1");
	assert_int_equal(r.cases[3].status, RS_SKIPPED);
	run_release(&r);
}

static void ctest_cases_keep_their_output_and_disabled_is_skipped(void **state)
{
	struct run r;
	junit_read_file("junit/ctest.xml", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 4);
	/* suite "(empty)" and classname == name are left out of the id */
	assert_string_equal(r.cases[0].id, "unit");
	assert_int_equal(r.cases[0].duration_ms, 17); /* 0.0167906 s */
	assert_non_null(strstr(r.cases[0].out, "[  PASSED  ] 3 tests."));
	assert_int_equal(r.cases[1].status, RS_FAILED);
	assert_string_equal(r.cases[1].message, "");
	assert_string_equal(r.cases[1].out, "Segmentation fault (core dumped)\n");
	assert_int_equal(r.cases[2].status, RS_SKIPPED);
	assert_string_equal(r.cases[2].message, "SKIP_RETURN_CODE=77");
	assert_int_equal(r.cases[3].status, RS_SKIPPED); /* status="disabled" */
	run_release(&r);
}

static void go_junit_report_ignores_package_output(void **state)
{
	struct run r;
	junit_read_file("junit/go_junit_report.xml", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 5);
	assert_string_equal(r.cases[0].id, "example.com/shop/cart/TestAdd");
	assert_string_equal(r.cases[2].id, "example.com/shop/cart/TestTotal/with_discount");
	assert_string_equal(r.cases[2].text, "    cart_test.go:31: total = 90, want 85");
	assert_string_equal(r.cases[3].message, "Skipped");
	assert_string_equal(r.cases[4].suite, "example.com/shop/db");
	assert_int_equal(r.cases[4].status, RS_ERROR);
	assert_string_equal(r.cases[4].message, "Build error");
	for (size_t i = 0; i < r.n; i++) {
		assert_string_equal(r.cases[i].out, ""); /* "coverage: ..." is the suite's */
		assert_string_equal(r.cases[i].file, "");
	}
	run_release(&r);
}

static void ant_suite_level_output_is_the_suites_not_its_cases(void **state)
{
	struct run r;
	junit_read_file("junit/ant.xml", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.cases[1].id, "org.example.ParserTest/testRejectsGarbage");
	assert_int_equal(r.cases[1].status, RS_ERROR);
	assert_string_equal(r.cases[1].type, "java.lang.IllegalStateException");
	assert_non_null(strstr(r.cases[1].text, "\tat org.example.Parser.next(Parser.java:88)\n"));
	for (size_t i = 0; i < r.n; i++) {
		assert_string_equal(r.cases[i].out, "");
		assert_string_equal(r.cases[i].err, "");
	}
	assert_int_equal(r.n_suites, 1);
	assert_string_equal(r.suites[0].id, "org.example.ParserTest");
	assert_string_equal(r.suites[0].out, "parsing...\ndone\n");
	assert_string_equal(r.suites[0].err, "WARNING: deprecated API\n");
	run_release(&r);
}

/* A suite's own output goes to its case when it is Bazel's (test.xml: the
 * target's log beside its only case, the target, without a classname) and
 * the case has no output of its own; never to a case among several, to
 * one of another shape, nor across suites: then it is delivered as the
 * suite's, after its cases, unless blank. */
static void a_suites_one_case_takes_the_suites_output(void **state)
{
	struct run r;
	junit_read_str("<testsuites>"
		       "<testsuite name=\"//a:t\"><system-err>before</system-err>"
		       "<testcase name=\"//a:t\"><error message=\"exit 1\"/></testcase>"
		       "<system-out><![CDATA[the log]]></system-out></testsuite>"
		       "<testsuite name=\"own\"><testcase name=\"c\"><system-out>mine</system-out>"
		       "</testcase><system-out>suite's</system-out></testsuite>"
		       "<testsuite name=\"two\"><testcase name=\"x\"/><testcase name=\"y\"/>"
		       "<system-out>shared</system-out></testsuite>"
		       "<testsuite name=\"outer\"><testcase name=\"z\"/>"
		       "<testsuite name=\"inner\"><testcase name=\"w\"/></testsuite>"
		       "<system-out>outer's</system-out></testsuite>"
		       "</testsuites>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 6);
	assert_string_equal(r.cases[0].id, "//a:t");
	assert_string_equal(r.cases[0].out, "the log");
	assert_string_equal(r.cases[0].err, "before");
	assert_string_equal(r.cases[1].out, "mine");
	assert_string_equal(r.cases[2].out, "");
	assert_string_equal(r.cases[3].out, "");
	/* in document order, each with its own suite */
	assert_string_equal(r.cases[4].id, "outer/z");
	assert_string_equal(r.cases[4].out, "");
	assert_string_equal(r.cases[5].id, "outer/inner/w");
	assert_string_equal(r.cases[5].out, "");
	/* the suites' own output that no case took */
	assert_int_equal(r.n_suites, 3);
	assert_string_equal(r.suites[0].id, "own");
	assert_string_equal(r.suites[0].out, "suite's");
	assert_string_equal(r.suites[0].err, "");
	assert_string_equal(r.suites[1].id, "two");
	assert_string_equal(r.suites[1].out, "shared");
	assert_string_equal(r.suites[2].id, "outer");
	assert_string_equal(r.suites[2].out, "outer's");
	assert_non_null(strstr(r.log.data, "y|two|"));
	assert_true(strstr(r.log.data, "y|two|") < strstr(r.log.data, "suite two|"));
	run_release(&r);

	/* one case of another shape: a class's one (retried) test, as assay's
	 * export writes it, or a case with a classname named like its suite */
	junit_read_str("<testsuites>"
		       "<testsuite name=\"com.acme.FlakyTest\"><testcase classname=\"com.acme.FlakyTest\" "
		       "name=\"sometimes\"/><system-out>CLASS LOG</system-out></testsuite>"
		       "<testsuite name=\"x\"><testcase classname=\"c\" name=\"x\"/>"
		       "<system-out>x's</system-out></testsuite>"
		       "</testsuites>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.cases[0].out, "");
	assert_string_equal(r.cases[1].out, "");
	assert_int_equal(r.n_suites, 2);
	assert_string_equal(r.suites[0].out, "CLASS LOG");
	assert_string_equal(r.suites[1].out, "x's");
	run_release(&r);

	/* nested suites' paths; blank output (a pretty-printed empty element)
	 * is none; a suite named like the root is the top level, id "" */
	junit_read_str("<testsuites name=\"all\">"
		       "<testsuite name=\"a\"><testsuite name=\"b\"><testcase name=\"1\"/>"
		       "<testcase name=\"2\"/><system-err>b's</system-err></testsuite>"
		       "<testcase name=\"3\"/><system-out>\n  </system-out></testsuite>"
		       "<testsuite name=\"all\"><testcase name=\"4\"/><testcase name=\"5\"/>"
		       "<system-out>top</system-out></testsuite>"
		       "</testsuites>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.n_suites, 2);
	assert_string_equal(r.suites[0].suite, "a/b");
	assert_string_equal(r.suites[0].id, "a/b");
	assert_string_equal(r.suites[0].out, "");
	assert_string_equal(r.suites[0].err, "b's");
	assert_string_equal(r.suites[1].suite, "all");
	assert_string_equal(r.suites[1].id, "");
	assert_string_equal(r.suites[1].out, "top");
	assert_string_equal(r.cases[3].id, "4"); /* the top level's cases, as its output */
	run_release(&r);

	/* a held case read whole before a fault is delivered, as the others */
	junit_read_str("<testsuite name=\"s\"><testcase name=\"a\"/><testcase", &r);
	assert_int_equal(r.rc, RC_PARSE);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.cases[0].id, "s/a");
	run_release(&r);
}

static void jest_failure_without_message_keeps_its_text(void **state)
{
	struct run r;
	junit_read_file("junit/jest_junit.xml", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 4);
	/* classname repeats the name: written once */
	assert_string_equal(r.cases[0].id, "cart/cart adds an item");
	assert_int_equal(r.cases[1].status, RS_FAILED);
	assert_string_equal(r.cases[1].message, "");
	assert_true(strncmp(r.cases[1].text, "Error: expect(received).toBe(expected)", 38) == 0);
	assert_int_equal(r.cases[2].status, RS_SKIPPED);
	assert_int_equal(r.cases[3].status, RS_PASSED); /* test.todo looks passed */
	run_release(&r);
}

static void nested_suites_are_joined_and_bare_cases_have_no_suite(void **state)
{
	struct run r;
	junit_read_file("junit/node_test.xml", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.cases[0].suite, "math/division");
	assert_string_equal(r.cases[0].id, "math/division/test/by zero");
	assert_string_equal(r.cases[0].type, "testCodeFailure");
	assert_non_null(strstr(r.cases[0].text, "TestContext.<anonymous> (file:///app/t.mjs:6:10)"));
	assert_string_equal(r.cases[1].suite, "math");
	assert_string_equal(r.cases[2].suite, "");
	assert_string_equal(r.cases[2].id, "test/top level");
	assert_int_equal(r.cases[2].line, 17);
	run_release(&r);
}

/* ---- refusals and errors ---- */

static void doctype_with_an_entity_is_refused(void **state)
{
	struct run r;
	junit_read_str("<?xml version=\"1.0\"?>\n"
		       "<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
		       " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n"
		       "<testsuites><testsuite name=\"&lol2;\"><testcase name=\"x\"/></testsuite></testsuites>\n",
		       &r);
	assert_int_equal(r.rc, RC_PARSE);
	assert_int_equal(r.e.code, RC_PARSE);
	assert_non_null(strstr(r.e.msg, "DOCTYPE is not allowed (entity expansion)"));
	assert_non_null(strstr(r.e.msg, "line 2"));
	assert_int_equal(r.n, 0);
	run_release(&r);
	/* an external one, without an internal subset */
	junit_read_str("<!DOCTYPE testsuites SYSTEM \"file:///etc/passwd\"><testsuites/>", &r);
	assert_int_equal(r.rc, RC_PARSE);
	assert_non_null(strstr(r.e.msg, "DOCTYPE is not allowed"));
	run_release(&r);
}

static void truncated_document_fails_at_finish_with_the_line(void **state)
{
	struct run r;
	junit_read_str("<?xml version=\"1.0\"?>\n<testsuites>\n  <testsuite name=\"a\">\n"
		       "    <testcase name=\"done\"/>\n    <testcase name=\"cut\"><failure mess",
		       &r);
	assert_int_equal(r.rc, RC_PARSE);
	assert_string_equal(r.e.msg, "line 5, column 26: unexpected end of document (truncated?)");
	assert_int_equal(r.n, 1); /* the complete case before the cut was delivered */
	run_release(&r);
	junit_read_str("", &r);
	assert_string_equal(r.e.msg, "line 1, column 1: unexpected end of document (truncated?)");
	run_release(&r);
}

static void malformed_xml_names_line_and_column(void **state)
{
	struct run r;
	junit_read_str("<testsuites>\n  <testsuite name=\"a\">\n    <testcase name=\"x\"></testsuite>\n"
		       "</testsuites>\n",
		       &r);
	assert_int_equal(r.rc, RC_PARSE);
	assert_string_equal(r.e.msg, "line 3, column 26: mismatched tag");
	run_release(&r);
	junit_read_str("<testsuite>\n<testcase name=\"a\" name=\"b\"/></testsuite>", &r);
	assert_string_equal(r.e.msg, "line 2, column 20: duplicate attribute");
	run_release(&r);
}

static void errors_stay_until_the_reader_is_freed(void **state)
{
	struct junit_reader *rd = junit_reader_new(NULL);
	struct error e = ERROR_INIT;
	assert_int_equal(junit_feed(rd, "<testsuite><a></b>", 18, &e), RC_PARSE);
	char first[sizeof(e.msg)];
	memcpy(first, e.msg, sizeof(first));
	err_clear(&e);
	assert_int_equal(junit_feed(rd, "</testsuite>", 12, &e), RC_PARSE);
	assert_string_equal(e.msg, first);
	assert_int_equal(junit_finish(rd, &e), RC_PARSE);
	assert_string_equal(e.msg, first);
	junit_reader_free(rd);
}

/* Found by fuzz/junit_fuzz: expat calls text after the root "junk" or an
 * "invalid token" (at another column) depending on where a chunk ends. */
static void text_after_the_root_fails_alike_in_every_chunking(void **state)
{
	struct run r;
	junit_read_str("<testsuite n=\"ci\">\n<testcase name=\"a\"/></testsuite>g\"o", &r);
	assert_int_equal(r.rc, RC_PARSE);
	assert_string_equal(r.e.msg, "line 2, column 33: text after the end of the root element");
	assert_int_equal(r.n, 1);
	run_release(&r);
	/* two files concatenated */
	junit_read_str("<testsuites/>\n<?xml version=\"1.0\"?>\n<testsuites/>\n", &r);
	assert_string_equal(r.e.msg, "line 2, column 1: text after the end of the root element");
	run_release(&r);
}

/* The place of text after the root counts characters, not bytes, over
 * comments and whitespace, in UTF-8 and in UTF-16. */
static void text_after_the_root_is_placed_by_characters(void **state)
{
	struct run r;
	junit_read_str("<testsuite>\n</testsuite> <!-- \xc3\xa9t\xc3\xa9\n\xc3\xa9 --> x", &r);
	assert_string_equal(r.e.msg, "line 3, column 7: text after the end of the root element");
	run_release(&r);
	/* "<testsuite/>\n x" in UTF-16LE with a BOM */
	const char le[] = "\xff\xfe<\0t\0e\0s\0t\0s\0u\0i\0t\0e\0/\0>\0\n\0 \0x\0";
	junit_read_all_ways(le, sizeof(le) - 1, &r);
	assert_int_equal(r.rc, RC_PARSE);
	assert_string_equal(r.e.msg, "line 2, column 2: text after the end of the root element");
	run_release(&r);
}

/* Found by fuzz/junit_fuzz: after the root, expat counted a CRLF split
 * between two chunks as two line breaks. */
static void crlf_after_the_root_is_one_line_in_every_chunking(void **state)
{
	struct run r;
	junit_read_str("<testsuite/>\r\n  <x a=\"1\"\xC0>\r\n", &r);
	assert_string_equal(r.e.msg, "line 2, column 3: text after the end of the root element");
	run_release(&r);
	junit_read_str("<testsuite/>\r\n\r\n<!-- not closed", &r);
	assert_string_equal(r.e.msg, "line 3, column 1: unexpected end of document (truncated?)");
	run_release(&r);
}

static void other_root_elements_are_not_junit(void **state)
{
	struct run r;
	junit_read_str("<?xml version=\"1.0\"?>\n<html><body>404</body></html>", &r);
	assert_int_equal(r.rc, RC_PARSE);
	assert_non_null(strstr(r.e.msg, "line 2, column 1: root element <html>"));
	run_release(&r);
	junit_read_str("<testsuites/>", &r); /* an empty run is fine */
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 0);
	run_release(&r);
}

/* ---- times ---- */

static int64_t time_of(const char *attrs)
{
	char *doc = xasprintf("<testsuite><testcase name=\"t\" %s/></testsuite>", attrs);
	struct run r;
	junit_run(doc, strlen(doc), 0, &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 1);
	int64_t ms = r.cases[0].duration_ms;
	run_release(&r);
	free(doc);
	return ms;
}

static void times_survive_separators_and_garbage(void **state)
{
	assert_int_equal(time_of("time=\"0.001\""), 1);
	assert_int_equal(time_of("time=\"1,234.5\""), 1234500);
	assert_int_equal(time_of("time=\"12,345,678.9\""), 12345678900);
	assert_int_equal(time_of("time=\"1,234\""), 1234000);    /* thousands, as the XSD allows */
	assert_int_equal(time_of("time=\"0,012\""), 12);         /* a decimal comma */
	assert_int_equal(time_of("time=\"12,5\""), 12500);
	assert_int_equal(time_of("time=\"1.234,5\""), 1234500);     /* a German JVM's */
	assert_int_equal(time_of("time=\"1.234.567,8\""), 1234567800);
	assert_int_equal(time_of("time=\"3\""), 3000);
	assert_int_equal(time_of("time=\" 0.5 \""), 500);
	assert_int_equal(time_of("time=\"1e-3\""), 1);
	assert_int_equal(time_of("time=\"0.0004\""), 0);
	assert_int_equal(time_of("time=\"\""), -1);
	assert_int_equal(time_of(""), -1);
	assert_int_equal(time_of("time=\"fast\""), -1);
	assert_int_equal(time_of("time=\"NaN\""), -1);
	assert_int_equal(time_of("time=\"-1.5\""), -1);
	assert_int_equal(time_of("time=\"1.2.3\""), -1);
	assert_int_equal(time_of("time=\"1.5 s\""), -1);
	assert_int_equal(time_of("time=\"1e999\""), -1);
	assert_int_equal(time_of("duration=\"2\""), 2000); /* Bazel */
}

/* ---- encodings and odd bytes ---- */

static void undeclared_latin1_bytes_and_control_characters_are_repaired(void **state)
{
	struct run r;
	junit_read_file("junit/latin1_undeclared.xml", &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.cases[0].suite, "caf\xc3\xa9");
	assert_string_equal(r.cases[0].name, "r\xc3\xa9sum\xc3\xa9");
	/* raw ESC and &#27; (both illegal in XML 1.0) become U+241B */
	assert_string_equal(r.cases[0].out, "colour: \xe2\x90\x9b[31mred\xe2\x90\x9b[0m \xe2\x90\x9b done");
	run_release(&r);
}

static void declared_encodings_are_honoured(void **state)
{
	struct run r;
	junit_read_str("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
		       "<testsuite name=\"caf\xe9\"><testcase name=\"\xe9t\xe9\"/></testsuite>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_string_equal(r.cases[0].name, "\xc3\xa9t\xc3\xa9");
	run_release(&r);
	/* raw control characters there become their pictures, as in UTF-8 */
	junit_read_str("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n"
		       "<testsuite><testcase name=\"a\x1b[0m\"><system-out>\x07&#x1b;</system-out></testcase></testsuite>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_string_equal(r.cases[0].name, "a\xe2\x90\x9b[0m");
	assert_string_equal(r.cases[0].out, "\xe2\x90\x87\xe2\x90\x9b");
	run_release(&r);
	/* windows-1252 (which expat does not know) is read as written: smart
	 * quotes and the euro sign, not C1 controls */
	junit_read_str("<?xml version='1.0' encoding='windows-1252'?><testsuite><testcase "
		       "name=\"\xe9 \x93q\x94 \x80\x81\"/></testsuite>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_string_equal(r.cases[0].name, "\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d \xe2\x82\xac\xc2\x81");
	run_release(&r);
	/* Kyua declares ISO-8859-1 over its tests' raw UTF-8: read as UTF-8,
	 * with a stray Latin-1 byte beside it still Latin-1 */
	junit_read_str("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n"
		       "<testsuite><testcase classname=\"caf\xc3\xa9\" name=\"t\xe9\"/></testsuite>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_string_equal(r.cases[0].classname, "caf\xc3\xa9");
	assert_string_equal(r.cases[0].name, "t\xc3\xa9");
	run_release(&r);
	/* UTF-8 with a BOM, and a stray Latin-1 byte next to real UTF-8 */
	junit_read_str("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<testsuite><testcase name=\"\xe2\x9c\x93 caf\xe9\"/></testsuite>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_string_equal(r.cases[0].name, "\xe2\x9c\x93 caf\xc3\xa9");
	run_release(&r);
	/* "utf-16" declared over 8-bit bytes (.NET serialising to a string,
	 * then saving it as UTF-8) is read as UTF-8, not refused */
	junit_read_str("<?xml version=\"1.0\" encoding=\"utf-16\"?>\n"
		       "<testsuite><testcase name=\"t\xc3\xa9\"/></testsuite>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_string_equal(r.cases[0].name, "t\xc3\xa9");
	run_release(&r);
	/* "<?xmlfoo ...?>" is a processing instruction, not the declaration:
	 * its "encoding" is not followed, the bytes are repaired as UTF-8 */
	junit_read_str("<?xmlfoo encoding=\"ISO-8859-1\"?>\n"
		       "<testsuite><testcase name=\"caf\xe9 \xe2\x9c\x93\"/></testsuite>",
		       &r);
	assert_int_equal(r.rc, RC_OK);
	assert_string_equal(r.cases[0].name, "caf\xc3\xa9 \xe2\x9c\x93");
	run_release(&r);
}

static void utf16_documents_are_read(void **state)
{
	const char *ascii = "<testsuite name=\"u\"><testcase name=\"x\"/></testsuite>";
	struct buf b = BUF_INIT;
	buf_add(&b, "\xff\xfe", 2);
	for (const char *p = ascii; *p; p++) {
		buf_addc(&b, *p);
		buf_addc(&b, '\0');
	}
	struct run r;
	junit_read_all_ways(b.data, b.len, &r);
	assert_int_equal(r.rc, RC_OK);
	assert_string_equal(r.cases[0].id, "u/x");
	run_release(&r);
	buf_release(&b);
}

/* ---- bounds ---- */

static void gigantic_system_out_costs_bounded_memory(void **state)
{
	struct run r;
	memset(&r, 0, sizeof(r));
	struct junit_callbacks cb = { .testcase = collect, .ctx = &r };
	struct junit_reader *rd = junit_reader_new(&cb);
	struct error e = ERROR_INIT;
	const char *head = "<testsuite name=\"s\"><system-out>suite output ";
	assert_int_equal(junit_feed(rd, head, strlen(head), &e), RC_OK);
	char line[4096];
	memset(line, 'x', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	for (int i = 0; i < 1024; i++) /* 4 MiB at suite level: read past */
		assert_int_equal(junit_feed(rd, line, sizeof(line), &e), RC_OK);
	const char *mid = "</system-out><testcase name=\"big\"><system-out><![CDATA[first line\n";
	assert_int_equal(junit_feed(rd, mid, strlen(mid), &e), RC_OK);
	size_t before = heap_in_use(), peak = 0;
	for (int i = 0; i < 4096; i++) { /* 16 MiB in the case's own output */
		assert_int_equal(junit_feed(rd, line, sizeof(line), &e), RC_OK);
		size_t now = heap_in_use();
		if (now > peak)
			peak = now;
	}
	assert_true(peak < before + 512 * 1024);
	const char *tail = "last line]]></system-out></testcase></testsuite>";
	assert_int_equal(junit_feed(rd, tail, strlen(tail), &e), RC_OK);
	assert_int_equal(junit_finish(rd, &e), RC_OK);
	junit_reader_free(rd);
	assert_int_equal(r.n, 1);
	const char *out = r.cases[0].out;
	assert_true(strlen(out) < 65 * 1024);
	assert_true(strncmp(out, "first line\nxxx", 14) == 0);
	assert_non_null(strstr(out, "bytes dropped ...]"));
	assert_true(strlen(out) > 9 && !strcmp(out + strlen(out) - 9, "last line"));
	run_release(&r);
}

/* Each open suite may hold its own output until it ends: suites nested
 * past 16 deep keep none, so a file nesting hundreds of suites, each with
 * output before its child, costs bounded memory. */
static void deeply_nested_suites_output_costs_bounded_memory(void **state)
{
	struct run r;
	memset(&r, 0, sizeof(r));
	struct junit_callbacks cb = { .testcase = collect, .suite_output = collect_suite, .ctx = &r };
	struct junit_reader *rd = junit_reader_new(&cb);
	struct error e = ERROR_INIT;
	char text[40 * 1024];
	memset(text, 'y', sizeof(text));
	size_t before = heap_in_use(), peak = 0;
	enum { DEPTH = 400 };
	for (int i = 0; i < DEPTH; i++) {
		char open[64];
		snprintf(open, sizeof(open), "<testsuite name=\"s%d\"><system-out>", i);
		assert_int_equal(junit_feed(rd, open, strlen(open), &e), RC_OK);
		assert_int_equal(junit_feed(rd, text, sizeof(text), &e), RC_OK);
		assert_int_equal(junit_feed(rd, "</system-out>", 13, &e), RC_OK);
		size_t now = heap_in_use();
		if (now > peak)
			peak = now;
	}
	assert_true(peak < before + 4 * 1024 * 1024); /* not 400 x 40 KiB */
	const char *c = "<testcase name=\"t\"/><testcase name=\"u\"/>";
	assert_int_equal(junit_feed(rd, c, strlen(c), &e), RC_OK);
	for (int i = 0; i < DEPTH; i++)
		assert_int_equal(junit_feed(rd, "</testsuite>", 12, &e), RC_OK);
	assert_int_equal(junit_finish(rd, &e), RC_OK);
	junit_reader_free(rd);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.n_suites, 16); /* the outermost 16, innermost first */
	assert_string_equal(r.suites[15].suite, "s0");
	assert_int_equal(strlen(r.suites[0].out), sizeof(text));
	run_release(&r);
}

/* Found by fuzz/junit_fuzz (with inputs past 64 KiB): the bounded texts
 * were cut inside characters. */
static void texts_cut_at_the_limit_stay_valid_utf8(void **state)
{
	struct buf doc = BUF_INIT;
	buf_adds(&doc, "<testsuite><testcase name=\"t\"><failure message=\"m\">");
	/* 75 KB of ✓ (3 bytes): the cuts 32 KiB from either end split one */
	for (int i = 0; i < 25000; i++)
		buf_adds(&doc, "\xE2\x9C\x93");
	buf_adds(&doc, "</failure><system-out><![CDATA[x");
	for (int i = 0; i < 20000; i++) /* 💥 (4 bytes), shifted by x and yz to split them */
		buf_adds(&doc, "\xF0\x9F\x92\xA5");
	buf_adds(&doc, "yz]]></system-out></testcase></testsuite>");
	struct run r;
	junit_run(doc.data, doc.len, 0, &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 1);
	assert_non_null(strstr(r.cases[0].text, " bytes dropped ...]"));
	assert_true(str_utf8_valid(r.cases[0].text));
	assert_non_null(strstr(r.cases[0].out, " bytes dropped ...]"));
	assert_true(str_utf8_valid(r.cases[0].out));
	run_release(&r);
	buf_release(&doc);
}

static void rerun_elements_beyond_the_limit_are_read_past(void **state)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "<testsuite><testcase name=\"t\"><failure message=\"first\"/>");
	for (int i = 0; i < 500; i++)
		buf_addf(&b, "<rerunFailure message=\"r%d\"><stackTrace>trace %d</stackTrace></rerunFailure>", i, i);
	buf_adds(&b, "</testcase></testsuite>");
	struct run r;
	junit_run(b.data, b.len, 0, &r);
	assert_int_equal(r.rc, RC_OK);
	assert_int_equal(r.n, 1);
	assert_true(r.cases[0].n_attempts <= 100);
	assert_int_equal(r.cases[0].status, RS_FAILED);
	assert_string_equal(r.cases[0].attempts[0].message, "first");
	run_release(&r);
	buf_release(&b);
}

/* ---- ids ---- */

/* The message joins the attribute and the text; Catch2's layout (the text
 * on lines of its own, the closing tag indented) is not part of it, while a
 * message's own indentation and last line end are. */
static void message_leaves_out_the_files_layout(void **state)
{
	(void)state;
	char *m = junit_message("1 + 1 == 3",
				"\nFAILED:\n  CHECK( 1 + 1 == 3 )\nat t.cpp:4\n      ");
	assert_string_equal(m, "1 + 1 == 3\nFAILED:\n  CHECK( 1 + 1 == 3 )\nat t.cpp:4\n");
	free(m);
	m = junit_message("", " \r\n\t\nFAILED:\nboom\n  ");
	assert_string_equal(m, "FAILED:\nboom\n");
	free(m);
	m = junit_message("", "  Failed test 'adds'\n  at t/basic.t line 8.\n");
	assert_string_equal(m, "  Failed test 'adds'\n  at t/basic.t line 8.\n");
	free(m);
	m = junit_message("expected:<1>", "expected:<1> but was:<2>\n\tat A.t(A.java:3)");
	assert_string_equal(m, "expected:<1> but was:<2>\n\tat A.t(A.java:3)");
	free(m);
	m = junit_message("why", "\n   \n    ");
	assert_string_equal(m, "why");
	free(m);
	assert_null(junit_message("", "\n  "));
	/* colours: ESC, forbidden in XML, reaches the message as its picture */
	m = junit_message("\xE2\x90\x9B[31mboom\xE2\x90\x9B[0m", "");
	assert_string_equal(m, "boom");
	free(m);
	assert_null(junit_message("\xE2\x90\x9B[0m", "")); /* colours alone are no message */
	/* Go: gotestsum's "Failed" over the test's framed log, its skip's log
	 * in the attribute; go-junit-report's indented log */
	m = junit_message("Failed", "=== RUN   TestT\n    t_test.go:16: off\n"
				    "        by one\n--- FAIL: TestT (0.00s)\n");
	assert_string_equal(m, "t_test.go:16: off\n    by one\n");
	free(m);
	m = junit_message("=== RUN   TestS\n    t_test.go:20: later\n--- SKIP: TestS (0.00s)\n",
			  "");
	assert_string_equal(m, "t_test.go:20: later\n");
	free(m);
	m = junit_message("Failed", "    cart_test.go:31: total = 90, want 85");
	assert_string_equal(m, "cart_test.go:31: total = 90, want 85");
	free(m);
	m = junit_message("Failed", "=== RUN   TestTable\n--- FAIL: TestTable (0.00s)\n");
	assert_string_equal(m, "Failed"); /* a parent failed by its subtests: nothing else */
	free(m);
	m = junit_message("Failed", "Failed\n    at x"); /* assay's own export */
	assert_string_equal(m, "Failed\n    at x");
	free(m);
	/* GoogleTest's place on a line of its own: joined to what failed */
	m = junit_message("t.cc:4\nExpected equality of these values:\n  3",
			  "t.cc:4\nExpected equality of these values:\n  3");
	assert_string_equal(m, "t.cc:4: Expected equality of these values:\n  3");
	free(m);
	const char *kept[] = { "t.cc:4", "t.cc:4\n  indented", "Error:12\nwhy", "a b.c:1\nwhy",
			       "C:\\x.cc:3\nwhy", "x.cc:\nwhy", "x.cc:12a\nwhy" };
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++) {
		m = junit_message(kept[i], "");
		assert_string_equal(m, kept[i]);
		free(m);
	}
	m = junit_message("t.cc:4\r\nExpected: true", ""); /* CRLF */
	assert_string_equal(m, "t.cc:4: Expected: true");
	free(m);
	/* an exported message (its first line as the attribute) is kept, so a
	 * message from TAP or CTRF reads back as it was */
	m = junit_message("lib.c:10", "lib.c:10\nboom");
	assert_string_equal(m, "lib.c:10\nboom");
	free(m);
	/* "Failed" over an indented trace that is not Go's: kept as it is */
	m = junit_message("Failed", "    at Object.<anonymous> (x.test.js:5:3)\n    at next");
	assert_string_equal(m, "Failed\n    at Object.<anonymous> (x.test.js:5:3)\n    at next");
	free(m);
	/* CTRF's message and trace: no dialect's rules */
	m = report_message("t.cc:4\nExpected", "");
	assert_string_equal(m, "t.cc:4\nExpected");
	free(m);
}

static void case_id_leaves_out_empty_and_repeated_parts(void **state)
{
	struct {
		const char *suite, *classname, *name, *id;
	} rows[] = {
		{ "pytest", "tests.test_api.TestUsers", "test_create", "tests.test_api.TestUsers/test_create" },
		{ "nightly", "test_api", "test_x", "nightly/test_api/test_x" }, /* a chosen suite name stays */
		{ "com.example.FooTest", "com.example.FooTest", "bar", "com.example.FooTest/bar" },
		{ "(empty)", "t1", "t1", "t1" },
		{ "myproj", "t1", "t1", "myproj/t1" },
		{ "outer/Inner", "Inner", "x", "outer/Inner/x" },
		{ "", "", "lonely", "lonely" },
		{ "", "", "", "(unnamed)" }, /* a case without a name is still a test */
		{ "s", "c", "", "s/c/(unnamed)" },
		{ "//pkg:t", "", "//pkg:t", "//pkg:t" }, /* Bazel's test.xml: the target, once */
		{ "s", "s", "s", "s/s" }, /* assay export of a test "s/s" reads back the same */
		{ "proj", "proj", "proj / simple", "proj/simple" }, /* Meson: the project once */
		{ "all", "sub", "sub / t", "all/sub/t" },
		{ "proj", "proj", "proj / ", "proj/proj / " }, /* nothing left after it: kept */
		{ "proj", "proj", "proj:core+extra / t", "proj/core+extra/t" }, /* Meson suites */
		{ "proj.proj:tap / t", "proj.proj:tap / t", "3 third", "proj/tap/t/3 third" },
		{ "math", " top level", " top level", "math/top level" }, /* jest-junit */
		{ "math", "adds", "math adds", "math/math adds" },        /* mocha-junit-reporter */
		{ "nested", "deep", "math nested deep", "nested/math nested deep" },
		{ "GET /api/users", "returns 200", "GET /api/users returns 200",
		  "GET /api/users/GET /api/users returns 200" }, /* a describe title with '/' */
		{ "s", "a b", "x a b", "s/a b/x a b" }, /* a name merely ending with it: kept */
		{ "Login", "Checkout", "Successful Checkout",
		  "Login/Checkout/Successful Checkout" },
		{ "s", " ", " ", "s/ " },               /* nothing but the space: kept */
		{ "Root Suite", "top", "top", "top" },
		{ "s", "c", " spaced ", "s/c/ spaced " }, /* a name's own spaces stay */
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct junit_case c = { .suite = rows[i].suite, .classname = rows[i].classname,
					.name = rows[i].name };
		struct buf b = BUF_INIT;
		buf_adds(&b, "id:"); /* appends */
		junit_case_id(&c, &b);
		char *want = xasprintf("id:%s", rows[i].id);
		assert_string_equal(b.data, want);
		free(want);
		buf_release(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pytest_xunit2_cases_drop_the_generic_suite_from_ids),
		cmocka_unit_test(surefire_flaky_case_passes_and_lists_the_failed_attempt),
		cmocka_unit_test(surefire_rerun_failure_ends_with_the_last_attempt),
		cmocka_unit_test(skipped_before_reruns_is_not_an_attempt),
		cmocka_unit_test(reruns_without_time_leave_the_cases_time_to_the_last),
		cmocka_unit_test(a_result_element_of_whitespace_has_no_text),
		cmocka_unit_test(gtest_failures_are_appended_and_disabled_tests_are_skipped),
		cmocka_unit_test(ctest_cases_keep_their_output_and_disabled_is_skipped),
		cmocka_unit_test(go_junit_report_ignores_package_output),
		cmocka_unit_test(ant_suite_level_output_is_the_suites_not_its_cases),
		cmocka_unit_test(a_suites_one_case_takes_the_suites_output),
		cmocka_unit_test(jest_failure_without_message_keeps_its_text),
		cmocka_unit_test(nested_suites_are_joined_and_bare_cases_have_no_suite),
		cmocka_unit_test(doctype_with_an_entity_is_refused),
		cmocka_unit_test(truncated_document_fails_at_finish_with_the_line),
		cmocka_unit_test(malformed_xml_names_line_and_column),
		cmocka_unit_test(errors_stay_until_the_reader_is_freed),
		cmocka_unit_test(text_after_the_root_fails_alike_in_every_chunking),
		cmocka_unit_test(text_after_the_root_is_placed_by_characters),
		cmocka_unit_test(crlf_after_the_root_is_one_line_in_every_chunking),
		cmocka_unit_test(other_root_elements_are_not_junit),
		cmocka_unit_test(times_survive_separators_and_garbage),
		cmocka_unit_test(undeclared_latin1_bytes_and_control_characters_are_repaired),
		cmocka_unit_test(declared_encodings_are_honoured),
		cmocka_unit_test(utf16_documents_are_read),
		cmocka_unit_test(gigantic_system_out_costs_bounded_memory),
		cmocka_unit_test(deeply_nested_suites_output_costs_bounded_memory),
		cmocka_unit_test(texts_cut_at_the_limit_stay_valid_utf8),
		cmocka_unit_test(rerun_elements_beyond_the_limit_are_read_past),
		cmocka_unit_test(case_id_leaves_out_empty_and_repeated_parts),
		cmocka_unit_test(message_leaves_out_the_files_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
