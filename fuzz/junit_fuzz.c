/* junit_fuzz — libFuzzer target for formats/junit_read (and junit_case_id).
 *
 * Each input is read as outcome.c reads a file (feed until the first
 * failure, then finish), twice: whole, and cut into chunks by fuzz_split().
 * Every case delivered (every field, its attempts, its junit_case_id), every
 * suite output, and the final status and message go to a log; the two logs must be equal.
 * Each case is also checked against the header's promises. A cut reading
 * keeps feeding after a failure, which must change nothing (failures are
 * sticky). The sanitizers catch the rest. */
#include "fuzz.h"

#include "formats/junit_read.h"
#include "util/str.h"

struct reading {
	struct buf log;
	size_t n_cases;
	int rc;
	struct error e;
	struct junit_reader *r;
};

static bool known_status(enum result_status s)
{
	return s == RS_PASSED || s == RS_FAILED || s == RS_ERROR || s == RS_SKIPPED;
}

static void check_text(const char *field, const char *s)
{
	if (!s)
		fuzz_fail("junit: %s is NULL", field);
	if (!str_utf8_valid(s))
		fuzz_fail("junit: %s is not valid UTF-8", field);
}

/* What junit_read.h promises about every delivered case. */
/* True when `id` is `part` or ends with "/" and `part`. */
static bool ends_with_part(const char *id, const char *part)
{
	size_t n = strlen(part), len = strlen(id);
	return len >= n && !strcmp(id + len - n, part) && (len == n || id[len - n - 1] == '/');
}

static void check_case(const struct junit_case *c, const char *id)
{
	const char *fields[] = { c->suite, c->classname, c->name, c->file, c->message,
				 c->type,  c->text,      c->system_out, c->system_err };
	static const char *names[] = { "suite", "classname", "name", "file", "message",
				       "type",  "text",      "system_out", "system_err" };
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		check_text(names[i], fields[i]);
	if (!known_status(c->status))
		fuzz_fail("junit: case '%s' has status %d", c->name, c->status);
	if (c->duration_ms < -1)
		fuzz_fail("junit: case '%s' lasted %lld ms", c->name, (long long)c->duration_ms);
	if (c->line < 1)
		fuzz_fail("junit: case '%s' is at line %d", c->name, c->line);
	if (c->n_attempts && !c->attempts)
		fuzz_fail("junit: %zu attempts but no list", c->n_attempts);
	for (size_t i = 0; i < c->n_attempts; i++) {
		const struct junit_attempt *a = &c->attempts[i];
		check_text("attempt message", a->message);
		check_text("attempt type", a->type);
		check_text("attempt text", a->text);
		check_text("attempt system_out", a->system_out);
		check_text("attempt system_err", a->system_err);
		if (a->status != RS_FAILED && a->status != RS_ERROR)
			fuzz_fail("junit: attempt %zu of '%s' has status %d", i, c->name, a->status);
		if (a->duration_ms < -1)
			fuzz_fail("junit: attempt %zu lasted %lld ms", i, (long long)a->duration_ms);
	}
	/* the id always ends with the case's own name, "(unnamed)" if none,
	 * less a Meson "classname / " or "classname:suites / " in front of it,
	 * or jest-junit's space before a name */
	const char *own = *c->name ? c->name : "(unnamed)";
	if (*own == ' ' && own[1] && !strcmp(c->classname, own)) /* jest-junit's " title" */
		own++;
	size_t k = strlen(c->classname);
	const char *slash = k && !strncmp(own, c->classname, k) ? strstr(own + k, " / ") : NULL;
	if (slash && (slash == own + k || own[k] == ':') && slash[3])
		own = slash + 3;
	if (!ends_with_part(id, own))
		fuzz_fail("junit: id '%s' does not end with the name '%s'", id, own);
}

static void on_case(void *ctx, const struct junit_case *c)
{
	struct reading *rd = ctx;
	if (rd->rc)
		fuzz_fail("junit: a case was delivered after the reader failed");
	struct buf id = BUF_INIT;
	junit_case_id(c, &id);
	check_case(c, id.data);
	rd->n_cases++;
	buf_addf(&rd->log, "%s|%s|%s|%s|%s|%d|%lld|%s|%s|%s|%s|%s|@%d\n", id.data, c->suite,
		 c->classname, c->name, c->file, c->status, (long long)c->duration_ms, c->message,
		 c->type, c->text, c->system_out, c->system_err, c->line);
	for (size_t i = 0; i < c->n_attempts; i++) {
		const struct junit_attempt *a = &c->attempts[i];
		buf_addf(&rd->log, "  attempt %d|%s|%s|%s|%lld|%s|%s\n", a->status, a->message,
			 a->type, a->text, (long long)a->duration_ms, a->system_out, a->system_err);
	}
	buf_release(&id);
}

/* A suite's own output: valid UTF-8, not blank; its id is its path or "". */
static void on_suite_output(void *ctx, const struct junit_suite_output *s)
{
	struct reading *rd = ctx;
	if (rd->rc)
		fuzz_fail("junit: a suite output was delivered after the reader failed");
	check_text("suite", s->suite);
	check_text("suite root", s->root);
	check_text("suite system_out", s->system_out);
	check_text("suite system_err", s->system_err);
	if (!*s->system_out && !*s->system_err)
		fuzz_fail("junit: suite '%s' delivered with no output", s->suite);
	if (s->line < 1)
		fuzz_fail("junit: suite '%s' output at line %d", s->suite, s->line);
	struct buf id = BUF_INIT;
	junit_suite_id(s->suite, s->root, &id);
	if (id.len && strcmp(id.data, s->suite))
		fuzz_fail("junit: suite id '%s' is not its path '%s'", id.data, s->suite);
	buf_addf(&rd->log, "suite %s|%s|%s|%s|@%d\n", id.data, s->suite, s->system_out,
		 s->system_err, s->line);
	buf_release(&id);
}

static void feed(void *ctx, const char *p, size_t n)
{
	struct reading *rd = ctx;
	struct error e = ERROR_INIT;
	int rc = junit_feed(rd->r, p, n, &e);
	if (rd->rc) {
		/* sticky: a later feed repeats the first failure */
		if (rc != rd->rc || strcmp(e.msg, rd->e.msg))
			fuzz_fail("junit: feed after failure gave %d '%s', not %d '%s'", rc, e.msg,
				  rd->rc, rd->e.msg);
		return;
	}
	rd->rc = rc;
	rd->e = e;
}

/* Reads the input whole or (cut) in chunks; the log ends with the result. */
static void read_input(const uint8_t *data, size_t size, bool cut, struct reading *rd)
{
	memset(rd, 0, sizeof(*rd));
	buf_init(&rd->log);
	struct junit_callbacks cb = { on_case, on_suite_output, rd };
	rd->r = junit_reader_new(&cb);
	if (cut)
		fuzz_split(data, size, feed, rd);
	else
		feed(rd, (const char *)data, size);
	if (!rd->rc)
		rd->rc = junit_finish(rd->r, &rd->e);
	if (rd->rc != RC_OK && rd->rc != RC_PARSE)
		fuzz_fail("junit: reading ended with rc %d (%s)", rd->rc, rd->e.msg);
	if (rd->rc && (rd->e.code != rd->rc || !rd->e.msg[0]))
		fuzz_fail("junit: rc %d without a message", rd->rc);
	if (!rd->rc && junit_finish(rd->r, &rd->e))
		fuzz_fail("junit: a second junit_finish failed: %s", rd->e.msg);
	junit_reader_free(rd->r);
	buf_addf(&rd->log, "%zu cases, rc %d %s\n", rd->n_cases, rd->rc, rd->rc ? rd->e.msg : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reading whole, cut;
	read_input(data, size, false, &whole);
	read_input(data, size, true, &cut);
	fuzz_same("junit", &whole.log, &cut.log);
	buf_release(&whole.log);
	buf_release(&cut.log);
	return 0;
}
