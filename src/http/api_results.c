/* api_results — a run's results: list them page by page (streamed from the
 * store, one row at a time), and add one or many in one transaction with a
 * per-item answer and an optional Idempotency-Key; suites' own output is
 * added the same way. */
#include "util/base.h"

#include <sodium.h>

#include "formats/export_text.h"
#include "formats/json_api.h"
#include "http/api.h"
#include "http/cursor.h"
#include "http/metrics.h"
#include "service/ingest.h"
#include "util/buf.h"
#include "service/orch.h"
#include "service/results_add.h"

#define RESULTS_DEFAULT_LIMIT 100
#define RESULTS_MAX_LIMIT 1000
#define RESULTS_MAX_WITH_OUTPUT 100
#define ITEMS_MAX 10000
#define IDEM_KEY_MAX 255

/* ---- listing ---- */

struct page {
	json_t *list;
	int limit, n;
	bool with_output;
	int64_t last_seq;
	bool more;
};

static int add_to_page(void *ctx, const struct result *r)
{
	struct page *p = ctx;
	if (p->n == p->limit) {
		p->more = true;
		return 1; /* stop: the page is full */
	}
	json_array_append_new(p->list, json_result(r, p->with_output));
	p->last_seq = r->seq;
	p->n++;
	return 0;
}

void api_results_list(struct http_req *rq)
{
	char id[UUID_STR_LEN];
	if (req_run_id(rq, id))
		api_results_list_of(rq, id);
}

void api_results_list_of(struct http_req *rq, const char *id)
{
	struct result_filter f = { .status = -1 };
	const char *status = req_query(rq, "status"), *cursor = req_query(rq, "cursor");
	const char *top = req_query_flag(rq, "top_level"), *output = req_query_flag(rq, "output");
	const char *final = req_query_flag(rq, "final");
	f.test = req_query(rq, "test");
	if (status) {
		enum result_status s;
		if (!status_parse(status, &s))
			return reply_error(rq, 400, "bad_query",
					   "status: '%.64s' is not a result status (passed, failed, "
					   "error, blocked, skipped, invalid, untested, retest)",
					   status);
		f.status = (int)s;
	}
	if (top && !query_bool(top, &f.top_level))
		return reply_error(rq, 400, "bad_query", "top_level: true or false");
	if (final && !query_bool(final, &f.final_only))
		return reply_error(rq, 400, "bad_query", "final: true or false");
	struct page p = { 0 };
	if (output && !query_bool(output, &p.with_output))
		return reply_error(rq, 400, "bad_query", "output: true or false");
	f.with_output = p.with_output;
	if (!query_limit(req_query(rq, "limit"), RESULTS_DEFAULT_LIMIT, RESULTS_MAX_LIMIT,
			 &p.limit))
		return reply_error(rq, 400, "bad_query", "limit: a number from 1 to %d",
				   RESULTS_MAX_LIMIT);
	if (cursor && !cursor_results_decode(cursor, &f.after_seq))
		return reply_error(rq, 400, "bad_cursor",
				   "cursor: not a cursor of this listing (pass next_cursor back "
				   "as it was given)");
	if (p.with_output && p.limit > RESULTS_MAX_WITH_OUTPUT)
		return reply_error(rq, 400, "bad_query",
				   "limit: at most %d with output=true (each result may carry "
				   "128 KiB of output)",
				   RESULTS_MAX_WITH_OUTPUT);
	/* A run with no results and no run are told apart. */
	struct run r;
	struct error e = ERROR_INIT;
	if (store_run_get(rq->st, id, &r, &e))
		return reply_rc(rq, &e);
	run_release(&r);
	f.limit = p.limit + 1;
	p.list = json_array();
	int rc = store_results_each(rq->st, id, &f, add_to_page, &p, &e);
	if (rc && !p.more) {
		json_decref(p.list);
		return reply_rc(rq, &e);
	}
	json_t *o = json_object();
	json_object_set_new(o, "run_id", json_string(id));
	json_object_set_new(o, "results", p.list);
	if (p.more) {
		char next[CURSOR_MAX];
		cursor_results_encode(p.last_seq, next);
		json_object_set_new(o, "next_cursor", json_string(next));
	} else {
		json_object_set_new(o, "next_cursor", json_null());
	}
	reply_json(rq, 200, o);
}

/* ---- adding ---- */

/* What a POST adds: results, or suites' own output. */
enum add_kind { ADD_RESULTS, ADD_OUTPUTS };

/* Hex of a BLAKE2b hash of the body: tells a retry (same bytes) from a new
 * request that reuses an Idempotency-Key. An outputs request's hash starts
 * with the route's name, so the same bytes sent with the same key to the
 * run's other route are a new request too (a results request's is of the
 * body alone, as it was before the outputs route). */
static void body_hash(const struct http_req *rq, enum add_kind kind, char hex[65])
{
	unsigned char h[32];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	if (kind == ADD_OUTPUTS)
		crypto_generichash_update(&st, (const unsigned char *)"outputs", 8);
	crypto_generichash_update(&st, (const unsigned char *)rq->body, rq->body_len);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* Appends {"code":"invalid","message":...}. */
static void item_error(struct buf *b, const char *message)
{
	buf_adds(b, "{\"code\":\"invalid\",\"message\":");
	export_json_str(b, message);
	buf_addc(b, '}');
}

/* A request to add results or outputs, from its handler to its deferred
 * answer. */
struct add_job {
	struct ingest_job job;
	struct http_wait *wait;
	enum add_kind kind;
	struct result *results;    /* job.req.n of them */
	struct suite_output *outs; /* job.req.n_outs of them */
	char run_id[UUID_STR_LEN];
	char *key;
	char hash[65];
	char worker[128]; /* X-Assay-Claim's worker, or "" */
	int status;   /* the answer when recorded now */
	char *answer;
};

static void add_job_free(struct add_job *aj)
{
	for (size_t i = 0; i < aj->job.req.n; i++)
		result_release(&aj->results[i]);
	free(aj->results);
	suite_outputs_free(aj->outs, aj->job.req.n_outs);
	if (aj->job.replayed)
		idem_answer_release(&aj->job.replay);
	free(aj->key);
	free(aj->answer);
	free(aj);
}

/* On the writer's thread, once the request's transaction has ended. */
static void add_done(struct ingest_job *job, void *ctx)
{
	(void)job;
	struct add_job *aj = ctx;
	req_resume(aj->wait);
}

static void add_answer(struct http_req *rq, void *ctx)
{
	struct add_job *aj = ctx;
	if (!rq) {
		add_job_free(aj);
		return;
	}
	const struct ingest_job *job = &aj->job;
	int rc = job->rc;
	if (rc == RC_STATE && job->req.lost)
		reply_error(rq, 409, "lost", "%s", job->err.msg);
	else if (rc == RC_STATE)
		reply_error(rq, 409, "run_closed", "%s", job->err.msg);
	else if (rc == RC_CANCELLED)
		reply_error(rq, 503, "shutting_down", "%s", job->err.msg);
	else if (rc == RC_EXISTS)
		reply_error(rq, 422, "idempotency_key_reused", "%s", job->err.msg);
	else if (rc)
		reply_rc(rq, &job->err);
	else if (job->replayed)
		reply_text(rq, job->replay.status, "application/json", job->replay.body,
			   strlen(job->replay.body));
	else
		reply_text(rq, aj->status, "application/json", aj->answer, strlen(aj->answer));
	if (!rc && !job->replayed && aj->kind == ADD_RESULTS)
		metrics_results(server_metrics(rq->srv), (int64_t)job->req.n);
	add_job_free(aj);
}

/* Reads an item into the job's next free slot (`valid` of them are taken)
 * and writes its answer's fields after "index"; false when it is invalid
 * (the slot released, `e` saying why). */
static bool parse_item(struct add_job *aj, const json_t *item, size_t valid, struct buf *items,
		       struct error *e)
{
	if (aj->kind == ADD_OUTPUTS) {
		struct suite_output *so = &aj->outs[valid];
		if (json_suite_output_parse(item, so, e)) {
			suite_output_release(so);
			return false;
		}
		buf_adds(items, ",\"status\":\"created\",\"suite\":");
		export_json_str(items, so->suite);
		return true;
	}
	struct result *r = &aj->results[valid];
	if (json_result_parse(item, r, e)) {
		result_release(r);
		return false;
	}
	uuid7_new(r->id, 0);
	buf_adds(items, ",\"status\":\"created\",\"id\":\"");
	buf_adds(items, r->id);
	buf_adds(items, "\",\"test\":");
	export_json_str(items, r->test);
	return true;
}

static void add_items(struct http_req *rq, enum add_kind kind)
{
	const char *what = kind == ADD_OUTPUTS ? "suite output" : "result";
	const char *whats = kind == ADD_OUTPUTS ? "suite outputs" : "results";
	char id[UUID_STR_LEN];
	if (!req_run_id(rq, id))
		return;
	const char *key = req_header(rq, "Idempotency-Key");
	if (key && (!*key || strlen(key) > IDEM_KEY_MAX))
		return reply_error(rq, 400, "bad_idempotency_key",
				   "Idempotency-Key: 1 to %d characters", IDEM_KEY_MAX);
	/* A worker's results carry "NAME CLAIM": they are taken only while
	 * it still holds the run. */
	/* Checked here to refuse early, and again with the insert (the run may
	 * be lost between the two). */
	const char *fence = req_header(rq, "X-Assay-Claim");
	char fence_name[128] = "";
	long long fence_claim = 0;
	if (fence) {
		struct error fe = ERROR_INIT;
		if (sscanf(fence, "%127s %lld", fence_name, &fence_claim) != 2)
			return reply_error(rq, 400, "bad_claim", "X-Assay-Claim: WORKER CLAIM");
		int rc = service_worker_holds(rq->st, fence_name, id, fence_claim, &fe);
		if (rc == RC_STATE)
			return reply_error(rq, 409, "lost", "%s", fe.msg);
		if (rc)
			return reply_rc(rq, &fe);
	}
	json_t *body = req_json(rq);
	if (!body)
		return;
	bool many = json_is_array(body);
	size_t n = many ? json_array_size(body) : 1;
	if (!many && !json_is_object(body)) {
		json_decref(body);
		return reply_error(rq, 400, "invalid",
				   "the body must be a %s object or an array of them", what);
	}
	if (!n) {
		json_decref(body);
		return reply_error(rq, 400, "invalid", "an empty array: no %s to record", whats);
	}
	if (n > ITEMS_MAX) {
		json_decref(body);
		return reply_error(rq, 413, "too_many_items", "%zu %s in one request; at most %d",
				   n, whats, ITEMS_MAX);
	}
	/* Every item is checked on its own: a bad one is reported and left
	 * out, the others are recorded. Ids are made here so the answer is
	 * known before the transaction (it is stored with the key). The
	 * answer's items are written as text straight away: building 10,000
	 * small JSON objects to print them once cost more than parsing. */
	struct add_job *aj = xcalloc(1, sizeof(*aj));
	aj->kind = kind;
	if (kind == ADD_OUTPUTS)
		aj->outs = xcalloc(n, sizeof(*aj->outs));
	else
		aj->results = xcalloc(n, sizeof(*aj->results));
	size_t valid = 0;
	struct buf items = BUF_INIT;
	buf_addc(&items, '[');
	for (size_t i = 0; i < n; i++) {
		struct error e = ERROR_INIT;
		if (i)
			buf_addc(&items, ',');
		buf_adds(&items, "{\"index\":");
		export_int(&items, (int64_t)i);
		if (parse_item(aj, many ? json_array_get(body, i) : body, valid, &items, &e)) {
			valid++;
		} else {
			buf_adds(&items, ",\"status\":\"invalid\",\"error\":");
			item_error(&items, e.msg);
		}
		buf_addc(&items, '}');
	}
	buf_addc(&items, ']');
	json_decref(body);
	size_t invalid = n - valid;
	int status = !invalid ? 201 : valid ? 207 : 422;
	struct buf o = BUF_INIT;
	buf_adds(&o, "{\"run_id\":\"");
	buf_adds(&o, id);
	buf_adds(&o, "\",\"created\":");
	export_int(&o, (int64_t)valid);
	buf_adds(&o, ",\"invalid\":");
	export_int(&o, (int64_t)invalid);
	if (!valid) {
		char m[80];
		snprintf(m, sizeof(m), "%s %s is invalid (see items)", n == 1 ? "the" : "every",
			 what);
		buf_adds(&o, ",\"error\":");
		item_error(&o, m);
	}
	buf_adds(&o, ",\"items\":");
	buf_add(&o, items.data, items.len);
	buf_addc(&o, '}');
	buf_release(&items);
	aj->answer = buf_detach(&o);
	aj->status = status;
	memcpy(aj->run_id, id, UUID_STR_LEN);
	aj->key = key ? xstrdup(key) : NULL;
	if (key)
		body_hash(rq, kind, aj->hash); /* only a key's retries are compared */
	aj->job.req = (struct results_add_request){
		.run_id = aj->run_id,
		.results = aj->results,
		.n = kind == ADD_RESULTS ? valid : 0,
		.outs = aj->outs,
		.n_outs = kind == ADD_OUTPUTS ? valid : 0,
		.idem_key = aj->key,
		.request_hash = aj->hash,
		.answer = { .status = status, .body = aj->answer },
	};
	if (fence_name[0]) {
		snprintf(aj->worker, sizeof(aj->worker), "%s", fence_name);
		aj->job.req.claim_worker = aj->worker;
		aj->job.req.claim = fence_claim;
	}
	aj->job.done = add_done;
	aj->job.ctx = aj;
	/* Recorded by the group-commit writer with the requests that wait
	 * alongside it; answered once its transaction has committed. */
	aj->wait = req_defer(rq, add_answer, aj);
	ingest_submit(server_ingest(rq->srv), &aj->job);
}

void api_results_add(struct http_req *rq)
{
	add_items(rq, ADD_RESULTS);
}

void api_outputs_add(struct http_req *rq)
{
	add_items(rq, ADD_OUTPUTS);
}
