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

#endif
