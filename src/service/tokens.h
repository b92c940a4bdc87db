/* tokens — API tokens: making one (the secret is shown once and only its
 * hash is kept) and checking one a client presents.
 *
 *     char secret[TOKEN_SECRET_MAX];
 *     service_token_create(st, "ci", ROLE_WRITE, secret, &e);  // print it once
 *     ...
 *     struct token t;
 *     if (service_token_verify(st, presented, &t, &e) == RC_NOTFOUND) ... 401
 *     role_allows(t.role, ROLE_WRITE) ...
 *     token_release(&t);
 *
 * A secret is "assay_" and 43 characters of base64url: 256 random bits, so a
 * fast unkeyed hash (BLAKE2b) is as good as a slow one and costs nothing
 * per request. */
#ifndef ASSAY_SERVICE_TOKENS_H
#define ASSAY_SERVICE_TOKENS_H

#include "store/store.h"

#define TOKEN_SECRET_MAX 64

/* Makes a token named `name` (1-64 of A-Z a-z 0-9 . _ @ -) with `role`,
 * stores its hash, and writes the secret to `secret`. RC_USAGE for a bad
 * name, RC_EXISTS when a valid token has that name. */
int service_token_create(struct store *st, const char *name, enum role role,
			 char secret[TOKEN_SECRET_MAX], struct error *e);
/* The valid token whose secret is `secret`; RC_NOTFOUND when there is none
 * (never issued, mistyped, or revoked). */
int service_token_verify(struct store *st, const char *secret, struct token *out,
			 struct error *e);

/* ---- share links (seed 003 "Share report") ----
 * A share link is a secret ("share_" and 43 base64url characters) that
 * reads one run and nothing else, without a token; only its hash is kept. */

/* Makes a link to run `run_id` (a full id) and writes its secret to
 * `secret`. RC_NOTFOUND when there is no such run. */
int service_share_create(struct store *st, const char *run_id, char secret[TOKEN_SECRET_MAX],
			 struct error *e);
/* The run a working link's secret points at; RC_NOTFOUND otherwise. */
int service_share_resolve(struct store *st, const char *secret, char run_id[UUID_STR_LEN],
			  struct error *e);

#endif
