#include "util/base.h"

#include <unistd.h>

#include "cli/progress.h"
#include "util/time.h"

void progress_init(struct progress *p, FILE *out, int jobs, bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->tty = isatty(fileno(out));
	const char *nc = getenv("NO_COLOR");
	p->color = p->tty && !(nc && *nc);
	p->jobs = jobs > 0 ? jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	p->quiet = quiet;
	p->start_ns = time_mono_ns();
}

const char *progress_color(const struct progress *p, enum result_status s)
{
	if (!p->color)
		return "";
	switch (s) {
	case RS_PASSED:
		return "\033[32m";
	case RS_SKIPPED:
	case RS_UNTESTED:
		return "\033[33m";
	default:
		return status_is_negative(s) ? "\033[31m" : "";
	}
}

const char *progress_reset(const struct progress *p)
{
	return p->color ? "\033[0m" : "";
}

void progress_clear(struct progress *p)
{
	if (p->line_shown) {
		fputs("\r\033[K", p->out);
		p->line_shown = false;
		fflush(p->out);
	}
}

static size_t negatives(const struct progress *p)
{
	size_t n = 0;
	for (int i = 0; i < RS__COUNT; i++)
		if (status_is_negative((enum result_status)i))
			n += p->counts[i];
	return n;
}

static void draw(struct progress *p)
{
	if (!p->tty || p->quiet)
		return;
	int64_t now = time_mono_ns();
	int64_t elapsed = (now - p->start_ns) / 1000000;
	char el[32], eta[48] = "";
	time_human(elapsed, el, sizeof(el));
	if (p->done < p->total) {
		int64_t left = -1;
		if (p->expected_ms > 0)
			left = p->expected_ms / p->jobs - elapsed;
		else if (p->done > 0)
			left = elapsed * (int64_t)(p->total - p->done) / (int64_t)p->done;
		if (left >= 0) {
			char t[32];
			time_human(left < 0 ? 0 : left, t, sizeof(t));
			snprintf(eta, sizeof(eta), ", ETA %s", t);
		}
	}
	fprintf(p->out, "\r\033[K[%zu/%zu] %s%zu passed%s, %s%zu failed%s, %zu skipped, %zu running, %s%s",
		p->done, p->total, progress_color(p, RS_PASSED), p->counts[RS_PASSED],
		progress_reset(p), negatives(p) ? progress_color(p, RS_FAILED) : "", negatives(p),
		negatives(p) ? progress_reset(p) : "", p->counts[RS_SKIPPED], p->running, el, eta);
	fflush(p->out);
	p->line_shown = true;
	p->last_draw_ns = now;
}

static const char *label(enum result_status s)
{
	switch (s) {
	case RS_PASSED:
		return "PASS ";
	case RS_FAILED:
		return "FAIL ";
	case RS_ERROR:
		return "ERROR";
	case RS_BLOCKED:
		return "BLOCK";
	case RS_SKIPPED:
		return "SKIP ";
	case RS_UNTESTED:
		return "NOTRUN";
	default:
		return status_name(s);
	}
}

static void on_begin(void *ctx, const struct run *r, const struct plan *pl, int64_t expected)
{
	struct progress *p = ctx;
	p->total = pl->n;
	p->expected_ms = expected;
	if (!p->quiet && !p->tty)
		fprintf(p->out, "run %s: %zu test%s, %d at a time\n", r->id, pl->n,
			pl->n == 1 ? "" : "s", p->jobs);
	draw(p);
}

static void on_started(void *ctx, const char *test)
{
	struct progress *p = ctx;
	p->running++;
}

static void first_line(const char *msg, char *out, size_t n)
{
	size_t len = strcspn(msg, "\n");
	if (len >= n)
		len = n - 1;
	memcpy(out, msg, len);
	out[len] = '\0';
}

static void on_result(void *ctx, const struct result *r, const struct result *subs,
		      size_t n_subs)
{
	struct progress *p = ctx;
	if (r->status != RS_BLOCKED && r->status != RS_UNTESTED && p->running)
		p->running--;
	p->done++;
	p->counts[r->status]++;
	if (p->quiet)
		return;
	bool show = !p->tty || status_is_negative(r->status);
	if (show) {
		progress_clear(p);
		char d[32], msg[200] = "";
		time_human(r->duration_ms, d, sizeof(d));
		if (r->message && r->status != RS_PASSED)
			first_line(r->message, msg, sizeof(msg));
		fprintf(p->out, "[%*zu/%zu] %s%s%s %s (%s)%s%s\n", (int)snprintf(NULL, 0, "%zu", p->total),
			p->done, p->total, progress_color(p, r->status), label(r->status),
			progress_reset(p), r->test, d, *msg ? ": " : "", msg);
	}
	int64_t now = time_mono_ns();
	if (now - p->last_draw_ns > 50 * 1000000 || p->done == p->total)
		draw(p);
}

static void on_resource(void *ctx, const char *name, enum exec_resource_phase ph, bool ok,
			const char *msg)
{
	struct progress *p = ctx;
	if (ok) {
		if (!p->tty && !p->quiet)
			fprintf(p->out, "resource %s: %s done\n", name,
				ph == EXEC_SETUP ? "set-up" : "clean-up");
		return;
	}
	p->warnings++;
	progress_clear(p);
	fprintf(p->out, "%swarning%s: %s\n", progress_color(p, RS_FAILED), progress_reset(p),
		msg ? msg : name);
	draw(p);
}

static void on_cancelling(void *ctx, bool hard)
{
	struct progress *p = ctx;
	progress_clear(p);
	if (hard)
		fprintf(stderr, "assay: second interrupt: killing every test now\n");
	else
		fprintf(stderr, "assay: cancelling: stopping running tests, running clean-ups "
				"(interrupt again to kill at once)\n");
	draw(p);
}

static void on_tick(void *ctx)
{
	draw(ctx);
}

static void on_warning(void *ctx, const char *msg)
{
	struct progress *p = ctx;
	p->warnings++;
	progress_clear(p);
	fprintf(stderr, "assay: warning: %s\n", msg);
}

struct run_progress progress_callbacks(struct progress *p)
{
	struct run_progress pg = { .ctx = p,
				   .begin = on_begin,
				   .started = on_started,
				   .result = on_result,
				   .resource = on_resource,
				   .cancelling = on_cancelling,
				   .tick = on_tick,
				   .warning = on_warning };
	return pg;
}
