/* export — see export.h. The walk, the regrouping by suite for grouped
 * writers, the earlier attempts waiting for their final result, and the
 * files the bytes go to. */
#include "util/base.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service/export.h"
#include "service/results_pipe.h"
#include "util/spool.h"
#include "util/strmap.h"
#include "util/time.h"
#include "util/uuid.h"

enum {
	OUT_FLUSH = 256 * 1024,           /* document bytes handed to the sink at a time */
	GROUPS_PENDING = 2 * 1024 * 1024, /* suites' bytes kept in memory before a spill */
	READ_BUFFERS = 2 * 1024 * 1024,   /* read-back buffers, all spills together */
	SPOOL_MEMORY = 1024 * 1024,       /* spool bytes kept in memory before a temp file */
};

/* A range of the spool; for a suite's bytes, also the spill they were in. */
struct chunk {
	uint64_t at;
	size_t n;
	size_t spill;
};

/* A suite of a grouped export: its counts, its bytes already spooled
 * (chunks, in spill order) and those still in memory (pending).
 *
 * Suites' bytes go to the spool in spills: when the suites hold
 * GROUPS_PENDING bytes in memory, all of them are written out, one after
 * the other in name order. Writing the document then visits the suites in
 * name order, so within each spill the reads go forward: one buffered
 * reader per spill turns them into a few large reads, not one per piece. */
struct group {
	char *name;
	struct export_stats stats;
	bool has_output;         /* the run holds output of this suite itself */
	struct buf pending;
	struct chunk *chunks;
	size_t n_chunks, cap_chunks;
};

/* A retried test's earlier attempts, spooled until its final result comes
 * (wait_index maps the test's name to it). */
struct waiting {
	struct chunk *chunks;
	size_t n, cap;
};

struct exporter {
	struct store *st;
	const char *run_id;
	const struct export_request *req;
	const struct export_writer *wr;
	void *w;
	export_sink_fn sink;
	void *sink_ctx;
	struct buf out;          /* document bytes not yet given to the sink */
	struct spool *spool;     /* made on first need */
	struct export_stats totals;
	struct buf key;          /* scratch: a suite name */
	struct buf enc;          /* scratch: an attempt being spooled */
	struct group *groups;
	size_t n_groups, cap_groups;
	struct strmap group_index;
	size_t last_group;       /* the group of the last result */
	size_t *order;           /* group indices by name (valid when !order_stale) */
	bool order_stale;
	size_t pending;          /* bytes in all groups' pending buffers */
	size_t spills;
	struct waiting *waits;
	size_t n_waits, cap_waits;
	struct strmap wait_index;
	size_t n_waiting;        /* waits that hold attempts */
	struct strmap failing;   /* suites with a failure, for wr->suite_output */
	struct error *e;
};

static int flush_out(struct exporter *x)
{
	if (!x->out.len)
		return RC_OK;
	int rc = x->sink(x->sink_ctx, x->out.data, x->out.len, x->e);
	buf_reset(&x->out);
	return rc;
}

static struct spool *spool_of(struct exporter *x)
{
	if (!x->spool)
		x->spool = spool_new(x->req->spool_memory ? x->req->spool_memory : SPOOL_MEMORY);
	return x->spool;
}

/* ---- attempts waiting for their final result ---- */

static void enc_u64(struct buf *b, uint64_t v)
{
	buf_add(b, &v, sizeof(v));
}

static void enc_str(struct buf *b, const char *s)
{
	enc_u64(b, s ? strlen(s) : UINT64_MAX);
	if (s)
		buf_adds(b, s);
}

static uint64_t dec_u64(const char **p)
{
	uint64_t v;
	memcpy(&v, *p, sizeof(v));
	*p += sizeof(v);
	return v;
}

static char *dec_str(const char **p)
{
	uint64_t n = dec_u64(p);
	if (n == UINT64_MAX)
		return NULL;
	char *s = xstrndup(*p, (size_t)n);
	*p += n;
	return s;
}

/* A result as bytes for the spool (dec_result reads them back). */
static void enc_result(struct buf *b, const struct result *r)
{
	buf_reset(b);
	enc_str(b, r->id);
	enc_str(b, r->run_id);
	enc_str(b, r->test);
	enc_str(b, r->parent);
	enc_u64(b, (uint64_t)r->status);
	enc_u64(b, (uint64_t)r->duration_ms);
	enc_str(b, r->message);
	enc_str(b, r->stdout_text);
	enc_str(b, r->stderr_text);
	enc_u64(b, (uint64_t)r->stdout_dropped);
	enc_u64(b, (uint64_t)r->stderr_dropped);
	enc_u64(b, (uint64_t)(int64_t)r->attempt);
	enc_u64(b, r->superseded);
	enc_u64(b, (uint64_t)(int64_t)r->exit_code);
	enc_u64(b, (uint64_t)r->started_at);
	enc_u64(b, (uint64_t)r->completed_at);
}

static void dec_result(const char *p, struct result *r)
{
	memset(r, 0, sizeof(*r));
	char *s = dec_str(&p);
	snprintf(r->id, sizeof(r->id), "%s", s ? s : "");
	free(s);
	s = dec_str(&p);
	snprintf(r->run_id, sizeof(r->run_id), "%s", s ? s : "");
	free(s);
	r->test = dec_str(&p);
	r->parent = dec_str(&p);
	r->status = (enum result_status)dec_u64(&p);
	r->duration_ms = (int64_t)dec_u64(&p);
	r->message = dec_str(&p);
	r->stdout_text = dec_str(&p);
	r->stderr_text = dec_str(&p);
	r->stdout_dropped = (int64_t)dec_u64(&p);
	r->stderr_dropped = (int64_t)dec_u64(&p);
	r->attempt = (int)(int64_t)dec_u64(&p);
	r->superseded = dec_u64(&p) != 0;
	r->exit_code = (int)(int64_t)dec_u64(&p);
	r->started_at = (int64_t)dec_u64(&p);
	r->completed_at = (int64_t)dec_u64(&p);
}

/* Spools a superseded result until the final result of its test comes. */
static int hold(struct exporter *x, const struct result *r)
{
	size_t i;
	if (!strmap_get(&x->wait_index, r->test, &i)) {
		i = x->n_waits;
		GROW(x->waits, x->cap_waits, x->n_waits + 1);
		x->waits[x->n_waits++] = (struct waiting){ 0 };
		strmap_put(&x->wait_index, r->test, i);
	}
	struct waiting *wt = &x->waits[i];
	enc_result(&x->enc, r);
	struct chunk c = { 0, x->enc.len, 0 };
	if (spool_write(spool_of(x), x->enc.data, x->enc.len, &c.at, x->e))
		return x->e->code;
	if (!wt->n)
		x->n_waiting++;
	GROW(wt->chunks, wt->cap, wt->n + 1);
	wt->chunks[wt->n++] = c;
	return RC_OK;
}

/* Takes the attempts of waits[i] (oldest first) out of the spool; the
 * caller frees them with results_free. */
static int take(struct exporter *x, size_t i, struct result **out, size_t *n)
{
	struct waiting *wt = &x->waits[i];
	struct result *rs = xcalloc(wt->n, sizeof(*rs));
	int rc = RC_OK;
	for (size_t k = 0; k < wt->n && !rc; k++) {
		buf_reset(&x->enc);
		buf_grow(&x->enc, wt->chunks[k].n);
		rc = spool_read(x->spool, wt->chunks[k].at, x->enc.data, wt->chunks[k].n, x->e);
		if (!rc)
			dec_result(x->enc.data, &rs[k]);
	}
	*out = rs;
	*n = wt->n;
	free(wt->chunks);
	wt->chunks = NULL;
	wt->n = wt->cap = 0;
	x->n_waiting--;
	return rc;
}

static void results_free(struct result *rs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		result_release(&rs[i]);
	free(rs);
}

/* ---- groups ---- */

/* The group named x->key, made if new. */
static struct group *group_keyed(struct exporter *x)
{
	size_t i;
	if (strmap_get(&x->group_index, x->key.data, &i)) {
		x->last_group = i;
		return &x->groups[i];
	}
	x->last_group = x->n_groups;
	GROW(x->groups, x->cap_groups, x->n_groups + 1);
	struct group *g = &x->groups[x->n_groups];
	memset(g, 0, sizeof(*g));
	g->name = xstrdup(x->key.data);
	buf_init(&g->pending);
	strmap_put(&x->group_index, x->key.data, x->n_groups++);
	x->order_stale = true;
	return g;
}

static struct group *group_of(struct exporter *x, const char *test)
{
	size_t len = export_suite_len(test);
	/* Results of one suite often come together (a test's TAP points, an
	 * imported file's cases): try the last suite before hashing. */
	if (x->n_groups) {
		struct group *last = &x->groups[x->last_group];
		if (!strncmp(last->name, test, len) && !last->name[len])
			return last;
	}
	buf_reset(&x->key);
	buf_add(&x->key, test, len);
	return group_keyed(x);
}

/* The suites the run holds output of are groups too (only their names are
 * read here; each one's text when its group is written). */
static int output_groups(struct exporter *x)
{
	struct suite_output *o;
	size_t n;
	int rc = store_suite_outputs(x->st, x->run_id, NULL, false, &o, &n, x->e);
	for (size_t i = 0; i < n && !rc; i++) {
		buf_reset(&x->key);
		buf_adds(&x->key, o[i].suite);
		group_keyed(x)->has_output = true;
	}
	suite_outputs_free(o, n);
	return rc;
}

/* A suite's own output, its rows joined in recording order, into eg. */
static int group_output(struct exporter *x, const struct group *g, struct export_group *eg,
			struct buf *out, struct buf *err)
{
	struct suite_output *o;
	size_t n;
	int rc = store_suite_outputs(x->st, x->run_id, g->name, true, &o, &n, x->e);
	for (size_t i = 0; i < n && !rc; i++) {
		if (o[i].stdout_text)
			buf_addf(out, "%s%s", out->len ? "\n" : "", o[i].stdout_text);
		if (o[i].stderr_text)
			buf_addf(err, "%s%s", err->len ? "\n" : "", o[i].stderr_text);
	}
	suite_outputs_free(o, n);
	eg->system_out = out->len ? out->data : NULL;
	eg->system_err = err->len ? err->data : NULL;
	return rc;
}

static int by_group_name(const void *a, const void *b, void *ctx)
{
	const struct group *g = ctx;
	return strcmp(g[*(const size_t *)a].name, g[*(const size_t *)b].name);
}

static void sort_groups(struct exporter *x)
{
	if (!x->order_stale)
		return;
	x->order = xrealloc(x->order, (x->n_groups + 1) * sizeof(*x->order));
	for (size_t i = 0; i < x->n_groups; i++)
		x->order[i] = i;
	qsort_r(x->order, x->n_groups, sizeof(*x->order), by_group_name, x->groups);
	x->order_stale = false;
}

/* Writes every group's pending bytes to the spool, in name order. */
static int spill(struct exporter *x)
{
	sort_groups(x);
	for (size_t k = 0; k < x->n_groups; k++) {
		struct group *g = &x->groups[x->order[k]];
		if (!g->pending.len)
			continue;
		struct chunk c = { 0, g->pending.len, x->spills };
		if (spool_write(spool_of(x), g->pending.data, g->pending.len, &c.at, x->e))
			return x->e->code;
		GROW(g->chunks, g->cap_chunks, g->n_chunks + 1);
		g->chunks[g->n_chunks++] = c;
		/* A buffer up to twice its share of GROUPS_PENDING is kept for
		 * the next spill (regrowing it costs reallocs on every result);
		 * a bigger one is freed, so what is kept stays bounded however
		 * many suites there are. */
		if (g->pending.cap > 2 * GROUPS_PENDING / x->n_groups)
			buf_release(&g->pending);
		else
			buf_reset(&g->pending);
	}
	x->pending = 0;
	x->spills++;
	return RC_OK;
}

/* ---- the walk ---- */

/* Hands one final result (with its earlier attempts) to the writer. */
static int deliver(struct exporter *x, const struct result *r, const struct result *att,
		   size_t n)
{
	export_stats_add(&x->totals, r);
	if (x->wr->suite_output && status_is_negative(r->status) &&
	    x->failing.n < EXPORT_SUITE_OUTPUTS) {
		buf_reset(&x->key);
		buf_add(&x->key, r->test, export_suite_len(r->test));
		strmap_put(&x->failing, x->key.data, 0);
	}
	if (!x->wr->grouped) {
		x->wr->result(x->w, &x->out, r, att, n);
		return x->out.len >= OUT_FLUSH ? flush_out(x) : RC_OK;
	}
	struct group *g = group_of(x, r->test);
	export_stats_add(&g->stats, r);
	size_t before = g->pending.len;
	x->wr->result(x->w, &g->pending, r, att, n);
	x->pending += g->pending.len - before;
	return x->pending >= GROUPS_PENDING ? spill(x) : RC_OK;
}

static int on_result(void *ctx, const struct result *r)
{
	struct exporter *x = ctx;
	if (r->superseded)
		return hold(x, r);
	size_t i;
	if (!x->n_waiting || !strmap_get(&x->wait_index, r->test, &i) || !x->waits[i].n)
		return deliver(x, r, NULL, 0);
	struct result *att;
	size_t n;
	int rc = take(x, i, &att, &n);
	if (!rc)
		rc = deliver(x, r, att, n);
	results_free(att, n);
	return rc;
}

/* The own output of the suites with a failure, for writers that show it:
 * the run's suite outputs are listed by name, and each failing suite's
 * read, whole, when it comes up (one suite's texts in memory at a time). */
static int failing_suite_outputs(struct exporter *x)
{
	if (!x->failing.n)
		return RC_OK;
	struct suite_output *names;
	size_t n;
	int rc = store_suite_outputs(x->st, x->run_id, NULL, false, &names, &n, x->e);
	for (size_t i = 0; i < n && !rc; i++) {
		size_t seen;
		if (!strmap_get(&x->failing, names[i].suite, &seen) || seen)
			continue;
		strmap_put(&x->failing, names[i].suite, 1);
		struct suite_output *so;
		size_t k;
		rc = store_suite_outputs(x->st, x->run_id, names[i].suite, true, &so, &k, x->e);
		for (size_t j = 0; j < k && !rc; j++) {
			x->wr->suite_output(x->w, &x->out, &so[j]);
			if (x->out.len >= OUT_FLUSH)
				rc = flush_out(x);
		}
		suite_outputs_free(so, k);
	}
	suite_outputs_free(names, n);
	return rc;
}

/* Attempts whose final result never came (a retest still under way): the
 * last one stands for the test, the others are its earlier attempts. */
static int deliver_orphans(struct exporter *x)
{
	for (size_t i = 0; i < x->n_waits && x->n_waiting; i++) {
		if (!x->waits[i].n)
			continue;
		struct result *att;
		size_t n;
		int rc = take(x, i, &att, &n);
		if (!rc)
			rc = deliver(x, &att[n - 1], att, n - 1);
		results_free(att, n);
		if (rc)
			return rc;
	}
	return RC_OK;
}

static int on_slow(void *ctx, const struct result *r)
{
	struct exporter *x = ctx;
	x->wr->slow(x->w, &x->out, r);
	return x->out.len >= OUT_FLUSH ? flush_out(x) : RC_OK;
}

/* A buffered forward reader of one spill's bytes. */
struct spill_reader {
	uint64_t at;   /* spool offset of buf[0] */
	size_t len;    /* bytes in buf */
	char *buf;
};

/* Appends the chunk's bytes to the document, through its spill's reader. */
static int copy_chunk(struct exporter *x, struct spill_reader *rd, size_t block,
		      const struct chunk *c)
{
	uint64_t at = c->at;
	size_t n = c->n;
	while (n) {
		if (at < rd->at || at >= rd->at + rd->len) {
			uint64_t left = spool_size(x->spool) - at;
			rd->len = left < block ? (size_t)left : block;
			rd->at = at;
			if (spool_read(x->spool, at, rd->buf, rd->len, x->e))
				return x->e->code;
		}
		size_t off = (size_t)(at - rd->at), k = rd->len - off < n ? rd->len - off : n;
		buf_add(&x->out, rd->buf + off, k);
		at += k;
		n -= k;
		if (x->out.len >= OUT_FLUSH && flush_out(x))
			return x->e->code;
	}
	return RC_OK;
}

/* Writes the grouped document: head, then each suite by name with its
 * spooled and pending bytes, then the end. */
static int write_groups(struct exporter *x)
{
	sort_groups(x);
	struct export_group *eg = xcalloc(x->n_groups + 1, sizeof(*eg));
	for (size_t k = 0; k < x->n_groups; k++)
		eg[k] = (struct export_group){ .name = x->groups[x->order[k]].name,
					       .stats = x->groups[x->order[k]].stats };
	struct export_summary s = { x->totals, eg, x->n_groups };
	size_t block = x->spills ? READ_BUFFERS / x->spills : 0;
	block = block < 16384 ? 16384 : block > 262144 ? 262144 : block;
	struct spill_reader *rd = xcalloc(x->spills + 1, sizeof(*rd));
	for (size_t i = 0; i < x->spills; i++)
		rd[i].buf = xmalloc(block);
	x->wr->begin(x->w, &x->out, &s);
	int rc = RC_OK;
	struct buf out = BUF_INIT, err = BUF_INIT;
	for (size_t k = 0; k < x->n_groups && !rc; k++) {
		struct group *g = &x->groups[x->order[k]];
		x->wr->group_begin(x->w, &x->out, &eg[k]);
		for (size_t c = 0; c < g->n_chunks && !rc; c++)
			rc = copy_chunk(x, &rd[g->chunks[c].spill], block, &g->chunks[c]);
		if (!rc && g->has_output)
			rc = group_output(x, g, &eg[k], &out, &err);
		if (rc)
			break;
		buf_add(&x->out, g->pending.data, g->pending.len);
		x->wr->group_end(x->w, &x->out, &eg[k]);
		buf_reset(&out);
		buf_reset(&err);
		if (x->out.len >= OUT_FLUSH)
			rc = flush_out(x);
	}
	buf_release(&out);
	buf_release(&err);
	if (!rc)
		x->wr->end(x->w, &x->out, &s);
	for (size_t i = 0; i < x->spills; i++)
		free(rd[i].buf);
	free(rd);
	free(eg);
	return rc;
}

static void exporter_release(struct exporter *x)
{
	if (x->w)
		x->wr->free(x->w);
	buf_release(&x->out);
	buf_release(&x->key);
	buf_release(&x->enc);
	spool_free(x->spool);
	for (size_t i = 0; i < x->n_groups; i++) {
		free(x->groups[i].name);
		buf_release(&x->groups[i].pending);
		free(x->groups[i].chunks);
	}
	free(x->groups);
	free(x->order);
	strmap_release(&x->group_index);
	for (size_t i = 0; i < x->n_waits; i++)
		free(x->waits[i].chunks);
	free(x->waits);
	strmap_release(&x->wait_index);
	strmap_release(&x->failing);
}

int service_export(struct store *st, const char *run_id, const struct export_request *req,
		   export_sink_fn sink, void *ctx, struct error *e)
{
	const struct export_writer *wr = req->writer;
	if (!wr)
		return err_set(e, RC_USAGE, "export: no format given");
	struct run run;
	int rc = store_run_get(st, run_id, &run, e);
	if (rc)
		return rc;
	char report_id[UUID_STR_LEN];
	uuid7_new(report_id, 0);
	struct export_options o = { .now = time_now_ms(), .report_id = report_id,
				    .max_failures = req->max_failures };
	struct exporter x = { .st = st, .run_id = run.id, .req = req, .wr = wr, .sink = sink,
			      .sink_ctx = ctx, .e = e };
	buf_init(&x.out);
	buf_init(&x.key);
	buf_init(&x.enc);
	x.w = wr->new(&run, &o);

	if (!wr->grouped)
		wr->begin(x.w, &x.out, NULL);
	if (wr->slowest > 0 && !wr->grouped) {
		struct result_filter sf = { .status = -1, .top_level = true, .final_only = true,
					    .slowest = true, .limit = wr->slowest };
		rc = store_results_each(st, run.id, &sf, on_slow, &x, e);
	}
	struct result_filter f = { .status = -1, .top_level = req->top_level,
				   .with_output = wr->with_output,
				   .final_only = !wr->with_attempts };
	/* The walk reads in a thread of its own while this one writes. */
	if (!rc)
		rc = results_pipe_each(st, run.id, &f, on_result, &x, e);
	if (!rc)
		rc = deliver_orphans(&x);
	if (!rc && !wr->grouped)
		rc = failing_suite_outputs(&x);
	if (!rc && wr->grouped)
		rc = output_groups(&x);
	if (!rc && wr->grouped) {
		rc = write_groups(&x);
	} else if (!rc) {
		struct export_summary s = { .totals = x.totals };
		wr->end(x.w, &x.out, &s);
	}
	if (!rc)
		rc = flush_out(&x);
	exporter_release(&x);
	run_release(&run);
	return rc;
}

/* ---- files ---- */

struct fd_sink {
	int fd;
	const char *path;
};

static int fd_write(void *ctx, const char *p, size_t n, struct error *e)
{
	struct fd_sink *s = ctx;
	while (n) {
		ssize_t w = write(s->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return err_set(e, RC_IO, "cannot write %s: %s", s->path,
				       w < 0 ? strerror(errno) : "nothing written");
		p += w;
		n -= (size_t)w;
	}
	return RC_OK;
}

static int stdout_write(void *ctx, const char *p, size_t n, struct error *e)
{
	if (fwrite(p, 1, n, stdout) != n)
		return err_set(e, RC_IO, "cannot write to standard output: %s", strerror(errno));
	return RC_OK;
}

int service_export_file(struct store *st, const char *run_id, const struct export_request *req,
			const char *path, struct error *e)
{
	if (!strcmp(path, "-")) {
		int rc = service_export(st, run_id, req, stdout_write, NULL, e);
		if (!rc && fflush(stdout) != 0)
			rc = err_set(e, RC_IO, "cannot write to standard output: %s", strerror(errno));
		return rc;
	}
	/* A device or a pipe (/dev/stdout, a FIFO) is written in place; a file
	 * is written beside its path and renamed over it when complete, so a
	 * failed export never leaves half a report where the last one was. */
	struct stat sb;
	bool in_place = stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode);
	char *tmp = in_place ? NULL : xasprintf("%s.assay-%ld.tmp", path, (long)getpid());
	struct fd_sink s = { -1, path };
	s.fd = in_place ? open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
			: open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (s.fd < 0) {
		int rc = err_set(e, RC_IO, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return rc;
	}
	int rc = service_export(st, run_id, req, fd_write, &s, e);
	if (close(s.fd) != 0 && !rc)
		rc = err_set(e, RC_IO, "cannot write %s: %s", path, strerror(errno));
	if (!rc && tmp && rename(tmp, path) != 0)
		rc = err_set(e, RC_IO, "cannot write %s: %s", path, strerror(errno));
	if (rc && tmp)
		unlink(tmp);
	free(tmp);
	return rc;
}
