/* reporter — see reporter.h. The run's thread only appends each result's
 * JSON text to a queue under a lock; the sender thread takes the whole queue
 * and POSTs it BATCH results a request, so a slow server never holds up the
 * tests. */
#include "util/base.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "formats/json_api.h"
#include "http/client.h"
#include "http/reporter.h"
#include "util/buf.h"
#include "util/spool.h"
#include "util/time.h"

#define BATCH 500      /* results per request (the API takes up to 10,000) */
#define OUTS_BATCH 32  /* suite outputs per request: up to 128 KiB each */
#define PART_BYTES (4u << 20) /* a request's body at most, but for one big item */
#define BATCH_AGE_MS 250
#define TRIES 3
#define CALL_TIMEOUT_MS 30000
#define WHY_MAX 512    /* why a batch did not get there */
/* What a queue keeps in memory; more waits in an unlinked temporary file,
 * so that a burst (a JUnit file of a million cases read while the server
 * is slow) neither holds the run's thread nor its memory. */
#define QUEUE_MEM (8u << 20)

/* Items waiting to be sent, as the API takes them: each one's compact JSON
 * followed by a comma in a spool, ends[i] the offset of item i's comma. */
struct queue {
	struct spool *sp;     /* NULL until the first item */
	uint64_t *ends;
	size_t n, cap;
};

struct reporter {
	struct api_client *client;
	char run_id[UUID_STR_LEN];
	char key_prefix[96]; /* idempotency keys are "<prefix>:<batch number>" */
	pthread_t thread;
	bool running;       /* the thread was started and not joined */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct queue results; /* not yet sent */
	struct queue outs;    /* suite outputs not yet sent */
	int64_t first_at;   /* when the oldest queued item came (monotonic ms) */
	bool done;          /* finish asked: send what is left and stop */
	bool failed;        /* the server was lost: nothing more is sent */
	char why[WHY_MAX];  /* why results were lost in sending (the sender's) */
	/* Why an item could not even be queued (a full disk), under the lock. */
	char queue_why[WHY_MAX], outs_queue_why[WHY_MAX];
	int64_t sent, lost;
	/* An outputs request refused costs the outputs only: results go on. */
	bool outs_failed;
	char outs_why[WHY_MAX];
	int64_t outs_lost;
	/* The sending thread's own, read once it is joined: items the server
	 * answered for but refused (invalid, 207 or 422; or too large alone
	 * for its --max-body, 413); the size a request is cut to, the largest
	 * body the server took, and single items refused as too large in a
	 * row (a server that takes nothing is lost, not asked item by item). */
	int64_t refused, outs_refused;
	char refused_why[300]; /* the first one's item and reason */
	size_t part_bytes, ok_bytes;
	int too_large_run;
	char warning[900];  /* reporter_warning's, after a flush */
	int batch_no;
	/* For reporter_flush's progress: results the sender has taken and
	 * not yet dealt with, and whether it has stopped (under the lock). */
	int64_t in_flight;
	bool exited;
	pthread_cond_t idle; /* signalled when the sender stops */
	void (*waiting)(void *ctx, int64_t left, int64_t waited_ms);
	void *waiting_ctx;
};

static int64_t mono_ms(void)
{
	return time_mono_ns() / 1000000;
}

/* The CLOCK_REALTIME time `ms` from now, for pthread_cond_timedwait. */
static struct timespec deadline_in(long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += ms % 1000 * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	return until;
}

/* Appends an item (taken); false, with why[WHY_MAX] saying why, when the
 * spool could not take it (a full disk). */
static bool queue_add(struct queue *q, json_t *item, char *why)
{
	char *s = json_dumps(item, JSON_COMPACT);
	json_decref(item);
	if (!s) { /* only a NaN would do it; assay writes none */
		snprintf(why, WHY_MAX, "an item could not be written as JSON");
		return false;
	}
	size_t n = strlen(s);
	s[n] = ','; /* over the NUL: the text is not used as a string */
	if (!q->sp)
		q->sp = spool_new(QUEUE_MEM);
	uint64_t at;
	struct error e = ERROR_INIT;
	int rc = spool_write(q->sp, s, n + 1, &at, &e);
	free(s);
	if (rc) {
		snprintf(why, WHY_MAX, "keeping what waits to be sent: %.440s", e.msg);
		return false;
	}
	GROW(q->ends, q->cap, q->n + 1);
	q->ends[q->n++] = at + n;
	return true;
}

/* Hands the queue's items over to `out` and leaves it empty. */
static void queue_take(struct queue *q, struct queue *out)
{
	*out = *q;
	memset(q, 0, sizeof(*q));
}

static void queue_release(struct queue *q)
{
	if (q->sp)
		spool_free(q->sp);
	free(q->ends);
	memset(q, 0, sizeof(*q));
}

/* Where items [i, i + k) begin, and how many bytes they take (commas
 * between them included, the last one's left out). */
static uint64_t items_at(const struct queue *q, size_t i, size_t k, size_t *len)
{
	uint64_t from = i ? q->ends[i - 1] + 1 : 0;
	*len = (size_t)(q->ends[i + k - 1] - from);
	return from;
}

/* Item i's JSON, parsed (NULL if it cannot be read back). */
static json_t *item_json(const struct queue *q, size_t i)
{
	size_t len;
	uint64_t at = items_at(q, i, 1, &len);
	char *text = xmalloc(len + 1);
	struct error e = ERROR_INIT;
	json_t *j = spool_read(q->sp, at, text, len, &e) ? NULL : json_loadb(text, len, 0, NULL);
	free(text);
	return j;
}

/* Keeps the reason of the first item refused, if none is kept yet. */
static void note_reason(struct reporter *rp, bool outputs, const struct queue *q, size_t i,
			const char *reason)
{
	if (rp->refused_why[0])
		return;
	json_t *sent = item_json(q, i);
	const char *name = json_string_value(json_object_get(sent, outputs ? "suite" : "test"));
	snprintf(rp->refused_why, sizeof(rp->refused_why), "%s '%.80s%s': %.160s",
		 outputs ? "suite" : "test", name ? name : "?",
		 name && strlen(name) > 80 ? "..." : "", reason ? reason : "refused");
	json_decref(sent);
}

/* Counts the items [first, first + k) of `q` an answer says were invalid
 * (the server took the others), keeping the first one's reason. */
static void note_refused(struct reporter *rp, bool outputs, const struct queue *q, size_t first,
			 size_t k, json_t *answer)
{
	json_int_t bad = json_integer_value(json_object_get(answer, "invalid"));
	if (bad <= 0)
		return;
	*(outputs ? &rp->outs_refused : &rp->refused) += bad;
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(answer, "items"), i, item) {
		json_int_t index = json_integer_value(json_object_get(item, "index"));
		json_t *err = json_object_get(item, "error");
		if (err && index >= 0 && (size_t)index < k)
			note_reason(rp, outputs, q, first + (size_t)index,
				    json_string_value(json_object_get(err, "message")));
	}
	if (!rp->refused_why[0])
		snprintf(rp->refused_why, sizeof(rp->refused_why),
			 "%s: the server did not say which", outputs ? "suite outputs" : "results");
}

enum part_sent { PART_SENT, PART_LOST, PART_TOO_LARGE };

/* POSTs items [first, first + k) of `q` to the run's `what` (results or
 * outputs), retrying a broken connection. PART_LOST, with why[WHY_MAX]
 * saying why, when they did not get there; PART_TOO_LARGE when the server
 * answered 413 (the caller splits them). Items the server refused as
 * invalid are counted (note_refused); the request was still delivered. */
static enum part_sent send_part(struct reporter *rp, const char *what, const struct queue *q,
				size_t first, size_t k, char *why)
{
	size_t len;
	uint64_t at = items_at(q, first, k, &len);
	struct buf body = BUF_INIT;
	buf_grow(&body, len + 2);
	body.data[0] = '[';
	struct error e = ERROR_INIT;
	if (spool_read(q->sp, at, body.data + 1, len, &e)) {
		snprintf(why, WHY_MAX, "reading back what was queued: %.400s", e.msg);
		buf_release(&body);
		return PART_LOST;
	}
	body.len = len + 1;
	buf_addc(&body, ']');
	char *path = xasprintf("/api/v1/runs/%s/%s", rp->run_id, what);
	char key[128];
	snprintf(key, sizeof(key), "%s:%d", rp->key_prefix, ++rp->batch_no);
	enum part_sent sent = PART_LOST;
	for (int t = 0; t < TRIES && sent == PART_LOST; t++) {
		int status;
		json_t *answer = NULL;
		err_clear(&e);
		int rc = api_client_call_keyed(rp->client, "POST", path, body.data, body.len, key,
					       &status, &answer, &e);
		/* 422 with items: every item was invalid, which retrying or
		 * stopping would not mend. */
		if (!rc && (status / 100 == 2 ||
			    (status == 422 && json_is_array(json_object_get(answer, "items"))))) {
			sent = PART_SENT;
			if (body.len > rp->ok_bytes)
				rp->ok_bytes = body.len;
			rp->too_large_run = 0;
			note_refused(rp, !strcmp(what, "outputs"), q, first, k, answer);
		} else if (!rc) {
			/* Refused (closed run, bad token): retrying will not help. */
			snprintf(why, WHY_MAX, "the server answered %d: %.400s", status,
				 api_client_error_text(answer, status));
			if (status == 413)
				sent = PART_TOO_LARGE;
			t = TRIES;
		} else {
			snprintf(why, WHY_MAX, "%.480s", e.msg);
			struct timespec pause = { 0, 200 * 1000000L };
			nanosleep(&pause, NULL);
		}
		json_decref(answer);
	}
	free(path);
	buf_release(&body);
	return sent;
}

/* How many items from `first` on make one request: at most `per`, and no
 * more than rp->part_bytes of them (one at least). */
static size_t part_size(const struct reporter *rp, const struct queue *q, size_t first,
			size_t per)
{
	size_t k = 1;
	while (k < per && first + k < q->n) {
		size_t len;
		items_at(q, first, k + 1, &len);
		if (len > rp->part_bytes)
			break;
		k++;
	}
	return k;
}

/* Single items refused as too large in a row, with nothing taken, after
 * which the server is taken to take nothing. */
#define TOO_LARGE_RUN 8

/* POSTs the queue, `per` items a request at most, each request recorded
 * on its own; returns how many were dealt with (all of them, or those
 * before the request that was lost, why[WHY_MAX] saying why). A request
 * the server finds too large is sent again in halves; an item too large
 * alone is counted refused, unless it is no larger than a body the server
 * took or the server has taken nothing for TOO_LARGE_RUN of them. */
static size_t send_queue(struct reporter *rp, const char *what, const struct queue *q,
			 size_t per, char *why)
{
	bool outputs = !strcmp(what, "outputs");
	char reason[WHY_MAX] = "";
	size_t done = 0;
	while (done < q->n) {
		size_t k = part_size(rp, q, done, per), len;
		items_at(q, done, k, &len);
		enum part_sent r = send_part(rp, what, q, done, k, reason);
		if (r == PART_TOO_LARGE && k > 1) {
			rp->part_bytes = len / 2;
			continue;
		}
		if (r == PART_TOO_LARGE &&
		    (len + 2 <= rp->ok_bytes || ++rp->too_large_run >= TOO_LARGE_RUN))
			r = PART_LOST;
		if (r == PART_LOST) {
			snprintf(why, WHY_MAX, "%s", reason);
			break;
		}
		if (r == PART_TOO_LARGE) {
			*(outputs ? &rp->outs_refused : &rp->refused) += 1;
			note_reason(rp, outputs, q, done, reason);
		}
		done += k;
		if (!outputs) {
			pthread_mutex_lock(&rp->lock);
			rp->in_flight -= (int64_t)k;
			pthread_mutex_unlock(&rp->lock);
		}
	}
	return done;
}

static void *sender(void *arg)
{
	struct reporter *rp = arg;
	/* Signals are the run's to handle (Ctrl-C cancels it). */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&rp->lock);
	for (;;) {
		size_t n = rp->results.n + rp->outs.n;
		bool due = n >= BATCH || rp->outs.n >= OUTS_BATCH ||
			   (n && mono_ms() - rp->first_at >= BATCH_AGE_MS);
		if (!due && !(rp->done && n)) {
			if (rp->done)
				break;
			struct timespec until = deadline_in(BATCH_AGE_MS / 2);
			pthread_cond_timedwait(&rp->wake, &rp->lock, &until);
			continue;
		}
		struct queue results, outs;
		queue_take(&rp->results, &results);
		queue_take(&rp->outs, &outs);
		rp->in_flight = (int64_t)results.n;
		bool failed = rp->failed, outs_failed = rp->outs_failed;
		pthread_mutex_unlock(&rp->lock);
		/* A test's suite outputs came before its result: they go first. */
		size_t outs_sent = 0;
		if (!failed && !outs_failed)
			outs_sent = send_queue(rp, "outputs", &outs, OUTS_BATCH, rp->outs_why);
		size_t sent = failed ? 0 : send_queue(rp, "results", &results, BATCH, rp->why);
		pthread_mutex_lock(&rp->lock);
		rp->in_flight = 0;
		rp->sent += (int64_t)sent;
		if (sent < results.n) {
			rp->failed = true;
			rp->lost += (int64_t)(results.n - sent);
		}
		if (outs_sent < outs.n) {
			rp->outs_failed = true;
			rp->outs_lost += (int64_t)(outs.n - outs_sent);
		}
		/* Closing a large temporary file takes a while: not under the lock. */
		pthread_mutex_unlock(&rp->lock);
		queue_release(&results);
		queue_release(&outs);
		pthread_mutex_lock(&rp->lock);
	}
	rp->exited = true;
	pthread_cond_broadcast(&rp->idle);
	pthread_mutex_unlock(&rp->lock);
	return NULL;
}

/* The request that opens the server's run, from the local one. */
static char *open_body(const struct run *r)
{
	json_t *o = json_object();
	const struct {
		const char *key, *value;
	} fields[] = {
		{ "title", r->title },          { "description", r->description },
		{ "environment", r->environment }, { "project", r->project },
		{ "triggered_by", r->triggered_by }, { "test_definition_id", r->definition },
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (fields[i].value)
			json_object_set_new(o, fields[i].key, json_string(fields[i].value));
	json_t *ctx = r->context_json ? json_loads(r->context_json, 0, NULL) : NULL;
	if (json_is_object(ctx))
		json_object_set_new(o, "context", ctx);
	else
		json_decref(ctx);
	json_object_set_new(o, "total", json_integer(r->total));
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static int start_sender(struct api_client *c, const char *id, const char *key_prefix,
			struct reporter **out, struct error *e);

int reporter_start(const char *server, const char *token, const struct run *r,
		   struct reporter **out, struct error *e)
{
	*out = NULL;
	struct api_client *c;
	int rc = api_client_new(server, token, &c, e);
	if (rc)
		return rc;
	api_client_set_timeout(c, CALL_TIMEOUT_MS);
	char *body = open_body(r);
	int status;
	json_t *answer = NULL;
	rc = api_client_call(c, "POST", "/api/v1/runs", body, strlen(body), &status, &answer, e);
	free(body);
	const char *id = json_string_value(json_object_get(answer, "id"));
	if (!rc && (status != 201 || !id || strlen(id) != UUID_STR_LEN - 1))
		rc = err_set(e, RC_USAGE, "opening a run on %s: the server answered %d: %s", server,
			     status, api_client_error_text(answer, status));
	if (rc) {
		json_decref(answer);
		api_client_free(c);
		return rc;
	}
	rc = start_sender(c, id, id, out, e);
	json_decref(answer);
	return rc;
}

int reporter_attach(const char *server, const char *token, const char *run_id,
		    const char *key_prefix, const char *header, struct reporter **out,
		    struct error *e)
{
	*out = NULL;
	struct api_client *c;
	int rc = api_client_new(server, token, &c, e);
	if (rc)
		return rc;
	if (header)
		api_client_add_header(c, header);
	api_client_set_timeout(c, CALL_TIMEOUT_MS);
	return start_sender(c, run_id, key_prefix, out, e);
}

/* Takes over the client `c` and starts the thread sending to run `id`. */
static int start_sender(struct api_client *c, const char *id, const char *key_prefix,
			struct reporter **out, struct error *e)
{
	struct reporter *rp = xcalloc(1, sizeof(*rp));
	rp->client = c;
	memcpy(rp->run_id, id, UUID_STR_LEN);
	snprintf(rp->key_prefix, sizeof(rp->key_prefix), "%s", key_prefix);
	rp->part_bytes = PART_BYTES;
	pthread_mutex_init(&rp->lock, NULL);
	pthread_cond_init(&rp->wake, NULL);
	pthread_cond_init(&rp->idle, NULL);
	if (pthread_create(&rp->thread, NULL, sender, rp)) {
		reporter_free(rp);
		return err_set(e, RC_INTERNAL, "starting the thread that sends results");
	}
	rp->running = true;
	*out = rp;
	return RC_OK;
}

const char *reporter_warning(const struct reporter *rp)
{
	return rp->warning[0] ? rp->warning : NULL;
}

const char *reporter_run_id(const struct reporter *rp)
{
	return rp->run_id;
}

/* A result as the API takes it: the attempt is left to the server, which
 * numbers repeated tests the same way the local store does. */
static json_t *to_json(const struct result *r)
{
	json_t *o = json_result(r, true);
	json_object_del(o, "attempt");
	return o;
}

void reporter_add(struct reporter *rp, const struct result *r, const struct result *subs,
		  size_t n_subs)
{
	pthread_mutex_lock(&rp->lock);
	if (rp->failed) {
		rp->lost += (r ? 1 : 0) + (int64_t)n_subs;
	} else {
		if (!rp->results.n && !rp->outs.n)
			rp->first_at = mono_ms();
		/* Sub-results first: the parent's result closes them. */
		size_t lost = 0;
		for (size_t i = 0; i < n_subs; i++)
			lost += !queue_add(&rp->results, to_json(&subs[i]), rp->queue_why);
		if (r)
			lost += !queue_add(&rp->results, to_json(r), rp->queue_why);
		if (lost) {
			rp->failed = true; /* nothing more is sent */
			rp->lost += (int64_t)lost;
		}
		if (rp->results.n >= BATCH)
			pthread_cond_signal(&rp->wake);
	}
	pthread_mutex_unlock(&rp->lock);
}

void reporter_add_outputs(struct reporter *rp, const struct suite_output *o, size_t n)
{
	pthread_mutex_lock(&rp->lock);
	if (rp->failed || rp->outs_failed) {
		rp->outs_lost += (int64_t)n;
	} else {
		if (!rp->results.n && !rp->outs.n)
			rp->first_at = mono_ms();
		for (size_t i = 0; i < n; i++) {
			json_t *j = json_suite_output(&o[i], true);
			json_object_del(j, "stdout_bytes");
			json_object_del(j, "stderr_bytes");
			if (!queue_add(&rp->outs, j, rp->outs_queue_why)) {
				rp->outs_failed = true;
				rp->outs_lost++;
			}
		}
		if (rp->outs.n >= OUTS_BATCH)
			pthread_cond_signal(&rp->wake);
	}
	pthread_mutex_unlock(&rp->lock);
}

/* Why results were lost: they could not be queued, or not sent. */
static const char *lost_why(const struct reporter *rp)
{
	return rp->queue_why[0] ? rp->queue_why : rp->why;
}

void reporter_on_waiting(struct reporter *rp,
			 void (*fn)(void *ctx, int64_t left, int64_t waited_ms), void *ctx)
{
	rp->waiting = fn;
	rp->waiting_ctx = ctx;
}

int reporter_flush(struct reporter *rp, struct error *e)
{
	pthread_mutex_lock(&rp->lock);
	rp->done = true;
	pthread_cond_signal(&rp->wake);
	int64_t since = mono_ms();
	while (rp->running && !rp->exited) {
		struct timespec until = deadline_in(1000);
		if (pthread_cond_timedwait(&rp->idle, &rp->lock, &until) != ETIMEDOUT ||
		    !rp->waiting || rp->exited)
			continue;
		int64_t left = (int64_t)rp->results.n + rp->in_flight;
		pthread_mutex_unlock(&rp->lock);
		rp->waiting(rp->waiting_ctx, left, mono_ms() - since);
		pthread_mutex_lock(&rp->lock);
	}
	pthread_mutex_unlock(&rp->lock);
	if (rp->running)
		pthread_join(rp->thread, NULL);
	rp->running = false;
	char refused[400] = "";
	if (rp->refused || rp->outs_refused)
		snprintf(refused, sizeof(refused),
			 "the server refused %lld results and %lld suite outputs (first: %s)",
			 (long long)rp->refused, (long long)rp->outs_refused, rp->refused_why);
	if (rp->failed) {
		char outs[64] = "";
		if (rp->outs_lost)
			snprintf(outs, sizeof(outs), " and %lld suite outputs",
				 (long long)rp->outs_lost);
		return err_set(e, RC_IO, "%lld results%s did not reach the server (%s)%s%s",
			       (long long)rp->lost, outs, lost_why(rp), refused[0] ? "; " : "",
			       refused);
	}
	int at = 0;
	if (rp->outs_lost)
		at = snprintf(rp->warning, sizeof(rp->warning),
			      "%lld suite outputs did not reach the server (%s)",
			      (long long)rp->outs_lost,
			      rp->outs_queue_why[0] ? rp->outs_queue_why : rp->outs_why);
	if (at >= (int)sizeof(rp->warning))
		at = (int)sizeof(rp->warning) - 1;
	if (refused[0])
		snprintf(rp->warning + at, sizeof(rp->warning) - (size_t)at, "%s%s",
			 at ? "; " : "", refused);
	return RC_OK;
}

int reporter_finish(struct reporter *rp, const struct run *final, struct error *e)
{
	if (reporter_flush(rp, e))
		return err_prefix(e, "the run is complete here only");
	bool ended = final->lifecycle == LC_COMPLETED || final->lifecycle == LC_COMPLETED_FAILURES;
	char *path = xasprintf("/api/v1/runs/%s/%s", rp->run_id, ended ? "complete" : "cancel");
	char *body = NULL;
	if (!ended) {
		json_t *o = json_pack("{s:s}", "reason",
				      final->reason ? final->reason : "the local run was cancelled");
		body = json_dumps(o, JSON_COMPACT);
		json_decref(o);
	}
	int status;
	json_t *answer = NULL;
	int rc = api_client_call(rp->client, "POST", path, body, body ? strlen(body) : 0, &status,
				 &answer, e);
	if (!rc && status != 200)
		rc = err_set(e, RC_USAGE, "ending the run on the server: it answered %d: %s", status,
			     api_client_error_text(answer, status));
	json_decref(answer);
	free(body);
	free(path);
	return rc;
}

void reporter_free(struct reporter *rp)
{
	if (!rp)
		return;
	if (rp->running) {
		pthread_mutex_lock(&rp->lock);
		rp->done = true;
		rp->failed = true; /* not finished: drop what is queued */
		pthread_cond_signal(&rp->wake);
		pthread_mutex_unlock(&rp->lock);
		pthread_join(rp->thread, NULL);
	}
	queue_release(&rp->results);
	queue_release(&rp->outs);
	api_client_free(rp->client);
	pthread_mutex_destroy(&rp->lock);
	pthread_cond_destroy(&rp->wake);
	pthread_cond_destroy(&rp->idle);
	free(rp);
}
