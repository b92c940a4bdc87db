/* tap_read — the incremental TAP 13/14 reader declared in tap_read.h.
 *
 * Bytes are cut into lines (each bounded at TAP_LINE_LIMIT) and every line is
 * read on its own, so the result never depends on where the chunks were split.
 *
 * Structure. Each nesting level (4 spaces of indentation) is a "document"
 * in docs[]. A subtest's name comes from a "# Subtest: name" line or, when
 * there is none, from the description of the parent's point that follows the
 * subtest and summarises it. Until that name is known the subtest's finished
 * points are held in its document (bounded: past HOLD_MAX_* the subtest is
 * called "subtest" and what it held is let go). A document whose lines have
 * ended but whose summary point has not arrived yet is DOC_CLOSED.
 *
 * At most one point is pending (waiting for its diagnostics) at any time, and
 * it is always at the deepest open level: every line that is not its YAML
 * block or (for a failed point) a following '#' comment ends it. */
#include "util/base.h"

#include <ctype.h>
#include <limits.h>
#include <strings.h>

#include "formats/tap_read.h"
#include "util/buf.h"
#include "util/str.h"

enum {
	TAP_LINE_LIMIT = 64 * 1024,   /* longer lines are cut here */
	TAP_DIAG_LIMIT = 64 * 1024,   /* YAML block or comment diagnostics */
	TAP_MAX_DEPTH = 32,           /* deeper subtests are read as unknown lines */
	HOLD_MAX_POINTS = 10000,      /* points held by one unnamed subtest */
	HOLD_MAX_BYTES = 1024 * 1024, /* bytes held by one unnamed subtest */
};

/* A finished point, owning its strings. `rel` is its path below the document
 * that holds it ("" for the document's own points). */
struct rec {
	int number, depth, line;
	int64_t duration_ms; /* from its YAML block's duration_ms; -1 if none */
	bool ok;
	bool yaml;           /* diagnostics is a YAML block */
	enum tap_directive directive;
	char *description, *reason, *diagnostics, *rel;
};

enum doc_state { DOC_UNUSED, DOC_OPEN, DOC_CLOSED };

struct doc {
	enum doc_state state;
	char *name;        /* NULL until known; never set at level 0 */
	char *next_name;   /* from "# Subtest: x" at this level: names the next child */
	bool has_content;  /* a point or plan was read at this level */
	int count;         /* points read at this level, for numbering */
	struct rec *held;  /* finished points waiting for this subtest's name */
	size_t n_held, cap_held, held_bytes;
};

enum diag_mode { DIAG_NONE, DIAG_YAML, DIAG_COMMENTS };

/* The point waiting for its diagnostics. */
struct current {
	bool active;
	int level;
	struct rec rec;
	enum diag_mode mode;
	bool yaml_open;
	size_t yaml_indent;
	struct buf diag;
	uint64_t diag_dropped;
};

struct tap_reader {
	struct tap_callbacks cb;
	struct buf line;
	bool line_cut;     /* bytes of the current line were dropped */
	int lineno;
	bool bailed;
	int depth;         /* deepest open document */
	struct doc docs[TAP_MAX_DEPTH + 2];
	struct current cur;
	struct tap_summary sum;
	int plan_line;     /* line of the top-level plan, 0 if none */
	bool plan_late;    /* the plan came after top-level points */
};

/* ---- small string helpers ---- */

static bool is_blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

static char *trim_right(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* "a" + "/" + "b", leaving out empty parts; heap. */
static char *path_join(const char *a, const char *b)
{
	if (!*a)
		return xstrdup(b);
	if (!*b)
		return xstrdup(a);
	return xasprintf("%s/%s", a, b);
}

/* Drops the spaces, tabs and line ends at the end of `b`. */
static void buf_trim_end(struct buf *b)
{
	size_t n = b->len;
	while (n && strchr(" \t\r\n", b->data[n - 1]))
		n--;
	buf_truncate(b, n);
}

/* Drops an incomplete UTF-8 sequence left at the end of a cut line, so a
 * truncated description is still valid UTF-8. */
static void utf8_trim_partial(struct buf *b)
{
	size_t n = b->len, back = 0;
	while (back < 4 && back < n && ((unsigned char)b->data[n - 1 - back] & 0xC0) == 0x80)
		back++;
	if (back == n)
		return;
	unsigned char lead = (unsigned char)b->data[n - 1 - back];
	size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	if (want > back + 1)
		buf_truncate(b, n - 1 - back);
}

/* Copies `s` without TAP's escapes: "\#" is '#', "\\" is '\'. */
static char *unescape(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '#' || s[i + 1] == '\\'))
			i++;
		buf_addc(&b, s[i]);
	}
	return trim_right(buf_detach(&b));
}

/* ---- points: delivery, holding, naming ---- */

static void rec_free(struct rec *r)
{
	free(r->description);
	free(r->reason);
	free(r->diagnostics);
	free(r->rel);
	memset(r, 0, sizeof(*r));
}

/* Calls the callback with `p` at `path`; the strings live only during it. */
static void deliver(struct tap_reader *r, const struct rec *p, const char *path)
{
	if (!r->cb.point)
		return;
	struct tap_point tp = {
		.number = p->number,
		.ok = p->ok,
		.description = p->description,
		.directive = p->directive,
		.reason = p->reason,
		.diagnostics = p->diagnostics,
		.yaml = p->yaml,
		.path = path,
		.depth = p->depth,
		.line = p->line,
		.duration_ms = p->duration_ms,
	};
	r->cb.point(r->cb.ctx, &tp);
}

static void emit(struct tap_reader *r, int level, const struct rec *p, const char *rel);

/* Sends on everything document `k` holds, now that it has a name. */
static void doc_flush(struct tap_reader *r, int k)
{
	struct doc *d = &r->docs[k];
	for (size_t i = 0; i < d->n_held; i++) {
		char *rel = path_join(d->name, d->held[i].rel);
		emit(r, k - 1, &d->held[i], rel);
		free(rel);
		rec_free(&d->held[i]);
	}
	d->n_held = 0;
	d->held_bytes = 0;
}

/* Keeps a copy of a finished point in unnamed document `k`. When the
 * document would hold too much, it is named "subtest" and let go instead. */
static void doc_hold(struct tap_reader *r, int k, const struct rec *p, const char *rel)
{
	struct doc *d = &r->docs[k];
	size_t size = sizeof(*p) + strlen(p->description) + strlen(p->reason) +
		      (p->diagnostics ? strlen(p->diagnostics) : 0) + strlen(rel);
	if (d->n_held + 1 > HOLD_MAX_POINTS || d->held_bytes + size > HOLD_MAX_BYTES) {
		d->name = xstrdup("subtest");
		doc_flush(r, k);
		emit(r, k, p, rel);
		return;
	}
	GROW(d->held, d->cap_held, d->n_held + 1);
	struct rec *c = &d->held[d->n_held++];
	*c = *p;
	c->description = xstrdup(p->description);
	c->reason = xstrdup(p->reason);
	c->diagnostics = xstrdup(p->diagnostics);
	c->rel = xstrdup(rel);
	d->held_bytes += size;
}

/* Routes a finished point of document `level` (with path `rel` below it)
 * towards the callback: it is delivered when every enclosing subtest has a
 * name, and held by the innermost one that has not. */
static void emit(struct tap_reader *r, int level, const struct rec *p, const char *rel)
{
	char *path = xstrdup(rel);
	for (int k = level; k > 0; k--) {
		if (!r->docs[k].name) {
			doc_hold(r, k, p, path);
			free(path);
			return;
		}
		char *up = path_join(r->docs[k].name, path);
		free(path);
		path = up;
	}
	deliver(r, p, path);
	free(path);
}

/* The value of a top-level "duration_ms:" key in a YAML block (node:test,
 * bats' tap13) in whole milliseconds, or -1. Read by hand, as a YAML
 * number: strtod would follow the process locale. */
static int64_t yaml_duration_ms(const char *yaml)
{
	static const char key[] = "duration_ms:";
	for (const char *l = yaml; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, sizeof(key) - 1))
			continue;
		const char *p = l + sizeof(key) - 1;
		p += strspn(p, " \t");
		double v = 0, scale = 1;
		int digits = 0;
		for (; isdigit((unsigned char)*p) && digits < 15; p++, digits++)
			v = v * 10 + (*p - '0');
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++)
				if (digits++ < 15)
					v += (*p - '0') * (scale /= 10);
		if (!digits || (*p && *p != '\n' && *p != ' ' && *p != '\t' && *p != '\r'))
			return -1;
		return (int64_t)(v + 0.5);
	}
	return -1;
}

/* Ends the pending point: its diagnostics are complete. */
static void deliver_current(struct tap_reader *r)
{
	struct current *c = &r->cur;
	if (!c->active)
		return;
	if (c->mode == DIAG_YAML) {
		c->rec.duration_ms = yaml_duration_ms(c->diag.data ? c->diag.data : "");
		c->rec.yaml = true;
	}
	if (c->mode != DIAG_NONE) {
		if (c->diag_dropped)
			buf_addf(&c->diag, "[... %llu bytes dropped ...]\n",
				 (unsigned long long)c->diag_dropped);
		c->rec.diagnostics = buf_detach(&c->diag);
	}
	emit(r, c->level, &c->rec, "");
	rec_free(&c->rec);
	buf_release(&c->diag);
	memset(c, 0, sizeof(*c));
}

/* Adds one line to the pending point's diagnostics; past TAP_DIAG_LIMIT
 * lines are only counted (and reported as dropped on delivery). */
static void diag_add(struct current *c, const char *s)
{
	size_t n = strlen(s);
	if (c->diag.len + n + 1 > TAP_DIAG_LIMIT) {
		c->diag_dropped += n + 1;
		return;
	}
	buf_add(&c->diag, s, n);
	buf_addc(&c->diag, '\n');
}

static void doc_reset(struct doc *d)
{
	for (size_t i = 0; i < d->n_held; i++)
		rec_free(&d->held[i]);
	free(d->held);
	free(d->name);
	free(d->next_name);
	memset(d, 0, sizeof(*d));
}

/* Gives closed document `k` its name — its own, else the summarising
 * point's description `summary`, else "subtest" — and lets go what it held. */
static void doc_resolve(struct tap_reader *r, int k, const char *summary)
{
	struct doc *d = &r->docs[k];
	if (d->state != DOC_CLOSED)
		return;
	if (!d->name)
		d->name = xstrdup(summary && *summary ? summary : "subtest");
	doc_flush(r, k);
	doc_reset(d);
}

/* Moves the reader to nesting `level`: ends the pending point, closes
 * deeper documents (they wait for their summary) or opens new ones. */
static void set_level(struct tap_reader *r, int level)
{
	deliver_current(r);
	while (r->depth > level) {
		doc_resolve(r, r->depth + 1, NULL);
		r->docs[r->depth].state = DOC_CLOSED;
		r->depth--;
	}
	while (r->depth < level) {
		int k = ++r->depth;
		struct doc *parent = &r->docs[k - 1];
		doc_resolve(r, k, NULL);
		doc_resolve(r, k + 1, NULL);
		/* An unnamed subtest whose first line was "# Subtest: x" and
		 * whose child starts now: the older Test::More form, where the
		 * header is indented like the subtest it names. */
		if (k > 1 && !parent->name && !parent->has_content) {
			parent->name = parent->next_name;
			parent->next_name = NULL;
		}
		r->docs[k].state = DOC_OPEN;
		r->docs[k].name = parent->next_name;
		parent->next_name = NULL;
	}
}

/* A "# Subtest: x" line read just before this document's first point or
 * plan names the document itself (the older Test::More form, where that
 * line is indented like the subtest); otherwise it was for a child. */
static void doc_take_name(struct doc *d, int level)
{
	if (!d->next_name)
		return;
	if (level > 0 && !d->name && !d->has_content) {
		d->name = d->next_name;
		d->next_name = NULL;
	} else {
		free(d->next_name);
		d->next_name = NULL;
	}
}

/* Records why the stream is not valid TAP; the first problem found wins.
 * Takes `msg` (heap). */
static void set_problem(struct tap_reader *r, char *msg)
{
	if (r->sum.problem)
		free(msg);
	else
		r->sum.problem = msg;
}

/* ---- line kinds ---- */

/* Matches a directive keyword after '#': SKIP (with any suffix, as
 * TAP::Parser allows "SKIPPED" and "skip:") or TODO, case-insensitive.
 * Returns the text after the keyword, or NULL. */
static const char *match_directive(const char *p, enum tap_directive *d)
{
	p += strspn(p, " \t");
	if (!strncasecmp(p, "skip", 4)) {
		*d = TAP_SKIP;
		p += 4;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		return p;
	}
	if (!strncasecmp(p, "todo", 4) && !isalnum((unsigned char)p[4]) && p[4] != '_') {
		*d = TAP_TODO;
		return p + 4;
	}
	return NULL;
}

/* Parses "ok|not ok [N] [-] [desc] [# SKIP|TODO [reason]]" into `p`;
 * false when the line is not a test point. */
static bool parse_point(const char *s, struct rec *p, bool *numbered)
{
	if (!strncmp(s, "ok", 2)) {
		p->ok = true;
		s += 2;
	} else if (!strncmp(s, "not ok", 6)) {
		p->ok = false;
		s += 6;
	} else {
		return false;
	}
	if (*s && *s != ' ' && *s != '\t' && *s != '#')
		return false;
	s += strspn(s, " \t");
	*numbered = false;
	if (isdigit((unsigned char)*s)) {
		const char *q = s;
		long n = 0;
		while (isdigit((unsigned char)*q) && n <= INT_MAX)
			n = n * 10 + (*q++ - '0');
		if (n <= INT_MAX && (!*q || *q == ' ' || *q == '\t' || *q == '#')) {
			p->number = (int)n;
			*numbered = true;
			s = q + strspn(q, " \t");
		}
	}
	if (*s == '-' && (!s[1] || s[1] == ' ' || s[1] == '\t'))
		s += 1 + strspn(s + 1, " \t");
	/* The description runs to the first unescaped '#' that starts a
	 * directive; any other '#' ("fixes #42") belongs to it. */
	const char *q = s, *rest = NULL;
	p->directive = TAP_NONE;
	for (; *q; q++) {
		if (*q == '\\' && q[1]) {
			q++;
		} else if (*q == '#' && (rest = match_directive(q + 1, &p->directive))) {
			break;
		}
	}
	p->description = unescape(s, (size_t)(q - s));
	if (rest) {
		if (*rest == ':') /* "# TODO: reason" */
			rest++;
		rest += strspn(rest, " \t");
		p->reason = unescape(rest, strlen(rest));
	} else {
		p->reason = xstrdup("");
	}
	return true;
}

/* A test point at `level`: it names the subtest it summarises (if any),
 * is counted (top level only) and becomes the pending point. Takes `p`. */
static void read_point(struct tap_reader *r, int level, struct rec *p, bool numbered)
{
	set_level(r, level);
	struct doc *d = &r->docs[level];
	doc_take_name(d, level);
	doc_resolve(r, level + 1, p->description);
	d->has_content = true;
	d->count++;
	if (!numbered)
		p->number = d->count;
	p->depth = level;
	p->line = r->lineno;
	p->duration_ms = -1;
	if (level == 0) {
		struct tap_summary *s = &r->sum;
		if (r->plan_late)
			set_problem(r, xasprintf("test point at line %d after the plan at line %d",
						 r->lineno, r->plan_line));
		s->seen++;
		if (p->directive == TAP_TODO)
			s->todo++;
		else if (!p->ok)
			s->failed++;
		else if (p->directive == TAP_SKIP)
			s->skipped++;
		else
			s->passed++;
	}
	r->cur.active = true;
	r->cur.level = level;
	r->cur.rec = *p;
	memset(p, 0, sizeof(*p));
}

/* "1..N [# reason]"; false when the line is not a plan. */
static bool read_plan(struct tap_reader *r, int level, const char *s)
{
	if (!isdigit((unsigned char)*s))
		return false;
	char *end;
	long from = strtol(s, &end, 10);
	if (strncmp(end, "..", 2) || !isdigit((unsigned char)end[2]))
		return false;
	long to = strtol(end + 2, &end, 10);
	end += strspn(end, " \t");
	if (*end && *end != '#')
		return false;
	set_level(r, level);
	doc_resolve(r, level + 1, NULL);
	doc_take_name(&r->docs[level], level);
	r->docs[level].has_content = true;
	if (level > 0)
		return true;
	struct tap_summary *sum = &r->sum;
	if (r->plan_line) {
		set_problem(r, xasprintf("plan seen twice (lines %d and %d)", r->plan_line, r->lineno));
		return true;
	}
	if (from != 1 || to > INT_MAX)
		set_problem(r, xasprintf("plan %.40s at line %d does not start at 1", s, r->lineno));
	r->plan_line = r->lineno;
	r->plan_late = sum->seen > 0;
	sum->planned = to > INT_MAX ? INT_MAX : (int)(to < 0 ? 0 : to);
	if (to == 0) {
		sum->skip_all = true;
		if (*end == '#') {
			enum tap_directive d;
			const char *why = match_directive(end + 1, &d);
			why = why && d == TAP_SKIP ? why : end + 1;
			why += strspn(why, " \t");
			if (*why)
				sum->reason = trim_right(xstrdup(why));
		}
	}
	return true;
}

/* Ends every open subtest and the pending point (end of stream, bail-out). */
static void close_all(struct tap_reader *r)
{
	set_level(r, 0);
	doc_resolve(r, 1, NULL);
	free(r->docs[0].next_name);
	r->docs[0].next_name = NULL;
}

/* A line inside the pending point's YAML block (true when it was one). */
static bool read_yaml_line(struct tap_reader *r, const char *s, size_t indent)
{
	struct current *c = &r->cur;
	const char *body = s + indent;
	if (is_blank(s)) {
		diag_add(c, "");
		return true;
	}
	if (!strncmp(body, "...", 3) && is_blank(body + 3) && indent > 4 * (size_t)c->level) {
		c->yaml_open = false;
		deliver_current(r);
		return true;
	}
	if (indent >= c->yaml_indent) {
		diag_add(c, s + c->yaml_indent);
		return true;
	}
	/* A block without its "..." ends at the first line left of it. */
	deliver_current(r);
	return false;
}

/* Reads one complete line (no newline, no CR, NUL-terminated). */
static void read_line(struct tap_reader *r, char *s)
{
	if (r->bailed)
		return;
	size_t indent = strspn(s, " ");
	char *body = s + indent;
	struct current *c = &r->cur;

	if (c->active && c->yaml_open && read_yaml_line(r, s, indent))
		return;
	if (is_blank(s))
		return;
	trim_right(body);
	size_t base = 4 * (size_t)c->level;
	if (c->active && c->mode == DIAG_NONE && indent > base && indent < base + 4 &&
	    !strncmp(body, "---", 3) && (!body[3] || body[3] == ' ')) {
		c->mode = DIAG_YAML;
		c->yaml_open = true;
		c->yaml_indent = indent;
		return;
	}
	if (indent % 4 || indent / 4 > TAP_MAX_DEPTH) {
		deliver_current(r);
		return;
	}
	int level = (int)(indent / 4);

	if (body[0] == '#') {
		const char *name = body + 1 + strspn(body + 1, " \t");
		if (!strncmp(name, "Subtest", 7) && (!name[7] || name[7] == ':')) {
			name += 7 + (name[7] == ':');
			name += strspn(name, " \t");
			set_level(r, level);
			doc_resolve(r, level + 1, NULL);
			free(r->docs[level].next_name);
			/* "# Subtest" without a name leaves it to the summary */
			r->docs[level].next_name = *name ? xstrdup(name) : NULL;
			return;
		}
		/* Test::More explains a failure in '#' lines after it. */
		if (c->active && !c->rec.ok && c->level == level && c->mode != DIAG_YAML &&
		    strncmp(name, "Looks like you", 14)) {
			c->mode = DIAG_COMMENTS;
			diag_add(c, body[1] == ' ' ? body + 2 : body + 1);
			return;
		}
		deliver_current(r);
		if (level == 0 && r->cb.comment)
			r->cb.comment(r->cb.ctx, name, r->lineno);
		return;
	}

	struct rec p = { 0 };
	bool numbered;
	if (parse_point(body, &p, &numbered)) {
		read_point(r, level, &p, numbered);
		return;
	}
	if (read_plan(r, level, body))
		return;
	if (!strncasecmp(body, "Bail out!", 9)) {
		const char *why = body + 9 + strspn(body + 9, " \t");
		close_all(r);
		r->bailed = true;
		r->sum.bailed = true;
		free(r->sum.reason);
		r->sum.reason = *why ? xstrdup(why) : NULL;
		return;
	}
	if (level == 0 && !r->docs[0].has_content && !strncmp(body, "TAP version ", 12)) {
		deliver_current(r);
		int v = atoi(body + 12);
		if (v > 0)
			r->sum.version = v;
		return;
	}
	/* pragmas and anything unknown are ignored */
	deliver_current(r);
}

/* Takes the line collected so far to read_line and starts a new one. */
static void line_end(struct tap_reader *r)
{
	struct buf *b = &r->line;
	r->lineno++;
	if (b->len && b->data[b->len - 1] == '\r' && !r->line_cut)
		buf_truncate(b, b->len - 1);
	if (r->line_cut)
		utf8_trim_partial(b);
	char empty[1] = "";
	char *s = b->len ? b->data : empty;
	if (r->lineno == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	read_line(r, s);
	buf_reset(b);
	r->line_cut = false;
}

/* ---- the public calls ---- */

struct tap_reader *tap_reader_new(const struct tap_callbacks *cb)
{
	struct tap_reader *r = xcalloc(1, sizeof(*r));
	if (cb)
		r->cb = *cb;
	r->sum.version = 12;
	r->sum.planned = -1;
	r->docs[0].state = DOC_OPEN;
	return r;
}

void tap_feed(struct tap_reader *r, const char *bytes, size_t n)
{
	while (n) {
		const char *nl = memchr(bytes, '\n', n);
		size_t len = nl ? (size_t)(nl - bytes) : n;
		size_t room = TAP_LINE_LIMIT - r->line.len;
		if (len > room)
			r->line_cut = true;
		buf_add(&r->line, bytes, len < room ? len : room);
		if (!nl)
			return;
		line_end(r);
		bytes += len + 1;
		n -= len + 1;
	}
}

void tap_finish(struct tap_reader *r, struct tap_summary *out)
{
	if (r->line.len || r->line_cut)
		line_end(r);
	close_all(r);
	struct tap_summary *s = &r->sum;
	/* After "Bail out!" a short count is expected, not a problem. */
	if (!s->bailed) {
		if (s->planned < 0)
			set_problem(r, xstrdup("no plan"));
		else if (s->planned != s->seen)
			set_problem(r, xasprintf("planned %d test%s but ran %d", s->planned,
						 s->planned == 1 ? "" : "s", s->seen));
	}
	*out = *s;
	s->reason = NULL;
	s->problem = NULL;
}

void tap_summary_release(struct tap_summary *s)
{
	free(s->reason);
	free(s->problem);
	memset(s, 0, sizeof(*s));
}

void tap_reader_free(struct tap_reader *r)
{
	if (!r)
		return;
	rec_free(&r->cur.rec);
	buf_release(&r->cur.diag);
	for (size_t k = 0; k < ARRAY_SIZE(r->docs); k++)
		doc_reset(&r->docs[k]);
	buf_release(&r->line);
	free(r->sum.reason);
	free(r->sum.problem);
	free(r);
}

void tap_point_result(const struct tap_point *p, struct buf *name, enum result_status *status,
		      char **message)
{
	if (*p->path)
		buf_addf(name, "%s/", p->path);
	if (*p->description)
		buf_adds(name, p->description);
	else
		buf_addf(name, "%d", p->number);
	struct buf msg = BUF_INIT;
	if (p->directive == TAP_SKIP) {
		*status = RS_SKIPPED;
		buf_addf(&msg, "SKIP%s%s", *p->reason ? ": " : "", p->reason);
	} else if (p->directive == TAP_TODO) {
		*status = p->ok ? RS_PASSED : RS_SKIPPED;
		buf_addf(&msg, "%sTODO%s%s", p->ok ? "unexpectedly passed; " : "",
			 *p->reason ? ": " : "", p->reason);
	} else {
		*status = p->ok ? RS_PASSED : RS_FAILED;
	}
	struct tap_yaml y;
	if (p->diagnostics && p->yaml && p->ok && !tap_yaml_has(p->diagnostics, "message") &&
	    !tap_yaml_has(p->diagnostics, "error")) {
		/* A passing point's block says nothing a message would (node:test
		 * gives every point one, for its duration): not parsed. */
	} else if (p->diagnostics && p->yaml && tap_yaml_read(p->diagnostics, &y)) {
		const char *said = y.message ? y.message : y.error;
		const char *key = y.message ? "message" : y.error ? "error" : NULL;
		struct buf rest = BUF_INIT;
		if (!p->ok)
			tap_yaml_rest(p->diagnostics, key, &rest);
		if (said && *said)
			buf_addf(&msg, "%s%s", msg.len ? "\n" : "", said);
		buf_trim_end(&msg);
		buf_trim_end(&rest);
		if (rest.len)
			buf_addf(&msg, "%s%s", msg.len ? "\n" : "", rest.data);
		buf_release(&rest);
		tap_yaml_release(&y);
	} else if (p->diagnostics) {
		if (msg.len)
			buf_addc(&msg, '\n');
		buf_adds(&msg, p->diagnostics);
	}
	*message = msg.len ? str_strip_ansi(buf_detach(&msg)) : NULL;
	if (*message && !**message) { /* colours and nothing else */
		free(*message);
		*message = NULL;
	}
	buf_release(&msg);
}

enum result_status tap_stream_result(const struct tap_summary *s, size_t bad, size_t total,
				     const char *failed_names, struct buf *msg)
{
	if (s->bailed) {
		buf_addf(msg, "Bail out!%s%s", s->reason ? " " : "", s->reason ? s->reason : "");
		return RS_ERROR;
	}
	if (s->problem) {
		buf_addf(msg, "bad TAP: %s", s->problem);
		return RS_ERROR;
	}
	if (bad) {
		buf_addf(msg, "%zu of %zu TAP tests failed%s", bad, total, failed_names);
		return RS_FAILED;
	}
	if (s->skip_all) {
		buf_addf(msg, "skipped%s%s", s->reason ? ": " : "", s->reason ? s->reason : "");
		return RS_SKIPPED;
	}
	return RS_PASSED;
}
