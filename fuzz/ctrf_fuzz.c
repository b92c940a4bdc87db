/* ctrf_fuzz — libFuzzer target for formats/ctrf_read (and ctrf_test_id).
 *
 * Each input is read as service/import.c reads a file (feed until the first
 * failure, then finish), twice: whole, and cut into chunks by fuzz_split().
 * Every test delivered (its fields, attempts and ctrf_test_id) and the final
 * status, message and summary go to a log; the two logs must be equal. Each
 * test is also checked against the header's promises. The sanitizers catch
 * the rest. */
#include "fuzz.h"

#include "formats/ctrf_read.h"
#include "util/str.h"

struct reading {
	struct buf log;
	int64_t n_tests;
	int rc;
	struct error e;
	struct ctrf_reader *r;
};

static void check_text(const char *field, const char *s)
{
	if (!s)
		fuzz_fail("ctrf: %s is NULL", field);
	if (!str_utf8_valid(s))
		fuzz_fail("ctrf: %s is not valid UTF-8", field);
}

static bool known_status(enum result_status s)
{
	return s == RS_PASSED || s == RS_FAILED || s == RS_ERROR || s == RS_SKIPPED;
}

static void on_test(void *ctx, const struct ctrf_test *t)
{
	struct reading *rd = ctx;
	const char *fields[] = { t->name,  t->suite, t->ctrf_status, t->raw_status, t->message,
				 t->trace, t->file,  t->type,        t->system_out, t->system_err };
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		check_text("a test's text", fields[i]);
	if (!*t->name)
		fuzz_fail("ctrf: a test without a name was delivered (line %d)", t->line);
	if (!known_status(t->status))
		fuzz_fail("ctrf: test '%s' has status %d", t->name, t->status);
	if (t->retries < 0 || (t->n_attempts && !t->attempts))
		fuzz_fail("ctrf: test '%s' has %d retries, %zu attempts", t->name, t->retries,
			  t->n_attempts);
	struct buf id = BUF_INIT;
	ctrf_test_id(t, &id);
	if (!id.len)
		fuzz_fail("ctrf: test '%s' has an empty id", t->name);
	rd->n_tests++;
	buf_addf(&rd->log, "[%s] %d %s|%s|%s %lld %lld-%lld r%d f%d '%s' '%s' out'%s' err'%s' @%d\n",
		 id.data, t->status, t->ctrf_status, t->raw_status, t->type,
		 (long long)t->duration_ms, (long long)t->start_ms, (long long)t->stop_ms,
		 t->retries, t->flaky, t->message, t->trace, t->system_out, t->system_err,
		 t->line);
	for (size_t i = 0; i < t->n_attempts; i++) {
		const struct ctrf_attempt *a = &t->attempts[i];
		check_text("an attempt's message", a->message);
		check_text("an attempt's trace", a->trace);
		if (!known_status(a->status))
			fuzz_fail("ctrf: an attempt of '%s' has status %d", t->name, a->status);
		buf_addf(&rd->log, "  #%d %d %lld '%s' '%s'\n", a->attempt, a->status,
			 (long long)a->duration_ms, a->message, a->trace);
	}
	for (size_t i = 0; i < t->n_tags; i++)
		buf_addf(&rd->log, "  tag '%s'\n", t->tags[i]);
	buf_release(&id);
}

static void feed(void *ctx, const char *p, size_t n)
{
	struct reading *rd = ctx;
	struct error e = ERROR_INIT;
	int rc = ctrf_feed(rd->r, p, n, &e);
	if (rd->rc) {
		/* sticky: a later feed repeats the first failure */
		if (rc != rd->rc || strcmp(e.msg, rd->e.msg))
			fuzz_fail("ctrf: feed after failure gave %d '%s', not %d '%s'", rc, e.msg,
				  rd->rc, rd->e.msg);
		return;
	}
	rd->rc = rc;
	if (rc)
		rd->e = e;
}

static void read_input(const uint8_t *data, size_t size, bool cut, struct reading *rd)
{
	memset(rd, 0, sizeof(*rd));
	buf_init(&rd->log);
	struct ctrf_callbacks cb = { on_test, rd };
	rd->r = ctrf_reader_new(&cb);
	if (cut)
		fuzz_split(data, size, feed, rd);
	else
		feed(rd, (const char *)data, size);
	struct ctrf_summary s;
	memset(&s, 0, sizeof(s));
	if (!rd->rc) {
		rd->rc = ctrf_finish(rd->r, &s, &rd->e);
		if (!rd->rc) {
			if (s.delivered != rd->n_tests)
				fuzz_fail("ctrf: summary says %lld delivered, %lld were",
					  (long long)s.delivered, (long long)rd->n_tests);
			buf_addf(&rd->log, "tool '%s' '%s' env %zu dropped %lld '%s'\n",
				 s.tool_name ? s.tool_name : "-",
				 s.tool_version ? s.tool_version : "-", s.n_environment,
				 (long long)s.dropped, s.problem ? s.problem : "-");
			ctrf_summary_release(&s);
		}
	}
	if (rd->rc != RC_OK && rd->rc != RC_PARSE)
		fuzz_fail("ctrf: reading ended with rc %d (%s)", rd->rc, rd->e.msg);
	if (rd->rc && (rd->e.code != rd->rc || !rd->e.msg[0]))
		fuzz_fail("ctrf: rc %d without a message", rd->rc);
	ctrf_reader_free(rd->r);
	buf_addf(&rd->log, "%lld tests, rc %d %s\n", (long long)rd->n_tests, rd->rc,
		 rd->rc ? rd->e.msg : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reading whole, cut;
	read_input(data, size, false, &whole);
	read_input(data, size, true, &cut);
	fuzz_same("ctrf", &whole.log, &cut.log);
	buf_release(&whole.log);
	buf_release(&cut.log);
	return 0;
}
