/* import — reads result files into one run (see import.h).
 *
 * Each file is read in chunks and fed to its format's incremental reader;
 * every case the reader delivers becomes results in a batch, and a batch is
 * written when it holds BATCH_MAX results or BATCH_BYTES of text, so memory
 * stays bounded however large the file. The batches are written inside one
 * store transaction opened before the run is recorded, which makes the
 * import all or nothing even if assay is killed halfway.
 *
 * Reading and storing overlap: a thread of its own reads the files and
 * hands full batches over (at most HANDOFF_DEPTH waiting, so memory stays
 * bounded), while the caller's thread, the only one to use the store,
 * writes them. Parsing a million-case file and writing its results each
 * take a core's seconds; one after the other they took their sum. */
#include "util/base.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/ctrf_read.h"
#include "formats/junit_read.h"
#include "formats/tap_read.h"
#include "service/import.h"
#include "util/buf.h"
#include "util/nameset.h"
#include "util/str.h"
#include "util/strlist.h"
#include "util/time.h"

#define CHUNK (256 * 1024)
#define BATCH_MAX 2000
#define BATCH_BYTES (4u << 20)
#define ADVANCE_BYTES (16u << 20) /* progress every this many bytes */
#define FAILED_NAMES 5            /* failed TAP points named in the stream's message */
#define TAP_NAMES_KEPT 100000     /* point names remembered per stream to number repeats */
#define HANDOFF_DEPTH 2           /* full batches waiting for the store */

/* What one TAP stream needs beyond its reader: it is one test (named after
 * the file) whose points are its sub-results, as with `assay run`; or,
 * when it is assay's own export (`exported`), a run's tests themselves. */
struct tap_stream {
	char *name;
	bool exported;
	struct nameset children; /* point names used, to number repeats */
	size_t total, bad;
	struct buf failed_names;
	size_t named;
	int64_t duration_ms; /* its top-level points' durations, summed */
};

struct handoff;

/* Results (and suites' own output) on their way to the store. */
struct batch {
	struct result *rs;
	size_t n, cap;
	struct suite_output *outs;
	size_t n_outs, cap_outs;
};

struct importer {
	struct store *st;
	const struct import_request *req;
	const struct import_progress *pg;
	struct run *run;
	int64_t started_at;

	struct batch batch;
	size_t bytes;          /* text the batch holds */
	int64_t delivered;     /* results the readers gave so far */
	int64_t recorded;      /* results written so far */
	struct handoff *handoff; /* set when the files are read on a thread of their own */
	int64_t top_ms;        /* sum of top-level durations */

	/* The first failure inside a reader's callback, which cannot return one. */
	int rc;
	struct error err;

	const struct strlist *files; /* what to read */
	const char *path;      /* the file being read, as named to the user */
	struct tap_stream tap;
	struct nameset unnamed;   /* JUnit ids given to cases without a name */
	struct buf last_case;     /* the id of the file's previous JUnit case */
	struct strlist bad_files; /* with keep_partial: "FILE: why" */
};

/* ---- batches ---- */

/* Full batches on their way from the reading thread to the store. */
struct handoff {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch q[HANDOFF_DEPTH], spare[HANDOFF_DEPTH + 1];
	size_t head, queued; /* q is a ring, oldest at head */
	size_t n_spare;      /* stored batches given back, their results not yet released */
	bool done;     /* the reader has finished (rc, err say how) */
	bool stopped;  /* the store failed: the reader gives up at its next batch */
	int rc;
	struct error err;
};

/* Releases the batch's results and outputs; keeps its arrays. */
static void batch_empty(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		result_release(&b->rs[i]);
	for (size_t i = 0; i < b->n_outs; i++)
		suite_output_release(&b->outs[i]);
	b->n = b->n_outs = 0;
}

static void batch_free(struct batch *b)
{
	batch_empty(b);
	free(b->rs);
	free(b->outs);
	memset(b, 0, sizeof(*b));
}

/* Writes the batch's results, then its suites' output, into the run. */
static int batch_store(struct importer *im, const struct batch *b, struct error *e)
{
	int rc = store_results_insert(im->st, b->rs, b->n, e);
	if (!rc)
		rc = store_suite_outputs_add(im->st, im->run->id, b->outs, b->n_outs, e);
	if (!rc)
		im->recorded += (int64_t)b->n;
	return rc;
}

/* Reader side: queues the current batch (waiting while the queue is full)
 * and starts an empty one. RC_STORE, with the batch dropped, when the store
 * has failed: the caller's thread reports that error. */
static int handoff_put(struct importer *im)
{
	struct handoff *h = im->handoff;
	pthread_mutex_lock(&h->mu);
	while (h->queued == HANDOFF_DEPTH && !h->stopped)
		pthread_cond_wait(&h->cv, &h->mu);
	bool stopped = h->stopped;
	struct batch reuse = { 0 };
	if (!stopped) {
		size_t i = (h->head + h->queued++) % HANDOFF_DEPTH;
		h->q[i] = im->batch;
		if (h->n_spare)
			reuse = h->spare[--h->n_spare];
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	if (stopped) {
		batch_empty(&im->batch);
	} else {
		/* The strings of a stored batch are freed here, by the thread that
		 * made them, and not on the store's busy one. */
		batch_empty(&reuse);
		im->batch = reuse;
	}
	im->bytes = 0;
	return stopped ? err_set(&im->err, RC_STORE, "import stopped: the store failed") : RC_OK;
}

static int flush(struct importer *im)
{
	if (!im->batch.n && !im->batch.n_outs)
		return RC_OK;
	if (im->handoff)
		return handoff_put(im);
	int rc = batch_store(im, &im->batch, &im->err);
	batch_empty(&im->batch);
	im->bytes = 0;
	return rc;
}

static size_t text_len(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Takes ownership of every heap string of `r` and queues it. */
static void add(struct importer *im, struct result *r)
{
	if (im->rc) {
		result_release(r);
		return;
	}
	memcpy(r->run_id, im->run->id, UUID_STR_LEN);
	/* Result files carry no exit code, but for assay's own TAP export,
	 * which writes a failure's (never 0 there: -1 is "none") */
	if (r->exit_code <= 0)
		r->exit_code = -1;
	r->started_at = im->started_at;
	if (!r->parent && !r->superseded)
		im->top_ms += r->duration_ms;
	struct batch *b = &im->batch;
	GROW(b->rs, b->cap, b->n + 1);
	b->rs[b->n++] = *r;
	im->delivered++;
	im->bytes += text_len(r->test) + text_len(r->message) + text_len(r->stdout_text) +
		     text_len(r->stderr_text) + 128;
	if (b->n >= BATCH_MAX || im->bytes >= BATCH_BYTES)
		im->rc = flush(im);
}

/* With no_create, a test the project does not have yet is an error. */
static bool known(struct importer *im, const char *name)
{
	if (!im->req->no_create || im->rc)
		return !im->rc;
	bool exists = false;
	im->rc = store_test_exists(im->st, im->run->project, name, &exists, &im->err);
	if (!im->rc && !exists)
		im->rc = err_set(&im->err, RC_USAGE,
				 "%s: test '%s' does not exist in project '%s' (tests are not "
				 "created with --no-create-tests)",
				 im->path, name, im->run->project);
	return !im->rc;
}

/* ---- JUnit ---- */

/* assay's own export writes the statuses JUnit lacks as a type: <error
 * type="blocked">, <skipped type="untested">. Read them back as they were. */
static enum result_status junit_status(const struct junit_case *c)
{
	static const enum result_status own[] = { RS_BLOCKED, RS_INVALID, RS_UNTESTED,
						  RS_RETEST };
	if (c->status != RS_ERROR && c->status != RS_SKIPPED)
		return c->status;
	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		if (!strcmp(c->type, status_name(own[i])))
			return own[i];
	return c->status;
}

static void on_case(void *ctx, const struct junit_case *c)
{
	struct importer *im = ctx;
	struct buf name = BUF_INIT;
	junit_case_id(c, &name);
	/* Cases without a name (hand-written or broken files) are not one
	 * test run again: " (2)", " (3)", ... as repeated TAP points. */
	if (!*c->name && nameset_count(&im->unnamed) < TAP_NAMES_KEPT)
		nameset_number(&im->unnamed, &name);
	/* pytest writes a test that failed and then errored in its teardown as
	 * two cases of one name, the second an <error message="failed on
	 * teardown with ...">: the test was not run again. That error is the
	 * test's sub-result NAME/teardown, and the test keeps its failure
	 * (under --no-create-tests it stays a later attempt, as it was). */
	bool teardown = c->status == RS_ERROR && str_starts(c->message, "failed on teardown") &&
			im->last_case.len && !strcmp(im->last_case.data, name.data) &&
			!im->req->no_create;
	buf_reset(&im->last_case);
	buf_adds(&im->last_case, name.data);
	char *parent = NULL;
	if (teardown) {
		parent = xstrdup(name.data);
		buf_adds(&name, "/teardown");
	}
	if (!known(im, name.data)) {
		free(parent);
		buf_release(&name);
		return;
	}
	/* Earlier attempts first; attempt 0 lets the store number them and mark
	 * each superseded by the next, as it does for a repeated test case. */
	for (size_t i = 0; i < c->n_attempts; i++) {
		const struct junit_attempt *a = &c->attempts[i];
		struct result r = {
			.test = xstrdup(name.data),
			.status = a->status,
			.duration_ms = a->duration_ms > 0 ? a->duration_ms : 0,
			.message = junit_message(a->message, a->text),
			.stdout_text = *a->system_out ? xstrdup(a->system_out) : NULL,
			.stderr_text = *a->system_err ? xstrdup(a->system_err) : NULL,
		};
		add(im, &r);
	}
	struct result r = {
		.test = buf_detach(&name),
		.parent = parent,
		.status = junit_status(c),
		.duration_ms = c->duration_ms > 0 ? c->duration_ms : 0,
		.message = junit_message(c->message, c->text),
		.stdout_text = *c->system_out ? xstrdup(c->system_out) : NULL,
		.stderr_text = *c->system_err ? xstrdup(c->system_err) : NULL,
	};
	add(im, &r);
	buf_release(&name);
}

/* A suite's own output (Ant's and Gradle's class log) goes with the
 * batch, so that it is stored in the import's transaction and counted
 * against the batch's bytes. */
static void on_suite_output(void *ctx, const struct junit_suite_output *so)
{
	struct importer *im = ctx;
	if (im->rc)
		return;
	struct buf suite = BUF_INIT;
	junit_suite_id(so->suite, so->root, &suite);
	struct batch *b = &im->batch;
	GROW(b->outs, b->cap_outs, b->n_outs + 1);
	b->outs[b->n_outs++] = (struct suite_output){
		.suite = buf_detach(&suite),
		.stdout_text = *so->system_out ? xstrdup(so->system_out) : NULL,
		.stderr_text = *so->system_err ? xstrdup(so->system_err) : NULL,
	};
	im->bytes += text_len(so->system_out) + text_len(so->system_err) + 128;
	if (im->bytes >= BATCH_BYTES)
		im->rc = flush(im);
}

/* ---- CTRF ---- */

/* CTRF has five statuses; assay's own export keeps the exact one in
 * rawStatus, as other tools keep theirs ("timedOut", "interrupted"). A
 * rawStatus that names an assay status is taken back as it was. */
static enum result_status ctrf_status(const struct ctrf_test *t)
{
	enum result_status s;
	return status_parse(t->raw_status, &s) ? s : t->status;
}

static void on_ctrf_test(void *ctx, const struct ctrf_test *t)
{
	struct importer *im = ctx;
	struct buf name = BUF_INIT;
	ctrf_test_id(t, &name);
	if (!known(im, name.data)) {
		buf_release(&name);
		return;
	}
	for (size_t i = 0; i < t->n_attempts; i++) {
		const struct ctrf_attempt *a = &t->attempts[i];
		struct result r = {
			.test = xstrdup(name.data),
			.status = a->status,
			.duration_ms = a->duration_ms > 0 ? a->duration_ms : 0,
			.message = report_message(a->message, a->trace),
		};
		add(im, &r);
	}
	/* "retries": 2 without the attempts themselves still says the test ran
	 * twice before; keep those runs visible, without details. "flaky":
	 * true alone says it passed after at least one failed run. */
	int earlier = t->retries;
	if (t->flaky && t->status == RS_PASSED && earlier < 1)
		earlier = 1;
	for (int i = (int)t->n_attempts; i < earlier && i < 32; i++) {
		struct result r = {
			.test = xstrdup(name.data),
			.status = t->status == RS_PASSED ? RS_FAILED : t->status,
			.message = xstrdup("an earlier attempt (the CTRF file gives no details)"),
		};
		add(im, &r);
	}
	struct result r = {
		.test = buf_detach(&name),
		.status = ctrf_status(t),
		.duration_ms = t->duration_ms > 0 ? t->duration_ms : 0,
		.message = report_message(t->message, t->trace),
		.stdout_text = *t->system_out ? xstrdup(t->system_out) : NULL,
		.stderr_text = *t->system_err ? xstrdup(t->system_err) : NULL,
	};
	add(im, &r);
	buf_release(&name);
}

/* Ends a CTRF document; tests it had to leave out (no usable name) are
 * reported as a warning, not an error: one bad entry of a huge report
 * should not cost the rest. */
static int ctrf_end(struct importer *im, struct ctrf_reader *cr, struct error *e)
{
	struct ctrf_summary s;
	int rc = ctrf_finish(cr, &s, e);
	if (!rc && s.dropped && im->pg && im->pg->warning) {
		char *w = xasprintf("%s: %lld tests left out: %s", im->path, (long long)s.dropped,
				    s.problem ? s.problem : "no usable name");
		im->pg->warning(im->pg->ctx, w);
		free(w);
	}
	if (!rc)
		ctrf_summary_release(&s);
	return rc;
}

/* ---- TAP ---- */

/* "results/foo.tap" → "foo"; standard input is "stdin". */
static char *stream_name(const char *path)
{
	if (!strcmp(path, "-"))
		return xstrdup("stdin");
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	return xstrndup(base, n);
}

/* Counts a point, numbering a repeated name " (2)", as assay run does.
 * Past TAP_NAMES_KEPT names a stream stops remembering them (memory stays
 * bounded): a repeat then becomes a later attempt of the same result.
 * Returns the attempt to record: 1, or 0 for the store to number. */
static int point_counted(struct tap_stream *ts, struct buf *name)
{
	bool numbered = nameset_count(&ts->children) < TAP_NAMES_KEPT;
	if (numbered)
		nameset_number(&ts->children, name);
	ts->total++;
	return numbered ? 1 : 0;
}

/* Records r as the test `name` (taken), unless that test may not be made. */
static void add_point(struct importer *im, struct buf *name, struct result *r)
{
	if (!known(im, name->data)) {
		result_release(r);
		buf_release(name);
		return;
	}
	r->test = buf_detach(name);
	add(im, r);
}

/* "# assay run ID ..." before the first point: the stream is assay's own
 * TAP export (formats/export_tap.c), whose points are a run's tests named
 * in full, not sub-results of a test named after the file. */
static void on_comment(void *ctx, const char *text, int line)
{
	struct importer *im = ctx;
	(void)line;
	if (!im->tap.total && str_starts(text, "assay run "))
		im->tap.exported = true;
}

/* A point of assay's own export: a test with the status, message, parent
 * and exit code its YAML block gives back, and the duration_ms tap_read
 * took from it. A
 * skipped test's reason is also on the point; untested and retest are
 * "# TODO untested|retest". */
static void on_exported_point(struct importer *im, const struct tap_point *p)
{
	struct tap_stream *ts = &im->tap;
	struct buf name = BUF_INIT;
	enum result_status status, said;
	char *message;
	tap_point_result(p, &name, &status, &message);
	free(message);
	message = NULL;
	struct tap_yaml y;
	bool yaml = p->diagnostics && tap_yaml_read(p->diagnostics, &y);
	if (yaml && y.status && status_parse(y.status, &said))
		status = said;
	else if (p->directive == TAP_TODO && status_parse(p->reason, &said))
		status = said;
	if (yaml && y.message)
		message = xstrdup(y.message);
	else if (p->directive == TAP_SKIP && *p->reason)
		message = xstrdup(p->reason);
	/* a sub-result's parent, when its name is under it */
	size_t plen = yaml && y.parent ? strlen(y.parent) : 0;
	bool under = plen && !strncmp(name.data, y.parent, plen) && name.data[plen] == '/';
	struct result r = {
		.parent = under ? xstrdup(y.parent) : NULL,
		.status = status,
		.message = message,
		.duration_ms = p->duration_ms > 0 ? p->duration_ms : 0,
		.exit_code = yaml ? y.exit_code : -1,
		.attempt = point_counted(ts, &name),
	};
	if (yaml)
		tap_yaml_release(&y);
	add_point(im, &name, &r);
}

static void on_point(void *ctx, const struct tap_point *p)
{
	struct importer *im = ctx;
	struct tap_stream *ts = &im->tap;
	if (ts->exported) {
		on_exported_point(im, p);
		return;
	}
	struct buf name = BUF_INIT;
	buf_addf(&name, "%s/", ts->name);
	enum result_status status;
	char *message;
	tap_point_result(p, &name, &status, &message);
	int attempt = point_counted(ts, &name);
	if (!p->depth && p->duration_ms > 0)
		ts->duration_ms += p->duration_ms;
	if (status_is_negative(status)) {
		if (ts->named < FAILED_NAMES)
			buf_addf(&ts->failed_names, "%s%s", ts->named ? ", " : ": ",
				 name.data + strlen(ts->name) + 1);
		ts->named++;
		ts->bad++;
	}
	struct result r = {
		.parent = xstrdup(ts->name),
		.status = status,
		.duration_ms = p->duration_ms > 0 ? p->duration_ms : 0,
		.message = message,
		.attempt = attempt,
	};
	add_point(im, &name, &r);
}

static void tap_stream_end(struct importer *im, struct tap_reader *tr)
{
	struct tap_stream *ts = &im->tap;
	struct tap_summary s;
	tap_finish(tr, &s);
	if (ts->named > FAILED_NAMES)
		buf_addf(&ts->failed_names, ", and %zu more", ts->named - FAILED_NAMES);
	struct buf msg = BUF_INIT;
	enum result_status status =
		tap_stream_result(&s, ts->bad, ts->total,
				  ts->failed_names.len ? ts->failed_names.data : "", &msg);
	tap_summary_release(&s);
	/* An export's points were the run's tests: the file is not one,
	 * unless it is cut short or not TAP (then its error is recorded). */
	if (ts->exported && status != RS_ERROR) {
		buf_release(&msg);
		return;
	}
	if (known(im, ts->name)) {
		struct result r = {
			.test = xstrdup(ts->name),
			.status = status,
			.duration_ms = ts->duration_ms,
			.message = msg.len ? buf_detach(&msg) : NULL,
		};
		add(im, &r);
	}
	buf_release(&msg);
}

static void tap_stream_release(struct tap_stream *ts)
{
	free(ts->name);
	nameset_release(&ts->children);
	buf_release(&ts->failed_names);
	memset(ts, 0, sizeof(*ts));
}

/* ---- reading one file ---- */

/* Reads up to `n` bytes, retrying short reads: a pipe gives what it has. */
static ssize_t read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static int open_input(const char *path, int *fd, struct error *e)
{
	if (!strcmp(path, "-")) {
		*fd = STDIN_FILENO;
		return RC_OK;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return err_set(e, errno == ENOENT ? RC_USAGE : RC_IO, "%s: %s", path,
			       strerror(errno));
	return RC_OK;
}

/* Feeds the file to its reader. A reader's error (RC_PARSE) comes back with
 * the file named; a store error from a callback comes back as it is. */
static int read_file(struct importer *im, const char *path, char *chunk, struct error *e)
{
	int fd, rc = open_input(path, &fd, e);
	if (rc)
		return rc;
	im->path = strcmp(path, "-") ? path : "standard input";
	ssize_t n = read_full(fd, chunk, CHUNK);
	enum result_format f = im->req->format;
	if (n >= 0 && f == FMT_UNKNOWN)
		f = format_detect(chunk, (size_t)n);
	if (n < 0) {
		rc = err_set(e, RC_IO, "reading %s: %s", im->path, strerror(errno));
	} else if (f == FMT_UNKNOWN) {
		rc = err_set(e, RC_USAGE,
			     "%s: not a JUnit XML, TAP or CTRF file (say which with --format, or "
			     "?format= over the API)",
			     im->path);
	}
	if (rc) {
		if (fd != STDIN_FILENO)
			close(fd);
		return rc;
	}
	if (im->pg && im->pg->file)
		im->pg->file(im->pg->ctx, im->path, f);

	struct junit_reader *jr = NULL;
	struct tap_reader *tr = NULL;
	struct ctrf_reader *cr = NULL;
	if (f == FMT_JUNIT) {
		struct junit_callbacks cb = { on_case, on_suite_output, im };
		jr = junit_reader_new(&cb);
		buf_reset(&im->last_case);
	} else if (f == FMT_CTRF) {
		struct ctrf_callbacks cb = { on_ctrf_test, im };
		cr = ctrf_reader_new(&cb);
	} else {
		struct tap_callbacks cb = { .point = on_point, .ctx = im, .comment = on_comment };
		tr = tap_reader_new(&cb);
		im->tap.name = stream_name(path);
	}
	uint64_t total = 0, next_advance = ADVANCE_BYTES;
	while (n > 0 && !rc && !im->rc) {
		total += (uint64_t)n;
		if (jr)
			rc = junit_feed(jr, chunk, (size_t)n, e);
		else if (cr)
			rc = ctrf_feed(cr, chunk, (size_t)n, e);
		else
			tap_feed(tr, chunk, (size_t)n);
		if (total >= next_advance && im->pg && im->pg->advance) {
			im->pg->advance(im->pg->ctx, im->path, total, im->delivered);
			next_advance = total + ADVANCE_BYTES;
		}
		if (!rc && !im->rc && (n = read_full(fd, chunk, CHUNK)) < 0)
			rc = err_set(e, RC_IO, "reading %s: %s", im->path, strerror(errno));
	}
	if (!rc && !im->rc) {
		if (jr)
			rc = junit_finish(jr, e);
		else if (cr)
			rc = ctrf_end(im, cr, e);
		else
			tap_stream_end(im, tr);
	}
	if (rc == RC_PARSE)
		err_prefix(e, "%s", im->path);
	junit_reader_free(jr);
	ctrf_reader_free(cr);
	if (tr)
		tap_reader_free(tr);
	tap_stream_release(&im->tap);
	if (fd != STDIN_FILENO)
		close(fd);
	if (!rc && im->rc) {
		*e = im->err;
		rc = im->rc;
	}
	return rc;
}

/* ---- finding the files ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether a file in a searched directory is a result file: by its content,
 * and of the forced format if there is one. */
static bool is_result_file(const char *path, enum result_format forced)
{
	char head[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read_full(fd, head, sizeof(head));
	close(fd);
	if (n <= 0)
		return false;
	enum result_format f = format_detect(head, (size_t)n);
	return f != FMT_UNKNOWN && (forced == FMT_UNKNOWN || f == forced);
}

/* Adds the result files under `dir` (sorted; hidden entries left out). */
static int search_dir(const char *dir, const struct import_request *req,
		      const struct import_progress *pg, struct strlist *out, int depth,
		      struct error *e)
{
	if (depth > 32)
		return err_set(e, RC_USAGE, "%s: directories nested too deep", dir);
	DIR *d = opendir(dir);
	if (!d)
		return err_set(e, RC_IO, "%s: %s", dir, strerror(errno));
	struct strlist names = STRLIST_INIT;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strlist_add(&names, de->d_name);
	closedir(d);
	if (names.n)
		qsort(names.items, names.n, sizeof(*names.items), cmp_str);
	int rc = RC_OK;
	for (size_t i = 0; i < names.n && !rc; i++) {
		char *path = xasprintf("%s/%s", dir, names.items[i]);
		struct stat sb;
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			rc = search_dir(path, req, pg, out, depth + 1, e);
		else if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
			 is_result_file(path, req->format))
			strlist_add(out, path);
		else if (pg && pg->skipped)
			pg->skipped(pg->ctx, path);
		free(path);
	}
	strlist_release(&names);
	return rc;
}

static int find_files(const struct import_request *req, const struct import_progress *pg,
		      struct strlist *out, struct error *e)
{
	if (!req->n_paths)
		return err_set(e, RC_USAGE, "no files to import: name files, directories or -");
	for (size_t i = 0; i < req->n_paths; i++) {
		const char *p = req->paths[i];
		struct stat sb;
		if (!strcmp(p, "-")) {
			strlist_add(out, p);
		} else if (stat(p, &sb) != 0) {
			return err_set(e, RC_USAGE, "%s: %s", p, strerror(errno));
		} else if (S_ISDIR(sb.st_mode)) {
			size_t before = out->n;
			int rc = search_dir(p, req, pg, out, 0, e);
			if (rc)
				return rc;
			if (out->n == before)
				return err_set(e, RC_USAGE, "%s: no %s result files in this directory",
					       p, req->format ? format_name(req->format)
							      : "JUnit XML, TAP or CTRF");
		} else {
			strlist_add(out, p);
		}
	}
	return RC_OK;
}

/* ---- the run ---- */

static int open_run(struct importer *im, struct run *run, const struct strlist *files,
		    struct error *e)
{
	const struct import_request *req = im->req;
	if (req->run) {
		char id[UUID_STR_LEN];
		int rc = store_run_resolve(im->st, req->run, id, e);
		if (!rc)
			rc = store_run_get(im->st, id, run, e);
		if (rc)
			return rc;
		return service_run_takes_results(run, e);
	}
	struct buf def = BUF_INIT;
	buf_adds(&def, "import");
	for (size_t i = 0; i < files->n && def.len < 1024; i++)
		buf_addf(&def, " %s", files->items[i]);
	struct run_props props = req->props;
	if (!props.definition)
		props.definition = def.data;
	service_run_init(run, &props);
	buf_release(&def);
	if (req->triggered_by) {
		free(run->triggered_by);
		run->triggered_by = xstrdup(req->triggered_by);
	}
	run->lifecycle = LC_IN_PROGRESS;
	int rc = store_run_insert(im->st, run, e);
	if (!rc)
		rc = store_run_event_add(im->st, run->id, LC_IN_PROGRESS, run->started_at,
					 files->n == 1 ? "importing 1 file" : "importing files", e);
	return rc;
}

/* Ends a run the import made: its lifecycle from its counters (or failed,
 * with the bad files as the reason). */
static int close_run(struct importer *im, struct run *run, struct error *e)
{
	struct run stored;
	int rc = store_run_get(im->st, run->id, &stored, e);
	if (rc)
		return rc;
	int64_t now = time_now_ms();
	if (im->bad_files.n) {
		stored.lifecycle = LC_FAILED;
		struct buf why = BUF_INIT;
		buf_addf(&why, "partial import: %s", im->bad_files.items[0]);
		if (im->bad_files.n > 1)
			buf_addf(&why, " (and %zu more bad files)", im->bad_files.n - 1);
		free(stored.reason);
		stored.reason = buf_detach(&why);
	} else {
		stored.lifecycle = lifecycle_for_counts(stored.counts);
	}
	stored.verdict = verdict_of(stored.lifecycle);
	stored.completed_at = now;
	stored.duration_ms = im->top_ms;
	stored.total = 0;
	for (int i = 0; i < RS__COUNT; i++)
		stored.total += stored.counts[i];
	char msg[128];
	snprintf(msg, sizeof(msg), "imported %lld results", (long long)im->recorded);
	rc = store_run_update(im->st, &stored, e);
	if (!rc)
		rc = store_run_event_add(im->st, stored.id, stored.lifecycle, now,
					 stored.reason ? stored.reason : msg, e);
	run_release(run);
	*run = stored;
	return rc;
}

/* Reads every file into batches (flush() stores them or hands them over).
 * A malformed file with keep_partial is noted in bad_files and the next
 * one read; any other error ends the reading. */
static int read_files(struct importer *im, const struct strlist *files, struct error *e)
{
	char *chunk = xmalloc(CHUNK);
	int rc = RC_OK;
	for (size_t i = 0; i < files->n && !rc; i++) {
		rc = read_file(im, files->items[i], chunk, e);
		if (rc == RC_PARSE && im->req->keep_partial) {
			strlist_add(&im->bad_files, e->msg);
			im->rc = RC_OK;
			rc = RC_OK;
		}
		if (!rc)
			rc = im->rc = flush(im);
		if (rc && im->rc)
			*e = im->err;
	}
	free(chunk);
	return rc;
}

static void *reader_main(void *arg)
{
	struct importer *im = arg;
	struct handoff *h = im->handoff;
	struct error err = ERROR_INIT;
	int rc = read_files(im, im->files, &err);
	pthread_mutex_lock(&h->mu);
	h->rc = rc;
	h->err = err;
	h->done = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* Store side: writes the batches the reading thread hands over until it
 * is done. After a store failure the rest is dropped and the reader told
 * to stop; the store's error is the import's. */
static int store_handed_over(struct importer *im, struct error *e)
{
	struct handoff *h = im->handoff;
	int rc = RC_OK;
	for (;;) {
		pthread_mutex_lock(&h->mu);
		while (!h->queued && !h->done)
			pthread_cond_wait(&h->cv, &h->mu);
		if (!h->queued) {
			pthread_mutex_unlock(&h->mu);
			break;
		}
		struct batch b = h->q[h->head];
		h->head = (h->head + 1) % HANDOFF_DEPTH;
		h->queued--;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
		if (!rc && !(h->done && h->rc)) /* once reading failed, all is undone anyway */
			rc = batch_store(im, &b, e);
		pthread_mutex_lock(&h->mu);
		if (rc)
			h->stopped = true;
		bool kept = h->n_spare < ARRAY_SIZE(h->spare);
		if (kept)
			h->spare[h->n_spare++] = b;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
		if (!kept) /* not reached: at most HANDOFF_DEPTH + 1 batches exist */
			batch_free(&b);
	}
	if (!rc && h->rc) {
		rc = h->rc;
		*e = h->err;
	}
	return rc;
}

/* Reads the files and stores their results: on two threads when the
 * reading needs no store (with no_create it asks the store about each
 * test) and a thread can be made, else on this one. */
static int read_and_store(struct importer *im, const struct strlist *files, struct error *e)
{
	im->files = files;
	if (im->req->no_create)
		return read_files(im, files, e);
	struct handoff h = { .err = ERROR_INIT };
	pthread_mutex_init(&h.mu, NULL);
	pthread_cond_init(&h.cv, NULL);
	im->handoff = &h;
	pthread_t reader;
	int rc;
	if (pthread_create(&reader, NULL, reader_main, im)) {
		im->handoff = NULL;
		rc = read_files(im, files, e);
	} else {
		rc = store_handed_over(im, e);
		pthread_join(reader, NULL);
		im->handoff = NULL;
	}
	for (size_t k = 0; k < h.n_spare; k++)
		batch_free(&h.spare[k]);
	pthread_cond_destroy(&h.cv);
	pthread_mutex_destroy(&h.mu);
	return rc;
}

int service_import(struct store *st, const struct import_request *req,
		   const struct import_progress *pg, struct run *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	struct strlist files = STRLIST_INIT;
	int rc = find_files(req, pg, &files, e);
	if (rc) {
		strlist_release(&files);
		return rc;
	}
	struct importer im = {
		.st = st, .req = req, .pg = pg, .run = out, .err = ERROR_INIT,
		.started_at = time_now_ms(), .last_case = BUF_INIT,
	};
	rc = store_begin_whole(st, e); /* any failure rolls it all back */
	if (!rc)
		rc = open_run(&im, out, &files, e);
	if (!rc)
		rc = read_and_store(&im, &files, e);
	if (!rc && !req->run && !im.recorded && !im.bad_files.n && !req->allow_empty)
		rc = err_set(e, RC_USAGE, "nothing to record: %s%s no test, and a run of none "
			     "would pass (--no-tests ignore, or no_tests=ignore in the API, "
			     "records it)", files.items[0],
			     files.n > 1 ? " and the other files hold" : " holds");
	if (!rc && !req->run) {
		rc = close_run(&im, out, e);
	} else if (!rc) {
		char id[UUID_STR_LEN];
		memcpy(id, out->id, sizeof(id));
		run_release(out);
		rc = store_run_get(st, id, out, e); /* with the new counters */
	}
	if (!rc)
		rc = store_commit(st, e);
	if (rc) {
		store_rollback(st);
		run_release(out);
	}
	batch_free(&im.batch);
	strlist_release(&im.bad_files);
	nameset_release(&im.unnamed);
	buf_release(&im.last_case);
	strlist_release(&files);
	return rc;
}
