/* Unit tests of engine/exec with real processes: prerequisite outcomes,
 * resource ordering and context visibility, timeouts that leave no process
 * behind, bounded output, protocols. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <signal.h>

#include "util/base.h"

#include "engine/exec.h"
#include "testlib.h"
#include "util/str.h"

struct collected {
	struct result r[64];
	size_t n;
	struct result subs[64];
	size_t n_subs;
	struct suite_output outs[8];
	size_t n_outs;
	char order[256]; /* 'o' for each outputs event, 'r' for each result */
	size_t n_order;
	/* With streamed sub-results: each chunk's size, and what they held. */
	size_t chunks[16], n_chunks, streamed, streamed_bad;
	bool in_order;   /* each chunk's names follow the last one's */
	char last_sub[128];
	char events[4096];
};

static void on_result(void *ctx, const struct plan_item *it, struct result *r,
		      struct result *subs, size_t n_subs)
{
	struct collected *c = ctx;
	c->order[c->n_order++] = 'r';
	c->last_sub[0] = '\0'; /* the next test's sub-results start over */
	c->r[c->n++] = *r;
	for (size_t i = 0; i < n_subs && c->n_subs < 64; i++)
		c->subs[c->n_subs++] = subs[i];
}

static int stall_ms; /* on_sub_results holds the loop up this long, once */

/* Streamed sub-results are counted and checked, not kept. */
static void on_sub_results(void *ctx, const struct plan_item *it, struct result *subs, size_t n)
{
	(void)it;
	struct collected *c = ctx;
	if (stall_ms) {
		usleep((useconds_t)stall_ms * 1000);
		stall_ms = 0;
	}
	assert_true(c->n_chunks < 16);
	c->chunks[c->n_chunks++] = n;
	c->order[c->n_order++] = 's';
	for (size_t i = 0; i < n; i++) {
		c->streamed++;
		c->streamed_bad += status_is_negative(subs[i].status);
		if (strcmp(subs[i].test, c->last_sub) <= 0)
			c->in_order = false;
		snprintf(c->last_sub, sizeof(c->last_sub), "%s", subs[i].test);
		result_release(&subs[i]);
	}
}

static bool stream_subs; /* run_catalog streams sub-results (on_sub_results) */

static void on_suite_outputs(void *ctx, const struct plan_item *it, struct suite_output *o,
			     size_t n)
{
	(void)it;
	struct collected *c = ctx;
	c->order[c->n_order++] = 'o';
	for (size_t i = 0; i < n; i++) {
		assert_true(c->n_outs < 8);
		c->outs[c->n_outs++] = o[i];
	}
}

static void on_resource(void *ctx, const char *name, enum exec_resource_phase ph, bool ok,
			const char *msg)
{
	struct collected *c = ctx;
	size_t at = strlen(c->events);
	snprintf(c->events + at, sizeof(c->events) - at, "%s:%s:%s;", name,
		 ph == EXEC_SETUP ? "setup" : "cleanup", ok ? "ok" : "failed");
}

static void collected_release(struct collected *c)
{
	for (size_t i = 0; i < c->n; i++)
		result_release(&c->r[i]);
	for (size_t i = 0; i < c->n_subs; i++)
		result_release(&c->subs[i]);
	for (size_t i = 0; i < c->n_outs; i++)
		suite_output_release(&c->outs[i]);
}

static const struct result *find(const struct collected *c, const char *test)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->r[i].test, test))
			return &c->r[i];
	for (size_t i = 0; i < c->n_subs; i++)
		if (!strcmp(c->subs[i].test, test))
			return &c->subs[i];
	fail_msg("no result for %s", test);
	return NULL;
}

/* Runs every test of the catalog with `jobs` slots; results land in c. */
static void run_catalog(const char *dir, const char *yaml, int jobs, size_t limit,
			struct collected *c)
{
	struct catalog *cat = testlib_catalog(dir, yaml);
	struct plan_request req = { 0 };
	struct plan *p;
	struct error e = ERROR_INIT;
	assert_int_equal(plan_build(cat, &req, &p, &e), RC_OK);
	struct exec_opts o = EXEC_OPTS_DEFAULT;
	o.jobs = jobs;
	o.grace_ms = 300;
	o.run_id = "run-1";
	if (limit)
		o.output_limit = limit;
	struct kvlist ctx = KVLIST_INIT;
	kv_set(&ctx, "global", "g");
	o.context = &ctx;
	struct exec_events ev = { .ctx = c,
				  .result = on_result,
				  .resource = on_resource,
				  .suite_outputs = on_suite_outputs,
				  .sub_results = stream_subs ? on_sub_results : NULL };
	struct exec_summary sum;
	memset(c, 0, sizeof(*c));
	c->in_order = true;
	assert_int_equal(exec_run(p, &o, &ev, &sum, &e), RC_OK);
	assert_int_equal(sum.done, p->n);
	kv_release(&ctx);
	plan_free(p);
	catalog_free(cat);
}

static void exit_codes_map_to_passed_skipped_failed(void **state)
{
	char *dir = testlib_tmpdir();
	struct collected c;
	run_catalog(dir,
		    "tests:\n"
		    "  ok: {command: 'true'}\n"
		    "  skip: {command: sh -c 'exit 77'}\n"
		    "  bad: {command: sh -c 'echo oops >&2; exit 3'}\n"
		    "  missing: {command: ./no-such-program}\n",
		    2, 0, &c);
	assert_int_equal(find(&c, "ok")->status, RS_PASSED);
	assert_int_equal(find(&c, "skip")->status, RS_SKIPPED);
	const struct result *bad = find(&c, "bad");
	assert_int_equal(bad->status, RS_FAILED);
	assert_int_equal(bad->exit_code, 3);
	assert_string_equal(bad->message, "exit status 3");
	assert_string_equal(bad->stderr_text, "oops\n");
	const struct result *missing = find(&c, "missing");
	assert_int_equal(missing->status, RS_ERROR);
	assert_non_null(strstr(missing->message, "No such file"));
	collected_release(&c);
	testlib_rmdir(dir);
}

static void a_prerequisite_with_another_outcome_blocks_its_dependents(void **state)
{
	char *dir = testlib_tmpdir();
	struct collected c;
	run_catalog(dir,
		    "tests:\n"
		    "  build: {command: 'false'}\n"
		    "  needs-pass: {command: 'true', prerequisites: {build: passed}}\n"
		    "  needs-fail: {command: 'true', prerequisites: {build: failed}}\n"
		    "  chained: {command: 'true', prerequisites: [needs-pass]}\n",
		    2, 0, &c);
	const struct result *b = find(&c, "needs-pass");
	assert_int_equal(b->status, RS_BLOCKED);
	assert_string_equal(b->message, "prerequisite 'build' was failed, expected passed");
	assert_int_equal(find(&c, "needs-fail")->status, RS_PASSED);
	const struct result *ch = find(&c, "chained");
	assert_int_equal(ch->status, RS_BLOCKED);
	assert_non_null(strstr(ch->message, "'needs-pass' was blocked"));
	collected_release(&c);
	testlib_rmdir(dir);
}

static void prerequisites_run_before_their_dependents(void **state)
{
	char *dir = testlib_tmpdir();
	struct collected c;
	run_catalog(dir,
		    "tests:\n"
		    "  second: {command: sh -c 'test -f @DIR@/first.done', prerequisites: [first]}\n"
		    "  first: {command: sh -c 'sleep 0.2; touch @DIR@/first.done'}\n",
		    4, 0, &c);
	assert_int_equal(find(&c, "second")->status, RS_PASSED);
	collected_release(&c);
	testlib_rmdir(dir);
}

static void a_resource_is_set_up_once_before_its_users_and_cleaned_after_the_last(void **state)
{
	char *dir = testlib_tmpdir();
	struct collected c;
	run_catalog(dir,
		    "resources:\n"
		    "  db:\n"
		    "    setup: sh -c 'echo setup >> @DIR@/log; echo URL=db://x >> \"$ASSAY_CONTEXT_OUT\"'\n"
		    "    cleanup: sh -c 'echo \"cleanup $ASSAY_CTX_URL\" >> @DIR@/log'\n"
		    "tests:\n"
		    "  u1: {command: sh -c 'echo \"u1 $ASSAY_CTX_URL $ASSAY_CTX_global\" >> @DIR@/log', resources: [db]}\n"
		    "  u2: {command: sh -c 'echo \"u2 $ASSAY_CTX_URL\" >> @DIR@/log; exit 1', resources: [db]}\n"
		    "  u3: {command: sh -c 'sleep 0.1; echo \"u3 $ASSAY_CTX_URL\" >> @DIR@/log', resources: [db]}\n"
		    "  other:\n"
		    "    command: sh -c 'echo \"other [${ASSAY_CTX_URL-unset}] $ASSAY_CTX_global\" >> @DIR@/log'\n",
		    2, 0, &c);
	char *log = testlib_read(dir, "log");
	assert_non_null(log);
	/* set-up once, first of the db lines; clean-up once, last, with the context */
	const char *setup_at = strstr(log, "setup\n");
	assert_non_null(setup_at);
	assert_true(setup_at < strstr(log, "u1 ") && setup_at < strstr(log, "u2 ") &&
		    setup_at < strstr(log, "u3 "));
	assert_non_null(strstr(log, "u1 db://x g\n"));
	assert_non_null(strstr(log, "u2 db://x\n"));
	assert_non_null(strstr(log, "u3 db://x\n"));
	assert_non_null(strstr(log, "other [unset] g\n"));
	assert_true(str_ends(log, "cleanup db://x\n"));
	size_t setups = 0;
	for (const char *p = log; (p = strstr(p, "setup")); p++)
		setups++;
	assert_int_equal(setups, 1);
	assert_string_equal(c.events, "db:setup:ok;db:cleanup:ok;");
	assert_int_equal(find(&c, "u2")->status, RS_FAILED);
	free(log);
	collected_release(&c);
	testlib_rmdir(dir);
}

static void a_failed_setup_blocks_its_users_and_cleanup_still_runs(void **state)
{
	char *dir = testlib_tmpdir();
	struct collected c;
	run_catalog(dir,
		    "resources:\n"
		    "  db:\n"
		    "    setup: sh -c 'echo cannot start db >&2; exit 4'\n"
		    "    cleanup: sh -c 'echo cleaned > @DIR@/cleaned'\n"
		    "tests:\n"
		    "  u1: {command: 'true', resources: [db]}\n"
		    "  u2: {command: 'true', resources: [db]}\n"
		    "  free: {command: 'true'}\n",
		    1, 0, &c);
	const struct result *u1 = find(&c, "u1");
	assert_int_equal(u1->status, RS_BLOCKED);
	assert_non_null(strstr(u1->message, "resource 'db' set-up failed: exit status 4"));
	assert_non_null(strstr(u1->message, "cannot start db"));
	assert_int_equal(find(&c, "u2")->status, RS_BLOCKED);
	assert_int_equal(find(&c, "free")->status, RS_PASSED);
	char *cleaned = testlib_read(dir, "cleaned");
	assert_non_null(cleaned);
	free(cleaned);
	assert_string_equal(c.events, "db:setup:failed;db:cleanup:ok;");
	collected_release(&c);
	testlib_rmdir(dir);
}

static void a_timeout_kills_the_whole_process_group(void **state)
{
	char *dir = testlib_tmpdir();
	struct collected c;
	run_catalog(dir,
		    "tests:\n"
		    "  hang:\n"
		    "    command: sh -c 'sleep 30 & echo $! > @DIR@/child; trap \"\" TERM; sleep 30; wait'\n"
		    "    timeout: 300ms\n",
		    1, 0, &c);
	const struct result *r = find(&c, "hang");
	assert_int_equal(r->status, RS_ERROR);
	assert_string_equal(r->message, "timed out after 300ms");
	char *child = testlib_read(dir, "child");
	assert_non_null(child);
	pid_t pid = (pid_t)atoi(child);
	assert_true(pid > 0);
	/* The background sleep was in the test's group: it must be gone (or a
	 * zombie about to be reaped by init, which kill(0) still sees, so
	 * check /proc state). SIGKILL is sent, not waited for: on a busy
	 * machine the process may still be on its way out for a moment, so
	 * its state is read again until it is dead (a few seconds at most,
	 * for a kill that never came to fail rather than hang). */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char pstate = 'X';
	for (int tries = 0; tries < 500; tries++) {
		FILE *f = fopen(path, "r");
		if (!f) {
			pstate = 'X';
			break;
		}
		char buf[512] = "";
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		const char *st = strrchr(buf, ')');
		assert_non_null(st);
		pstate = st[2];
		if (pstate == 'Z' || pstate == 'X')
			break;
		usleep(10000);
	}
	assert_true(pstate == 'Z' || pstate == 'X');
	free(child);
	collected_release(&c);
	testlib_rmdir(dir);
}

static void output_is_bounded_head_and_tail(void **state)
{
	char *dir = testlib_tmpdir();
	struct collected c;
	run_catalog(dir,
		    "tests:\n"
		    "  loud: {command: sh -c 'echo START; head -c 5000000 /dev/zero | tr \"\\\\0\" x; echo; echo END'}\n",
		    1, 1024, &c);
	const struct result *r = find(&c, "loud");
	assert_int_equal(r->status, RS_PASSED);
	assert_true(str_starts(r->stdout_text, "START\n"));
	assert_true(str_ends(r->stdout_text, "END\n"));
	assert_true(strlen(r->stdout_text) < 3 * 1024);
	assert_true(r->stdout_dropped > 4000000);
	collected_release(&c);
	testlib_rmdir(dir);
}

static void tap_points_become_sub_results(void **state)
{
	char *dir = testlib_tmpdir();
	free(testlib_write(dir, "t.tap", "TAP version 13\n1..3\nok 1 - adds\nnot ok 2 - divides\n"
				    "  ---\n  message: by zero\n  ...\nok 3 - later # SKIP no db\n"));
	struct collected c;
	run_catalog(dir,
		    "tests:\n"
		    "  calc: {command: cat @DIR@/t.tap, protocol: tap}\n"
		    "  short: {command: sh -c 'echo 1..3; echo ok 1', protocol: tap}\n",
		    1, 0, &c);
	const struct result *calc = find(&c, "calc");
	assert_int_equal(calc->status, RS_FAILED);
	assert_non_null(strstr(calc->message, "1 of 3"));
	assert_int_equal(find(&c, "calc/adds")->status, RS_PASSED);
	const struct result *div = find(&c, "calc/divides");
	assert_int_equal(div->status, RS_FAILED);
	assert_string_equal(div->parent, "calc");
	assert_non_null(strstr(div->message, "by zero"));
	assert_int_equal(find(&c, "calc/later")->status, RS_SKIPPED);
	const struct result *s = find(&c, "short");
	assert_int_equal(s->status, RS_ERROR);
	assert_non_null(strstr(s->message, "bad TAP"));
	collected_release(&c);
	testlib_rmdir(dir);
}

static void junit_cases_become_sub_results(void **state)
{
	char *dir = testlib_tmpdir();
	free(testlib_write(dir, "r.xml",
		      "<testsuite name=\"s\"><testcase classname=\"k\" name=\"a\" time=\"0.5\"/>"
		      "<testcase classname=\"k\" name=\"b\"><failure message=\"nope\">trace</failure>"
		      "</testcase></testsuite>"));
	struct collected c;
	run_catalog(dir,
		    "tests:\n"
		    "  j: {command: sh -c 'cp @DIR@/r.xml \"$ASSAY_JUNIT_FILE\"', protocol: junit}\n"
		    "  nofile: {command: 'true', protocol: junit}\n",
		    1, 0, &c);
	const struct result *j = find(&c, "j");
	assert_int_equal(j->status, RS_FAILED);
	assert_int_equal(c.n_subs, 2);
	assert_int_equal(c.subs[0].status, RS_PASSED);
	assert_int_equal(c.subs[0].duration_ms, 500);
	assert_int_equal(c.subs[1].status, RS_FAILED);
	assert_non_null(strstr(c.subs[1].message, "nope"));
	assert_true(str_starts(c.subs[1].test, "j/"));
	assert_int_equal(find(&c, "nofile")->status, RS_ERROR);
	collected_release(&c);
	testlib_rmdir(dir);
}

/* A suite's own <system-out>/<system-err> (Gradle's class log) is an
 * outputs event named as the suite's cases' parent, delivered before the
 * test's result; a suite the names leave out (pytest's) gives the test's
 * own name. */
static void junit_suite_output_is_delivered_before_the_result(void **state)
{
	char *dir = testlib_tmpdir();
	free(testlib_write(dir, "r.xml",
			   "<testsuites><testsuite name=\"com.acme.CartTest\">"
			   "<testcase classname=\"com.acme.CartTest\" name=\"adds\"/>"
			   "<testcase classname=\"com.acme.CartTest\" name=\"removes\"/>"
			   "<system-out>class log line 1\nline 2</system-out>"
			   "<system-err>warning: slow</system-err></testsuite>"
			   "<testsuite name=\"quiet\"><testcase classname=\"quiet\" name=\"q\"/>"
			   "<system-out>  \n </system-out></testsuite>"
			   "</testsuites>"));
	free(testlib_write(dir, "top.xml",
			   "<testsuite name=\"pytest\"><testcase classname=\"m\" name=\"t\"/>"
			   "<system-out>session log</system-out></testsuite>"));
	struct collected c;
	run_catalog(dir,
		    "tests:\n"
		    "  gradle: {command: sh -c 'cp @DIR@/r.xml \"$ASSAY_JUNIT_FILE\"', "
		    "protocol: junit}\n"
		    "  py: {command: sh -c 'cp @DIR@/top.xml \"$ASSAY_JUNIT_FILE\"', "
		    "protocol: junit, prerequisites: [gradle]}\n"
		    "  late: {command: sh -c 'cp @DIR@/r.xml \"$ASSAY_JUNIT_FILE\"; sleep 30', "
		    "protocol: junit, timeout: 300ms, prerequisites: [py]}\n",
		    1, 0, &c);
	/* A test stopped before its end has no file read, so no outputs. */
	assert_string_equal(c.order, "ororr");
	assert_int_equal(find(&c, "late")->status, RS_ERROR);
	assert_int_equal(c.n_outs, 2);
	assert_string_equal(c.outs[0].suite, "gradle/com.acme.CartTest");
	assert_string_equal(c.outs[0].stdout_text, "class log line 1\nline 2");
	assert_string_equal(c.outs[0].stderr_text, "warning: slow");
	assert_true(str_starts(find(&c, "gradle/com.acme.CartTest/adds")->test,
			       c.outs[0].suite));
	assert_string_equal(c.outs[1].suite, "py");
	assert_string_equal(c.outs[1].stdout_text, "session log");
	assert_null(c.outs[1].stderr_text);
	assert_int_equal(find(&c, "gradle")->status, RS_PASSED);
	collected_release(&c);
	testlib_rmdir(dir);
}

/* With a sub_results event, 2,500 TAP points and 2,500 JUnit cases come a
 * thousand at a time, in order, before their result, which has none of
 * them but counts them in its message (bounded memory for a test with a
 * million). */
static void many_sub_results_stream_a_thousand_at_a_time(void **state)
{
	char *dir = testlib_tmpdir();
	free(testlib_write(dir, "tap.sh",
			   "i=1; echo 1..2500\n"
			   "while [ $i -le 2500 ]; do\n"
			   "  if [ $((i % 100)) = 0 ];\n"
			   "  then echo \"not ok $i - p$(printf %05d $i)\";\n"
			   "  else echo \"ok $i - p$(printf %05d $i)\"; fi; i=$((i + 1)); done\n"));
	free(testlib_write(dir, "junit.sh",
			   "{ i=1; echo '<testsuite name=\"s\">'\n"
			   "while [ $i -le 2500 ]; do n=$(printf %05d $i)\n"
			   "  if [ $((i % 500)) = 0 ]; then echo \"<testcase classname=\\\"k\\\" "
			   "name=\\\"c$n\\\"><failure message=\\\"no\\\"/></testcase>\";\n"
			   "  else echo \"<testcase classname=\\\"k\\\" name=\\\"c$n\\\"/>\"; fi\n"
			   "  i=$((i + 1)); done; echo '</testsuite>'\n"
			   "} >\"$ASSAY_JUNIT_FILE\"\n"));
	struct collected c;
	stream_subs = true;
	run_catalog(dir,
		    "tests:\n"
		    "  tap: {command: sh @DIR@/tap.sh, protocol: tap}\n"
		    "  ju: {command: sh @DIR@/junit.sh, protocol: junit,\n"
		    "       prerequisites: {tap: failed}}\n",
		    1, 0, &c);
	stream_subs = false;
	assert_string_equal(c.order, "sssrsssr");
	assert_int_equal(c.n_chunks, 6);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(c.chunks[i], i % 3 == 2 ? 500 : 1000);
	assert_int_equal(c.streamed, 5000);
	assert_int_equal(c.streamed_bad, 25 + 5);
	assert_true(c.in_order);
	assert_int_equal(c.n_subs, 0);
	const struct result *tap = find(&c, "tap");
	assert_int_equal(tap->status, RS_FAILED);
	assert_non_null(strstr(tap->message, "25"));
	assert_non_null(
		strstr(tap->message, "p00100, p00200, p00300, p00400, p00500, and 20 more"));
	const struct result *ju = find(&c, "ju");
	assert_int_equal(ju->status, RS_FAILED);
	assert_string_equal(ju->message, "5 of 2500 JUnit test cases failed: s/k/c00500, "
					 "s/k/c01000, s/k/c01500, s/k/c02000, s/k/c02500");
	collected_release(&c);
	testlib_rmdir(dir);
}

/* The loop held up (a slow store, say) past a test's timeout while that
 * test had already ended: it did not time out. */
static void a_test_that_ended_in_time_is_not_timed_out_by_a_late_loop(void **state)
{
	char *dir = testlib_tmpdir();
	struct collected c;
	stream_subs = true;
	stall_ms = 1500;
	run_catalog(dir,
		    "tests:\n"
		    "  points:\n"
		    "    command: awk 'BEGIN { print \"1..1000\"; for (i = 1; i <= 1000; i++) "
		    "print \"ok \" i }'\n"
		    "    protocol: tap\n"
		    "  quick: {command: sleep 0.2, timeout: 1s}\n",
		    2, 0, &c);
	stream_subs = false;
	assert_int_equal(stall_ms, 0); /* the stall happened */
	const struct result *q = find(&c, "quick");
	if (q->status != RS_PASSED)
		fail_msg("quick: %s (%s)", status_name(q->status), q->message ? q->message : "");
	assert_int_equal(find(&c, "points")->status, RS_PASSED);
	collected_release(&c);
	testlib_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_codes_map_to_passed_skipped_failed),
		cmocka_unit_test(a_prerequisite_with_another_outcome_blocks_its_dependents),
		cmocka_unit_test(prerequisites_run_before_their_dependents),
		cmocka_unit_test(a_resource_is_set_up_once_before_its_users_and_cleaned_after_the_last),
		cmocka_unit_test(a_failed_setup_blocks_its_users_and_cleanup_still_runs),
		cmocka_unit_test(a_timeout_kills_the_whole_process_group),
		cmocka_unit_test(output_is_bounded_head_and_tail),
		cmocka_unit_test(tap_points_become_sub_results),
		cmocka_unit_test(junit_cases_become_sub_results),
		cmocka_unit_test(junit_suite_output_is_delivered_before_the_result),
		cmocka_unit_test(many_sub_results_stream_a_thousand_at_a_time),
		cmocka_unit_test(a_test_that_ended_in_time_is_not_timed_out_by_a_late_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
