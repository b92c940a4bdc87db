/* api_share — share links (seed 003 "Share report"): a write token makes an
 * unguessable link to one run; anyone holding the link reads that run and
 * its results, and nothing else, without a token; revoking the run's
 * sharing ends every link to it. An unknown or revoked link is 404, the
 * same answer as a link that never existed. */
#include "util/base.h"

#include "http/api.h"
#include "service/tokens.h"

void api_share_create(struct http_req *rq)
{
	char id[UUID_STR_LEN];
	if (!req_run_id(rq, id))
		return;
	char secret[TOKEN_SECRET_MAX];
	struct error e = ERROR_INIT;
	if (service_share_create(rq->st, id, secret, &e))
		return reply_rc(rq, &e);
	json_t *o = json_object();
	json_object_set_new(o, "run_id", json_string(id));
	json_object_set_new(o, "token", json_string(secret));
	char *url = xasprintf("/api/v1/shared/%s", secret);
	json_object_set_new(o, "url", json_string(url));
	rq->location = url;
	reply_json(rq, 201, o);
}

void api_share_revoke(struct http_req *rq)
{
	char id[UUID_STR_LEN];
	if (!req_run_id(rq, id))
		return;
	struct run r;
	struct error e = ERROR_INIT;
	if (store_run_get(rq->st, id, &r, &e))
		return reply_rc(rq, &e);
	run_release(&r);
	int64_t n;
	if (store_share_revoke(rq->st, id, &n, &e))
		return reply_rc(rq, &e);
	reply_json(rq, 200, json_pack("{s:s, s:I}", "run_id", id, "revoked", (json_int_t)n));
}

/* The run the {token} of the path links to; false after answering 404. */
static bool shared_run(struct http_req *rq, char id[UUID_STR_LEN])
{
	struct error e = ERROR_INIT;
	if (service_share_resolve(rq->st, router_param(&rq->match, "token"), id, &e)) {
		if (e.code == RC_NOTFOUND)
			reply_error(rq, 404, "not_found", "no such share link (or it was revoked)");
		else
			reply_rc(rq, &e);
		return false;
	}
	return true;
}

void api_shared_run(struct http_req *rq)
{
	char id[UUID_STR_LEN];
	if (shared_run(rq, id))
		api_run_get_of(rq, id);
}

void api_shared_results(struct http_req *rq)
{
	char id[UUID_STR_LEN];
	if (shared_run(rq, id))
		api_results_list_of(rq, id);
}

void api_shared_outputs(struct http_req *rq)
{
	char id[UUID_STR_LEN];
	if (shared_run(rq, id))
		api_run_outputs_of(rq, id);
}
