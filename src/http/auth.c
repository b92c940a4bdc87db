/* auth — who may call a route: "Authorization: Bearer TOKEN" checked
 * against the store's tokens (only hashes are kept there). Reads need a
 * valid token unless the server runs with --public-read; writes need a token
 * of role write or admin. A token that is given is always checked, even
 * where none is needed, so a client learns early that its token is wrong. */
#include "util/base.h"

#include <strings.h>

#include "http/server_int.h"
#include "service/tokens.h"

/* The token of an "Authorization: Bearer X" header, or NULL. */
static const char *bearer(struct http_req *rq)
{
	const char *h = req_header(rq, "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7))
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

bool auth_check(struct http_req *rq, enum access access)
{
	if (access == ACCESS_PUBLIC)
		return true;
	const char *secret = bearer(rq);
	bool open_read = access == ACCESS_READ && server_public_read(rq->srv);
	if (!secret) {
		if (open_read)
			return true;
		reply_error(rq, 401, "unauthorized",
			    req_header(rq, "Authorization")
				    ? "the Authorization header must be 'Bearer TOKEN'"
				    : "this route needs a token: send 'Authorization: Bearer TOKEN' "
				      "(assay token create makes one)");
		return false;
	}
	struct token t;
	struct error e = ERROR_INIT;
	int rc = service_token_verify(rq->st, secret, &t, &e);
	if (rc == RC_NOTFOUND) {
		reply_error(rq, 401, "unauthorized", "the token is not valid (unknown or revoked)");
		return false;
	}
	if (rc) {
		reply_rc(rq, &e);
		return false;
	}
	enum role need = access == ACCESS_WRITE ? ROLE_WRITE : ROLE_READ;
	bool ok = role_allows(t.role, need);
	if (!ok)
		reply_error(rq, 403, "forbidden", "token '%s' has role %s; this route needs %s",
			    t.name, role_name(t.role), role_name(need));
	rq->token_name = t.name;
	t.name = NULL;
	token_release(&t);
	return ok;
}
