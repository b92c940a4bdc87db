/* api_results — a run's results: list them page by page (streamed from the
 * store, one row at a time), and add one or many in one transaction with a
 * per-item answer and an optional Idempotency-Key. */
#include "util/base.h"

#include <sodium.h>

#include "formats/json_api.h"
#include "http/api.h"
#include "http/cursor.h"
#include "http/metrics.h"
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
	const char *top = req_query(rq, "top_level"), *output = req_query(rq, "output");
	const char *final = req_query(rq, "final");
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

/* Hex of a BLAKE2b hash of the body: tells a retry (same bytes) from a new
 * request that reuses an Idempotency-Key. */
static void body_hash(const struct http_req *rq, char hex[65])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof(h), (const unsigned char *)rq->body, rq->body_len, NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

static json_t *item_error(const char *message)
{
	json_t *err = json_object();
	json_object_set_new(err, "code", json_string("invalid"));
	json_object_set_new(err, "message", json_string(message));
	return err;
}

void api_results_add(struct http_req *rq)
{
	char id[UUID_STR_LEN];
	if (!req_run_id(rq, id))
		return;
	const char *key = req_header(rq, "Idempotency-Key");
	if (key && (!*key || strlen(key) > IDEM_KEY_MAX))
		return reply_error(rq, 400, "bad_idempotency_key",
				   "Idempotency-Key: 1 to %d characters", IDEM_KEY_MAX);
	/* A worker's results carry "NAME CLAIM": they are taken only while
	 * it still holds the run. */
	const char *fence = req_header(rq, "X-Assay-Claim");
	if (fence) {
		char name[128];
		long long claim;
		struct error fe = ERROR_INIT;
		if (sscanf(fence, "%127s %lld", name, &claim) != 2)
			return reply_error(rq, 400, "bad_claim", "X-Assay-Claim: WORKER CLAIM");
		int rc = service_worker_holds(rq->st, name, id, claim, &fe);
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
				   "the body must be a result object or an array of them");
	}
	if (!n) {
		json_decref(body);
		return reply_error(rq, 400, "invalid", "an empty array: no results to record");
	}
	if (n > ITEMS_MAX) {
		json_decref(body);
		return reply_error(rq, 413, "too_many_items",
				   "%zu results in one request; at most %d", n, ITEMS_MAX);
	}
	/* Every item is checked on its own: a bad one is reported and left
	 * out, the others are recorded. Ids are made here so the answer is
	 * known before the transaction (it is stored with the key). */
	struct result *rs = xcalloc(n, sizeof(*rs));
	size_t valid = 0;
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *item = many ? json_array_get(body, i) : body;
		struct error e = ERROR_INIT;
		struct result *r = &rs[valid];
		json_t *answer = json_object();
		json_object_set_new(answer, "index", json_integer((json_int_t)i));
		if (json_result_parse(item, r, &e)) {
			result_release(r);
			json_object_set_new(answer, "status", json_string("invalid"));
			json_object_set_new(answer, "error", item_error(e.msg));
		} else {
			uuid7_new(r->id, 0);
			json_object_set_new(answer, "status", json_string("created"));
			json_object_set_new(answer, "id", json_string(r->id));
			json_object_set_new(answer, "test", json_string(r->test));
			valid++;
		}
		json_array_append_new(items, answer);
	}
	json_decref(body);
	size_t invalid = n - valid;
	int status = !invalid ? 201 : valid ? 207 : 422;
	json_t *o = json_object();
	json_object_set_new(o, "run_id", json_string(id));
	json_object_set_new(o, "created", json_integer((json_int_t)valid));
	json_object_set_new(o, "invalid", json_integer((json_int_t)invalid));
	if (!valid)
		json_object_set_new(o, "error",
				    item_error(n == 1 ? "the result is invalid (see items)"
						      : "every result is invalid (see items)"));
	json_object_set_new(o, "items", items);
	char *answer = json_dumps(o, JSON_COMPACT);
	json_decref(o);

	char hash[65];
	body_hash(rq, hash);
	struct results_add_request req = {
		.run_id = id, .results = rs, .n = valid, .idem_key = key, .request_hash = hash,
		.answer = { .status = status, .body = answer },
	};
	struct idem_answer replay;
	bool replayed;
	struct error e = ERROR_INIT;
	int rc = service_results_add(rq->st, &req, &replay, &replayed, &e);
	for (size_t i = 0; i < valid; i++)
		result_release(&rs[i]);
	free(rs);
	if (rc == RC_STATE)
		reply_error(rq, 409, "run_closed", "%s", e.msg);
	else if (rc == RC_EXISTS)
		reply_error(rq, 422, "idempotency_key_reused", "%s", e.msg);
	else if (rc)
		reply_rc(rq, &e);
	else if (replayed)
		reply_text(rq, replay.status, "application/json", replay.body, strlen(replay.body));
	else
		reply_text(rq, status, "application/json", answer, strlen(answer));
	if (!rc && !replayed)
		metrics_results(server_metrics(rq->srv), (int64_t)valid);
	if (replayed)
		idem_answer_release(&replay);
	free(answer);
}
