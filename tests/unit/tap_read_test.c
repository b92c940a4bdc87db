/* Unit tests of formats/tap_read: every stream is read whole and in every
 * chunk size, and must give the same points; plans, directives, YAML and
 * Test::More diagnostics, subtests (named and unnamed), bail-out, bounds.
 * Streams from real producers are in tests/data/tap/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <malloc.h>

#include "formats/tap_read.h"
#include "util/buf.h"

#include "testlib.h"

/* ---- helpers ---- */

/* A delivered point, copied (the reader's strings live only during the callback). */
struct pt {
	int number, depth, line;
	bool ok;
	enum tap_directive dir;
	char *desc, *reason, *diag, *path;
	int64_t duration_ms;
	char *msg; /* tap_point_result's message, NULL when none */
};

struct run {
	struct pt *pts;
	size_t n, cap;
	struct buf log; /* every field of every point and the summary, for comparison */
	struct tap_summary sum;
};

static void collect(void *ctx, const struct tap_point *p)
{
	struct run *r = ctx;
	GROW(r->pts, r->cap, r->n + 1);
	r->pts[r->n++] = (struct pt){ p->number, p->depth, p->line, p->ok, p->directive,
				      xstrdup(p->description), xstrdup(p->reason),
				      xstrdup(p->diagnostics), xstrdup(p->path), p->duration_ms,
				      NULL };
	struct buf name = BUF_INIT;
	enum result_status status;
	tap_point_result(p, &name, &status, &r->pts[r->n - 1].msg);
	buf_release(&name);
	buf_addf(&r->log, "[%s] %d #%d %s %d '%s' '%s' @%d %lldms\n", p->path, p->depth,
		 p->number, p->ok ? "ok" : "not ok", p->directive, p->description, p->reason,
		 p->line, (long long)p->duration_ms);
	if (p->diagnostics)
		buf_addf(&r->log, "<<%s>>\n", p->diagnostics);
}

static void run_release(struct run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->pts[i].desc);
		free(r->pts[i].reason);
		free(r->pts[i].diag);
		free(r->pts[i].path);
		free(r->pts[i].msg);
	}
	free(r->pts);
	buf_release(&r->log);
	tap_summary_release(&r->sum);
	memset(r, 0, sizeof(*r));
}

/* Reads `data` in chunks of `chunk` bytes (0: all at once) into `out`. */
static void tap_run(const char *data, size_t n, size_t chunk, struct run *out)
{
	memset(out, 0, sizeof(*out));
	struct tap_callbacks cb = { .point = collect, .ctx = out };
	struct tap_reader *r = tap_reader_new(&cb);
	if (!chunk)
		chunk = n ? n : 1;
	for (size_t i = 0; i < n; i += chunk)
		tap_feed(r, data + i, n - i < chunk ? n - i : chunk);
	tap_finish(r, &out->sum);
	tap_reader_free(r);
	struct tap_summary *s = &out->sum;
	buf_addf(&out->log, "v%d plan %d seen %d p%d f%d s%d t%d bail %d skipall %d '%s' '%s'\n",
		 s->version, s->planned, s->seen, s->passed, s->failed, s->skipped, s->todo,
		 s->bailed, s->skip_all, s->reason ? s->reason : "-", s->problem ? s->problem : "-");
}

/* Reads `data` whole into `out`, then again in every chunk size from 1 byte
 * to the whole (so split mid-line, mid-CRLF and mid-UTF-8), and checks each
 * reading delivers exactly the same points and summary. */
static void tap_read_all_ways(const char *data, size_t n, struct run *out)
{
	tap_run(data, n, 0, out);
	for (size_t chunk = 1; chunk <= n; chunk++) {
		struct run again;
		tap_run(data, n, chunk, &again);
		if (strcmp(again.log.data, out->log.data))
			fail_msg("chunks of %zu bytes gave\n%s\ninstead of\n%s", chunk,
				 again.log.data, out->log.data);
		run_release(&again);
	}
}

static void tap_read_str(const char *s, struct run *out)
{
	tap_read_all_ways(s, strlen(s), out);
}

static void tap_read_file(const char *rel, struct run *out)
{
	size_t n;
	char *data = read_data(rel, &n);
	tap_read_all_ways(data, n, out);
	free(data);
}

/* ---- real producers ---- */

static void test_more_failure_comments_become_the_points_diagnostics(void **state)
{
	struct run r;
	tap_read_file("tap/test_more.tap", &r);
	assert_int_equal(r.n, 8);
	assert_string_equal(r.pts[1].desc, "adds numbers");
	assert_false(r.pts[1].ok);
	assert_string_equal(r.pts[1].diag, "  Failed test 'adds numbers'\n"
					   "  at t/basic.t line 8.\n"
					   "         got: '3'\n"
					   "    expected: '4'\n");
	assert_null(r.pts[0].diag); /* passing points collect nothing */
	/* "ok 3 # skip reason": no description, lower-case directive */
	assert_int_equal(r.pts[2].dir, TAP_SKIP);
	assert_string_equal(r.pts[2].desc, "");
	assert_string_equal(r.pts[2].reason, "not on Windows");
	assert_int_equal(r.pts[3].dir, TAP_TODO);
	assert_string_equal(r.pts[3].reason, "not implemented yet");
	assert_non_null(strstr(r.pts[3].diag, "Failed (TODO) test"));
	/* the subtest's points come first, then its summarising point */
	assert_string_equal(r.pts[4].path, "parser");
	assert_int_equal(r.pts[4].depth, 1);
	assert_string_equal(r.pts[5].desc, "rejects garbage");
	assert_string_equal(r.pts[5].diag, "  Failed test 'rejects garbage'\n"
					   "  at t/basic.t line 16.\n"); /* not "Looks like you failed" */
	assert_string_equal(r.pts[6].path, "");
	assert_string_equal(r.pts[6].desc, "parser");
	assert_int_equal(r.pts[6].number, 5);
	assert_int_equal(r.pts[6].line, 19);
	assert_string_equal(r.pts[7].desc, "issue #42 stays fixed"); /* '#' without a directive */
	assert_null(r.pts[7].diag);

	assert_int_equal(r.sum.version, 12);
	assert_int_equal(r.sum.planned, 6);
	assert_int_equal(r.sum.seen, 6); /* top level only */
	assert_int_equal(r.sum.passed, 2);
	assert_int_equal(r.sum.failed, 2);
	assert_int_equal(r.sum.skipped, 1);
	assert_int_equal(r.sum.todo, 1);
	assert_null(r.sum.problem);
	run_release(&r);
}

static void node_test_yaml_blocks_attach_to_the_point_before_them(void **state)
{
	struct run r;
	tap_read_file("tap/node_test.tap", &r);
	assert_int_equal(r.n, 6);
	assert_string_equal(r.pts[0].path, "math");
	assert_string_equal(r.pts[0].diag, "duration_ms: 0.512\n");
	assert_int_equal(r.pts[0].duration_ms, 1); /* rounded */
	assert_string_equal(r.pts[1].desc, "subtracts");
	assert_non_null(strstr(r.pts[1].diag, "failureType: 'testCodeFailure'\n"));
	assert_non_null(strstr(r.pts[1].diag, "error: |-\n  Expected values to be strictly equal:\n"));
	assert_non_null(strstr(r.pts[1].diag, "\n  Test.runInAsyncScope (node:async_hooks:206:9)\n"));
	/* nested describe: path joins the subtest names */
	assert_string_equal(r.pts[2].path, "math/division");
	assert_int_equal(r.pts[2].depth, 2);
	assert_int_equal(r.pts[2].dir, TAP_SKIP);
	assert_string_equal(r.pts[2].diag, "duration_ms: 0.05\n");
	assert_string_equal(r.pts[3].path, "math");
	assert_string_equal(r.pts[3].desc, "division");
	assert_int_equal(r.pts[3].duration_ms, 0);
	assert_non_null(strstr(r.pts[3].diag, "type: 'suite'"));
	assert_string_equal(r.pts[4].path, "");
	assert_string_equal(r.pts[4].desc, "math");
	assert_non_null(strstr(r.pts[4].diag, "failureType: 'subtestsFailed'"));
	assert_null(strstr(r.pts[4].diag, "stdout")); /* the comment after it is not its diagnostics */
	assert_int_equal(r.pts[4].duration_ms, 2);
	assert_int_equal(r.pts[5].dir, TAP_TODO);
	assert_false(r.pts[5].ok);

	assert_int_equal(r.sum.version, 13);
	assert_int_equal(r.sum.planned, 2);
	assert_int_equal(r.sum.seen, 2);
	assert_int_equal(r.sum.failed, 1);
	assert_int_equal(r.sum.todo, 1); /* not ok # TODO is not a failure */
	assert_null(r.sum.problem);
	run_release(&r);
}

static void unnamed_subtests_are_named_by_the_point_that_follows_them(void **state)
{
	struct run r;
	tap_read_file("tap/tap14_unnamed_subtests.tap", &r);
	assert_int_equal(r.n, 7);
	assert_string_equal(r.pts[0].path, "first group ✓");
	assert_string_equal(r.pts[1].path, "first group ✓");
	assert_string_equal(r.pts[2].desc, "first group ✓");
	assert_string_equal(r.pts[2].path, "");
	assert_string_equal(r.pts[3].desc, "deepest");
	assert_string_equal(r.pts[3].path, "second group/middle");
	assert_int_equal(r.pts[3].depth, 2);
	assert_string_equal(r.pts[4].desc, "middle");
	assert_string_equal(r.pts[4].path, "second group");
	assert_string_equal(r.pts[5].desc, "second group");
	/* escapes, and "# todo: reason" after them */
	assert_string_equal(r.pts[6].desc, "plain # not a directive \\ backslash");
	assert_int_equal(r.pts[6].dir, TAP_TODO);
	assert_string_equal(r.pts[6].reason, "later");
	assert_int_equal(r.sum.version, 14);
	assert_int_equal(r.sum.seen, 3);
	assert_int_equal(r.sum.passed, 2);
	assert_int_equal(r.sum.todo, 1); /* "ok # TODO" is a todo too */
	assert_null(r.sum.problem);      /* pragma +strict is ignored */
	run_release(&r);
}

static void bail_out_ends_the_stream_with_its_reason(void **state)
{
	struct run r;
	tap_read_file("tap/bats.tap", &r);
	assert_int_equal(r.n, 2); /* "ok 3" after the bail-out is not read */
	assert_string_equal(r.pts[1].diag, "(in test file test/net.bats, line 7)\n"
					   "  `curl -sf http://localhost:8080' failed with status 7\n");
	assert_true(r.sum.bailed);
	assert_string_equal(r.sum.reason, "database went away");
	assert_null(r.sum.problem); /* the short count is explained by the bail-out */
	run_release(&r);
}

static void crlf_streams_read_like_lf_streams(void **state)
{
	size_t n;
	char *lf = read_data("tap/test_more.tap", &n);
	struct buf crlf = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (lf[i] == '\n')
			buf_addc(&crlf, '\r');
		buf_addc(&crlf, lf[i]);
	}
	struct run a, b;
	tap_run(lf, n, 0, &a);
	tap_read_all_ways(crlf.data, crlf.len, &b);
	assert_string_equal(a.log.data, b.log.data);
	run_release(&a);
	run_release(&b);
	buf_release(&crlf);
	free(lf);
}

/* ---- plans ---- */

static void plan_first_or_last_is_valid(void **state)
{
	struct run r;
	tap_read_str("1..2\nok 1\nok 2\n", &r);
	assert_null(r.sum.problem);
	assert_int_equal(r.sum.planned, 2);
	run_release(&r);
	tap_read_str("ok 1\nok 2\n1..2\n", &r);
	assert_null(r.sum.problem);
	assert_int_equal(r.sum.planned, 2);
	run_release(&r);
}

static void missing_plan_is_a_problem(void **state)
{
	struct run r;
	tap_read_str("ok 1\nok 2\n", &r);
	assert_int_equal(r.sum.planned, -1);
	assert_string_equal(r.sum.problem, "no plan");
	run_release(&r);
	tap_read_str("", &r);
	assert_string_equal(r.sum.problem, "no plan");
	assert_int_equal(r.n, 0);
	run_release(&r);
}

static void count_differing_from_plan_is_a_problem(void **state)
{
	struct run r;
	tap_read_str("1..5\nok 1\nok 2\nok 3\nnot ok 4\n", &r);
	assert_string_equal(r.sum.problem, "planned 5 tests but ran 4");
	assert_int_equal(r.n, 4);
	run_release(&r);
}

static void plan_seen_twice_is_a_problem(void **state)
{
	struct run r;
	tap_read_str("1..2\nok 1\nok 2\n1..2\n", &r);
	assert_non_null(r.sum.problem);
	assert_non_null(strstr(r.sum.problem, "plan seen twice (lines 1 and 4)"));
	run_release(&r);
}

static void plan_in_the_middle_is_a_problem(void **state)
{
	struct run r;
	tap_read_str("ok 1\n1..3\nok 2\nok 3\n", &r);
	assert_non_null(r.sum.problem);
	assert_non_null(strstr(r.sum.problem, "after the plan at line 2"));
	assert_int_equal(r.n, 3);
	run_release(&r);
}

static void plan_of_zero_skips_everything(void **state)
{
	struct run r;
	tap_read_str("1..0 # SKIP no database here\n", &r);
	assert_true(r.sum.skip_all);
	assert_int_equal(r.sum.planned, 0);
	assert_string_equal(r.sum.reason, "no database here");
	assert_null(r.sum.problem);
	run_release(&r);
	tap_read_str("TAP version 14\n1..0\n", &r);
	assert_true(r.sum.skip_all);
	assert_null(r.sum.reason);
	assert_int_equal(r.sum.version, 14);
	run_release(&r);
}

/* ---- test points ---- */

static void directives_are_case_insensitive_and_counted_apart(void **state)
{
	struct run r;
	tap_read_str("1..8\n"
		     "ok 1 - plain\n"
		     "ok 2 - lower # skip no network\n"
		     "ok 3 - odd case # SkIp\n"
		     "ok 4 # SKIPPED: Test::Harness spelling\n"
		     "not ok 5 - expected failure # TODO fix parser\n"
		     "not ok 6 - mixed # tOdO\n"
		     "ok 7 - bonus # TODO\n"
		     "not ok 8 - real failure # not a directive\n",
		     &r);
	assert_int_equal(r.pts[1].dir, TAP_SKIP);
	assert_string_equal(r.pts[1].desc, "lower");
	assert_string_equal(r.pts[1].reason, "no network");
	assert_int_equal(r.pts[2].dir, TAP_SKIP);
	assert_string_equal(r.pts[2].reason, "");
	assert_int_equal(r.pts[3].dir, TAP_SKIP);
	assert_string_equal(r.pts[3].reason, "Test::Harness spelling");
	assert_int_equal(r.pts[4].dir, TAP_TODO);
	assert_string_equal(r.pts[4].reason, "fix parser");
	assert_int_equal(r.pts[5].dir, TAP_TODO);
	assert_int_equal(r.pts[7].dir, TAP_NONE);
	assert_string_equal(r.pts[7].desc, "real failure # not a directive");
	assert_int_equal(r.sum.passed, 1);
	assert_int_equal(r.sum.skipped, 3);
	assert_int_equal(r.sum.todo, 3);
	assert_int_equal(r.sum.failed, 1);
	assert_null(r.sum.problem);
	run_release(&r);
}

static void escaped_hash_does_not_start_a_directive(void **state)
{
	struct run r;
	tap_read_str("1..2\nok 1 - a \\# SKIP is text \\\\ here\nok 2 - b \\\\# SKIP real\n", &r);
	assert_string_equal(r.pts[0].desc, "a # SKIP is text \\ here");
	assert_int_equal(r.pts[0].dir, TAP_NONE);
	assert_string_equal(r.pts[1].desc, "b \\");
	assert_int_equal(r.pts[1].dir, TAP_SKIP);
	assert_string_equal(r.pts[1].reason, "real");
	run_release(&r);
}

static void missing_numbers_are_counted(void **state)
{
	struct run r;
	tap_read_str("ok\nnot ok - second\nok 7 seventh\nok - fourth\n1..4\n", &r);
	assert_int_equal(r.pts[0].number, 1);
	assert_string_equal(r.pts[0].desc, "");
	assert_int_equal(r.pts[1].number, 2);
	assert_string_equal(r.pts[1].desc, "second");
	assert_int_equal(r.pts[2].number, 7);
	assert_string_equal(r.pts[2].desc, "seventh");
	assert_int_equal(r.pts[3].number, 4);
	assert_int_equal(r.pts[3].line, 4);
	assert_null(r.sum.problem);
	run_release(&r);
}

static void unknown_lines_and_comments_are_ignored(void **state)
{
	struct run r;
	tap_read_str("TAP version 13\n\npragma +strict\nhello from a stray printf\n# note\n"
		     "1..1\n  \nokay this is not a point\nok 1 - only\n# done\n",
		     &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.pts[0].desc, "only");
	assert_null(r.pts[0].diag);
	assert_null(r.sum.problem);
	run_release(&r);
}

/* ---- YAML ---- */

static void yaml_block_goes_to_the_point_before_it_only(void **state)
{
	struct run r;
	tap_read_str("TAP version 14\n1..3\n"
		     "not ok 1 - first\n  ---\n  message: 'boom'\n  data:\n    got: 1\n  ...\n"
		     "ok 2 - second\n"
		     "not ok 3 - third\n  ---\n  at: x.c:3\n",
		     &r);
	assert_string_equal(r.pts[0].diag, "message: 'boom'\ndata:\n  got: 1\n");
	assert_null(r.pts[1].diag);
	/* a block cut off by the end of the stream is still delivered */
	assert_string_equal(r.pts[2].diag, "at: x.c:3\n");
	run_release(&r);
}

static void yaml_block_without_end_stops_at_the_next_point(void **state)
{
	struct run r;
	tap_read_str("1..2\nnot ok 1\n  ---\n  a: 1\nok 2\n", &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.pts[0].diag, "a: 1\n");
	assert_null(r.pts[1].diag);
	run_release(&r);
}

static void huge_yaml_block_is_cut_at_64k(void **state)
{
	struct buf s = BUF_INIT;
	buf_adds(&s, "1..1\nnot ok 1 - big\n  ---\n  stack: |-\n");
	for (int i = 0; i < 20000; i++)
		buf_addf(&s, "    frame %05d at somewhere.c:%d\n", i, i);
	buf_adds(&s, "  ...\n");
	struct run r;
	tap_run(s.data, s.len, 4096, &r);
	assert_int_equal(r.n, 1);
	assert_true(strlen(r.pts[0].diag) <= 64 * 1024 + 64);
	assert_true(strncmp(r.pts[0].diag, "stack: |-\n  frame 00000", 23) == 0);
	assert_non_null(strstr(r.pts[0].diag, "bytes dropped ...]"));
	run_release(&r);
	buf_release(&s);
}

/* ---- subtests ---- */

static void old_test_more_subtest_header_inside_the_subtest_names_it(void **state)
{
	struct run r;
	tap_read_str("1..1\n"
		     "    # Subtest: outer\n"
		     "        # Subtest: inner\n"
		     "        ok 1 - leaf\n"
		     "        1..1\n"
		     "    ok 1 - inner\n"
		     "    1..1\n"
		     "ok 1 - outer\n",
		     &r);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.pts[0].path, "outer/inner");
	assert_string_equal(r.pts[1].path, "outer");
	assert_string_equal(r.pts[2].path, "");
	assert_null(r.sum.problem);
	run_release(&r);
}

static void subtest_header_without_a_name_leaves_it_to_the_summary(void **state)
{
	struct run r;
	tap_read_str("1..1\n# Subtest\n    ok 1 - a\n    1..1\nok 1 - named later\n", &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.pts[0].path, "named later");
	run_release(&r);
}

static void subtest_without_summary_is_called_subtest(void **state)
{
	struct run r;
	tap_read_str("1..1\n    ok 1 - orphan\n    1..1\n# a comment\n1..1\n", &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.pts[0].path, "subtest");
	run_release(&r);
	/* cut off inside the subtest */
	tap_read_str("1..2\nok 1\n    ok 1 - cut\n", &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.pts[1].path, "subtest");
	assert_string_equal(r.sum.problem, "planned 2 tests but ran 1");
	run_release(&r);
}

static void unnamed_subtest_holds_a_bounded_number_of_points(void **state)
{
	struct buf s = BUF_INIT;
	buf_adds(&s, "1..1\n");
	for (int i = 1; i <= 10001; i++)
		buf_addf(&s, "    ok %d - p%d\n", i, i);
	buf_adds(&s, "    1..10001\nok 1 - big group\n");
	struct run r;
	tap_run(s.data, s.len, 65536, &r);
	assert_int_equal(r.n, 10002);
	assert_string_equal(r.pts[0].path, "subtest");
	assert_string_equal(r.pts[10000].path, "subtest");
	assert_string_equal(r.pts[10001].desc, "big group");
	assert_string_equal(r.pts[10001].path, "");
	assert_null(r.sum.problem);
	run_release(&r);
	buf_release(&s);
}

/* ---- bounds ---- */

static void megabyte_line_is_truncated_without_growing_memory(void **state)
{
	struct run r;
	memset(&r, 0, sizeof(r));
	struct tap_callbacks cb = { .point = collect, .ctx = &r };
	struct tap_reader *rd = tap_reader_new(&cb);
	tap_feed(rd, "1..1\nok 1 - ", 12);
	size_t before = heap_in_use();
	char chunk[4096];
	memset(chunk, 'a', sizeof(chunk));
	/* an "é" whose second byte is the first one past the 64 KiB cut */
	chunk[4088] = (char)0xC3;
	chunk[4089] = (char)0xA9;
	size_t peak = 0;
	for (int i = 0; i < 256; i++) { /* 1 MiB */
		tap_feed(rd, chunk, sizeof(chunk));
		size_t now = heap_in_use();
		if (now > peak)
			peak = now;
	}
	assert_true(peak < before + 256 * 1024);
	tap_feed(rd, " # SKIP lost\n", 13);
	tap_finish(rd, &r.sum);
	tap_reader_free(rd);
	assert_int_equal(r.n, 1);
	size_t len = strlen(r.pts[0].desc);
	assert_true(len > 60 * 1024 && len <= 64 * 1024);
	assert_true(strncmp(r.pts[0].desc, "aaaa", 4) == 0);
	assert_int_equal(r.pts[0].desc[len - 1], 'a'); /* no half character left */
	assert_int_equal(r.pts[0].dir, TAP_NONE); /* the directive was in the cut part */
	assert_null(r.sum.problem);
	run_release(&r);
}

/* ---- YAML blocks and comments ---- */

static void yaml_blocks_give_their_scalars(void **state)
{
	(void)state;
	struct tap_yaml y;
	/* assay's own export, with escapes; unknown and nested keys passed over */
	assert_true(tap_yaml_read("message: \"a # b\\nline 2 \\\"q\\\"\"\n"
				  "severity: fail\nstatus: \"error\"\nduration_ms: 30\n"
				  "at:\n  file: t.js\n  line: [1, 2]\nexit_code: 3\nparent: \"p/q\"\n",
				  &y));
	assert_string_equal(y.message, "a # b\nline 2 \"q\"");
	assert_string_equal(y.status, "error");
	assert_string_equal(y.parent, "p/q");
	assert_int_equal(y.exit_code, 3);
	tap_yaml_release(&y);
	/* a block scalar message */
	assert_true(tap_yaml_read("duration_ms: 12.6\nmessage: |\n  first\n  second\n", &y));
	assert_string_equal(y.message, "first\nsecond\n");
	assert_null(y.status);
	assert_int_equal(y.exit_code, -1);
	tap_yaml_release(&y);
	/* exit codes that are not one are left unset */
	assert_true(tap_yaml_read("exit_code: soon\n", &y));
	assert_int_equal(y.exit_code, -1);
	tap_yaml_release(&y);
	assert_true(tap_yaml_read("exit_code: 300\n", &y));
	assert_int_equal(y.exit_code, -1);
	tap_yaml_release(&y);
	/* not a mapping, or not YAML: nothing */
	assert_false(tap_yaml_read("just words\n", &y));
	assert_null(y.message);
	assert_false(tap_yaml_read("- a\n- b\n", &y));
	assert_false(tap_yaml_read("message: \"open\n", &y));
	assert_false(tap_yaml_read("a: 1\n b: [\n", &y));
	assert_null(y.message);
	assert_int_equal(y.exit_code, -1);
}

/* What real producers write in a YAML block becomes a message a person can
 * read: its `message` (bats' tap13) or `error` (node:test) first, then for a
 * point that is not ok the rest, without the duration the point already has. */
static void yaml_block_gives_the_message_first(void **state)
{
	(void)state;
	struct run r;
	tap_read_str("TAP version 13\n"
		     "ok 1 - adds\n  ---\n  duration_ms: 1.495515\n  ...\n"
		     "not ok 2 - fails\n  ---\n  duration_ms: 2.7\n"
		     "  location: '/t/demo.test.mjs:4:1'\n  error: |-\n"
		     "    Expected values to be strictly equal:\n    \n    2 !== 3\n    \n"
		     "  code: 'ERR_ASSERTION'\n  stack: |-\n    at x (t.mjs:4:55)\n"
		     "    at y (t.mjs:9:1)\n  ...\n"
		     "ok 3 - skips # SKIP not today\n  ---\n  duration_ms: 0.17\n  ...\n"
		     "not ok 4 - a failing check\n  ---\n  message: |\n"
		     "    (in test file demo.bats, line 7)\n      `[ 1 -eq 2 ]' failed\n  ...\n"
		     "not ok 5 - both\n  ---\n  error: 'e'\n  message: 'm'\n  data:\n"
		     "  - got: 1\n  ...\n"
		     "not ok 6 - neither\n  ---\n  at: x.c:3\n  duration_ms: 4\n  ...\n"
		     "not ok 7 - not yaml\n  ---\n  message: \"open\n  ...\n"
		     "not ok 8 - deeper\n  ---\n    message: boom\n    duration_ms: 3\n"
		     "    at: x.c:9\n  ...\n"
		     "not ok 9 - quoted\n  ---\n  \"message\": 'q'\n  'duration_ms': 2\n"
		     "  data: 1\n  ...\n"
		     "ok 10 - deeper pass\n  ---\n    message: fine\n  ...\n"
		     "1..10\n",
		     &r);
	assert_int_equal(r.n, 10);
	assert_null(r.pts[0].msg);
	assert_string_equal(r.pts[1].msg, "Expected values to be strictly equal:\n\n2 !== 3\n"
					  "location: '/t/demo.test.mjs:4:1'\n"
					  "code: 'ERR_ASSERTION'\n"
					  "stack: |-\n  at x (t.mjs:4:55)\n  at y (t.mjs:9:1)");
	assert_string_equal(r.pts[2].msg, "SKIP: not today");
	assert_string_equal(r.pts[3].msg,
			    "(in test file demo.bats, line 7)\n  `[ 1 -eq 2 ]' failed");
	assert_string_equal(r.pts[4].msg, "m\nerror: 'e'\ndata:\n- got: 1");
	assert_string_equal(r.pts[5].msg, "at: x.c:3");
	/* a block that does not parse is kept as written */
	assert_string_equal(r.pts[6].msg, "message: \"open\n");
	/* entries deeper than the "---", and quoted keys, are found too */
	assert_string_equal(r.pts[7].msg, "boom\nat: x.c:9");
	assert_string_equal(r.pts[8].msg, "q\ndata: 1");
	assert_string_equal(r.pts[9].msg, "fine");
	run_release(&r);
}

struct comments {
	char text[256];
	int points;
};

static void count_point(void *ctx, const struct tap_point *p)
{
	(void)p;
	((struct comments *)ctx)->points++;
}

static void keep_comment(void *ctx, const char *text, int line)
{
	struct comments *c = ctx;
	size_t at = strlen(c->text);
	snprintf(c->text + at, sizeof(c->text) - at, "%d:%s|", line, text);
}

static void top_level_comments_are_passed_on(void **state)
{
	(void)state;
	struct comments c = { "", 0 };
	struct tap_callbacks cb = { .point = count_point, .ctx = &c, .comment = keep_comment };
	struct tap_reader *rd = tap_reader_new(&cb);
	const char *s = "TAP version 14\n# assay run 0190 \"t\"\nok 1 - a\n"
			"not ok 2 - b\n# Failed test 'b'\n"   /* Test::More: b's diagnostics */
			"# Subtest: c\n    ok 1 - in\n    # inner\n    1..1\nok 3 - c\n"
			"#tight\n1..3\n";
	tap_feed(rd, s, strlen(s));
	struct tap_summary sum;
	tap_finish(rd, &sum);
	tap_summary_release(&sum);
	tap_reader_free(rd);
	assert_int_equal(c.points, 4);
	assert_string_equal(c.text, "2:assay run 0190 \"t\"|11:tight|");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_more_failure_comments_become_the_points_diagnostics),
		cmocka_unit_test(node_test_yaml_blocks_attach_to_the_point_before_them),
		cmocka_unit_test(unnamed_subtests_are_named_by_the_point_that_follows_them),
		cmocka_unit_test(bail_out_ends_the_stream_with_its_reason),
		cmocka_unit_test(crlf_streams_read_like_lf_streams),
		cmocka_unit_test(plan_first_or_last_is_valid),
		cmocka_unit_test(missing_plan_is_a_problem),
		cmocka_unit_test(count_differing_from_plan_is_a_problem),
		cmocka_unit_test(plan_seen_twice_is_a_problem),
		cmocka_unit_test(plan_in_the_middle_is_a_problem),
		cmocka_unit_test(plan_of_zero_skips_everything),
		cmocka_unit_test(directives_are_case_insensitive_and_counted_apart),
		cmocka_unit_test(escaped_hash_does_not_start_a_directive),
		cmocka_unit_test(missing_numbers_are_counted),
		cmocka_unit_test(unknown_lines_and_comments_are_ignored),
		cmocka_unit_test(yaml_block_goes_to_the_point_before_it_only),
		cmocka_unit_test(yaml_block_without_end_stops_at_the_next_point),
		cmocka_unit_test(huge_yaml_block_is_cut_at_64k),
		cmocka_unit_test(old_test_more_subtest_header_inside_the_subtest_names_it),
		cmocka_unit_test(subtest_header_without_a_name_leaves_it_to_the_summary),
		cmocka_unit_test(subtest_without_summary_is_called_subtest),
		cmocka_unit_test(unnamed_subtest_holds_a_bounded_number_of_points),
		cmocka_unit_test(megabyte_line_is_truncated_without_growing_memory),
		cmocka_unit_test(yaml_blocks_give_their_scalars),
		cmocka_unit_test(yaml_block_gives_the_message_first),
		cmocka_unit_test(top_level_comments_are_passed_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
