/* results_pipe — see results_pipe.h.
 *
 * Three batch buffers move between the two threads: the reader fills one
 * (`cur`), queues it when full and takes a free one; the caller's thread
 * takes queued batches in order, calls cb for each row and gives the batch
 * back. A row is packed as a fixed header followed by its strings, each
 * NUL-terminated, so unpacking points into the batch and copies nothing. */
#include "util/base.h"

#include <pthread.h>

#include "service/results_pipe.h"

enum { BATCH_BYTES = 512 * 1024, NBATCH = 3 };

#define NO_STRING UINT32_MAX

struct packed {
	int64_t duration_ms, stdout_dropped, stderr_dropped, started_at, completed_at;
	int32_t status, attempt, exit_code, superseded, flaky;
	uint32_t len[5]; /* test, parent, message, stdout, stderr; NO_STRING = NULL */
	char id[UUID_STR_LEN];
};

struct batch {
	char *data;
	size_t len, cap, rows;
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch b[NBATCH];
	int free_[NBATCH], n_free;
	int queue[NBATCH], head, n_queued; /* ring, oldest at head */
	int cur;                           /* the reader's batch; -1 when none */
	bool done;                         /* the reader has finished */
	bool stop;                         /* the caller wants no more rows */
	int rc;                            /* the reader's walk's result */
	struct error err;
	struct store *st;
	const char *run_id;
	const struct result_filter *f;
};

/* The reader's next empty batch, or -1 when the caller has stopped. */
static int take_free(struct pipe *p)
{
	pthread_mutex_lock(&p->mu);
	while (!p->n_free && !p->stop)
		pthread_cond_wait(&p->cv, &p->mu);
	int i = p->stop ? -1 : p->free_[--p->n_free];
	pthread_mutex_unlock(&p->mu);
	if (i >= 0)
		p->b[i].len = p->b[i].rows = 0;
	return i;
}

static void enqueue(struct pipe *p, int i)
{
	pthread_mutex_lock(&p->mu);
	p->queue[(p->head + p->n_queued++) % NBATCH] = i;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void give_back(struct pipe *p, int i)
{
	pthread_mutex_lock(&p->mu);
	p->free_[p->n_free++] = i;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static uint32_t len_of(const char *s)
{
	return s ? (uint32_t)strlen(s) : NO_STRING;
}

/* Reader side: packs one row into the current batch. */
static int pack(void *ctx, const struct result *r)
{
	struct pipe *p = ctx;
	struct packed h = {
		.duration_ms = r->duration_ms,
		.stdout_dropped = r->stdout_dropped,
		.stderr_dropped = r->stderr_dropped,
		.started_at = r->started_at,
		.completed_at = r->completed_at,
		.status = (int32_t)r->status,
		.attempt = r->attempt,
		.exit_code = r->exit_code,
		.superseded = r->superseded,
		.flaky = r->flaky,
		.len = { len_of(r->test), len_of(r->parent), len_of(r->message),
			 len_of(r->stdout_text), len_of(r->stderr_text) },
	};
	memcpy(h.id, r->id, sizeof(h.id));
	const char *s[5] = { r->test, r->parent, r->message, r->stdout_text, r->stderr_text };
	size_t need = sizeof(h);
	for (int k = 0; k < 5; k++)
		need += s[k] ? (size_t)h.len[k] + 1 : 0;
	struct batch *b = &p->b[p->cur];
	if (b->len + need > b->cap) {
		size_t cap = b->cap ? b->cap : BATCH_BYTES + 64 * 1024;
		while (cap < b->len + need)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	char *o = b->data + b->len;
	memcpy(o, &h, sizeof(h));
	o += sizeof(h);
	for (int k = 0; k < 5; k++) {
		if (!s[k])
			continue;
		memcpy(o, s[k], (size_t)h.len[k] + 1);
		o += h.len[k] + 1;
	}
	b->len += need;
	b->rows++;
	if (b->len < BATCH_BYTES)
		return RC_OK;
	enqueue(p, p->cur);
	p->cur = take_free(p);
	return p->cur < 0 ? RC_CANCELLED : RC_OK;
}

static void *reader(void *arg)
{
	struct pipe *p = arg;
	p->cur = take_free(p);
	int rc = p->cur < 0 ? RC_CANCELLED
			    : store_results_each(p->st, p->run_id, p->f, pack, p, &p->err);
	if (p->cur >= 0) {
		if (!rc && p->b[p->cur].rows)
			enqueue(p, p->cur);
		else
			give_back(p, p->cur);
	}
	pthread_mutex_lock(&p->mu);
	p->rc = rc;
	p->done = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Caller side: calls cb for each row of batch b; returns cb's first non-zero. */
static int unpack(const struct batch *b, const char *run_id,
		  int (*cb)(void *ctx, const struct result *r), void *ctx)
{
	char rid[UUID_STR_LEN];
	snprintf(rid, sizeof(rid), "%s", run_id);
	const char *q = b->data;
	for (size_t i = 0; i < b->rows; i++) {
		struct packed h;
		memcpy(&h, q, sizeof(h));
		q += sizeof(h);
		const char *s[5];
		for (int k = 0; k < 5; k++) {
			s[k] = h.len[k] == NO_STRING ? NULL : q;
			q += h.len[k] == NO_STRING ? 0 : (size_t)h.len[k] + 1;
		}
		struct result r = {
			.test = (char *)s[0],
			.parent = (char *)s[1],
			.status = (enum result_status)h.status,
			.duration_ms = h.duration_ms,
			.message = (char *)s[2],
			.stdout_text = (char *)s[3],
			.stderr_text = (char *)s[4],
			.stdout_dropped = h.stdout_dropped,
			.stderr_dropped = h.stderr_dropped,
			.attempt = h.attempt,
			.superseded = h.superseded != 0,
			.flaky = h.flaky != 0,
			.exit_code = h.exit_code,
			.started_at = h.started_at,
			.completed_at = h.completed_at,
		};
		memcpy(r.id, h.id, sizeof(r.id));
		memcpy(r.run_id, rid, sizeof(r.run_id));
		int rc = cb(ctx, &r);
		if (rc)
			return rc;
	}
	return RC_OK;
}

int results_pipe_each(struct store *st, const char *run_id, const struct result_filter *f,
		      int (*cb)(void *ctx, const struct result *r), void *ctx, struct error *e)
{
	struct pipe *p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (int i = 0; i < NBATCH; i++)
		p->free_[p->n_free++] = i;
	p->cur = -1;
	p->st = st;
	p->run_id = run_id;
	p->f = f;
	pthread_t th;
	int rc;
	if (pthread_create(&th, NULL, reader, p) != 0) {
		rc = store_results_each(st, run_id, f, cb, ctx, e);
		goto out;
	}
	int crc = RC_OK;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->n_queued && !p->done)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->n_queued) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		int i = p->queue[p->head];
		p->head = (p->head + 1) % NBATCH;
		p->n_queued--;
		pthread_mutex_unlock(&p->mu);
		if (!crc)
			crc = unpack(&p->b[i], run_id, cb, ctx);
		if (crc) {
			/* Stop the reader; it may be waiting for a batch. */
			pthread_mutex_lock(&p->mu);
			p->stop = true;
			pthread_mutex_unlock(&p->mu);
		}
		give_back(p, i);
	}
	pthread_join(th, NULL);
	rc = crc;
	if (!rc && p->rc) {
		*e = p->err;
		rc = p->rc;
	}
out:
	for (int i = 0; i < NBATCH; i++)
		free(p->b[i].data);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return rc;
}
