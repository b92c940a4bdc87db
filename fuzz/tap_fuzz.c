/* tap_fuzz — libFuzzer target for formats/tap_read.
 *
 * Each input is read twice: whole (one tap_feed), and cut into chunks by
 * fuzz_split(). Every point delivered (every field) and the summary go to
 * a log, with the result tap_point_result makes of it, what tap_yaml_read
 * makes of its YAML block and the comments
 * passed on; the two logs must be equal. Points and the summary are also
 * checked against the header's promises. The sanitizers catch the rest. */
#include "fuzz.h"

#include "formats/tap_read.h"

struct reading {
	struct buf log;
	int top_level; /* points delivered at depth 0 */
	struct tap_reader *r;
};

/* What tap_read.h promises about every delivered point. */
static void check_point(const struct tap_point *p)
{
	if (!p->description || !p->reason || !p->path)
		fuzz_fail("tap: point at line %d has a NULL string", p->line);
	if (p->directive != TAP_NONE && p->directive != TAP_SKIP && p->directive != TAP_TODO)
		fuzz_fail("tap: point at line %d has directive %d", p->line, p->directive);
	if (p->directive == TAP_NONE && *p->reason)
		fuzz_fail("tap: point at line %d has a reason but no directive", p->line);
	if (p->depth < 0 || (p->depth == 0) != (*p->path == '\0'))
		fuzz_fail("tap: point at line %d has depth %d and path '%s'", p->line, p->depth,
			  p->path);
	if (p->line < 1 || p->number < 0)
		fuzz_fail("tap: point numbered %d at line %d", p->number, p->line);
	if (p->duration_ms < -1)
		fuzz_fail("tap: point at line %d lasted %lld ms", p->line, (long long)p->duration_ms);
}

static void on_point(void *ctx, const struct tap_point *p)
{
	struct reading *rd = ctx;
	check_point(p);
	rd->top_level += p->depth == 0;
	buf_addf(&rd->log, "[%s] %d #%d %s %d '%s' '%s' @%d\n", p->path, p->depth, p->number,
		 p->ok ? "ok" : "not ok", p->directive, p->description, p->reason, p->line);
	/* what a result makes of it: the message built from the diagnostics */
	struct buf name = BUF_INIT;
	enum result_status status;
	char *message;
	tap_point_result(p, &name, &status, &message);
	if (message && !*message)
		fuzz_fail("tap: point at line %d has an empty message, not none", p->line);
	buf_addf(&rd->log, "= %s %d <%s>\n", name.data, status, message ? message : "-");
	free(message);
	buf_release(&name);
	if (p->diagnostics) {
		buf_addf(&rd->log, "<<%s>>\n", p->diagnostics);
		struct tap_yaml y; /* what import reads of it */
		if (tap_yaml_read(p->diagnostics, &y)) {
			if (y.exit_code < -1 || y.exit_code > 255)
				fuzz_fail("tap: YAML at line %d gives exit %d", p->line, y.exit_code);
			buf_addf(&rd->log, "yaml %d '%s' '%s' '%s'\n", y.exit_code,
				 y.status ? y.status : "-", y.message ? y.message : "-",
				 y.parent ? y.parent : "-");
			tap_yaml_release(&y);
		}
	}
}

static void on_comment(void *ctx, const char *text, int line)
{
	struct reading *rd = ctx;
	buf_addf(&rd->log, "# %s @%d\n", text, line);
}

/* What tap_read.h promises about the summary, given what was delivered. */
static void check_summary(const struct tap_summary *s, int top_level)
{
	if (s->seen != top_level)
		fuzz_fail("tap: summary counts %d top-level points, %d were delivered", s->seen,
			  top_level);
	if (s->passed < 0 || s->failed < 0 || s->skipped < 0 || s->todo < 0 ||
	    s->passed + s->failed + s->skipped + s->todo != s->seen)
		fuzz_fail("tap: %d passed + %d failed + %d skipped + %d todo is not %d seen",
			  s->passed, s->failed, s->skipped, s->todo, s->seen);
	if (s->planned < -1 || (s->skip_all && s->planned != 0))
		fuzz_fail("tap: planned %d, skip_all %d", s->planned, s->skip_all);
	if (s->version < 1)
		fuzz_fail("tap: version %d", s->version);
	if (s->problem && !*s->problem)
		fuzz_fail("tap: empty problem");
	if (!s->bailed && !s->problem && s->planned != s->seen)
		fuzz_fail("tap: planned %d, saw %d, and no problem", s->planned, s->seen);
}

static void feed(void *ctx, const char *p, size_t n)
{
	struct reading *rd = ctx;
	tap_feed(rd->r, p, n);
}

/* Reads the input whole or (cut) in chunks; the log ends with the summary. */
static void read_input(const uint8_t *data, size_t size, bool cut, struct reading *rd)
{
	memset(rd, 0, sizeof(*rd));
	buf_init(&rd->log);
	struct tap_callbacks cb = { .point = on_point, .ctx = rd, .comment = on_comment };
	rd->r = tap_reader_new(&cb);
	if (cut)
		fuzz_split(data, size, feed, rd);
	else
		feed(rd, (const char *)data, size);
	struct tap_summary s;
	tap_finish(rd->r, &s);
	tap_reader_free(rd->r);
	check_summary(&s, rd->top_level);
	buf_addf(&rd->log, "v%d plan %d seen %d p%d f%d s%d t%d bail %d skipall %d '%s' '%s'\n",
		 s.version, s.planned, s.seen, s.passed, s.failed, s.skipped, s.todo, s.bailed,
		 s.skip_all, s.reason ? s.reason : "-", s.problem ? s.problem : "-");
	tap_summary_release(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reading whole, cut;
	read_input(data, size, false, &whole);
	read_input(data, size, true, &cut);
	fuzz_same("tap", &whole.log, &cut.log);
	buf_release(&whole.log);
	buf_release(&cut.log);
	return 0;
}
