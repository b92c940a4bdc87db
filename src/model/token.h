/* token — an API token as the store keeps it: a name, a role, and the hash
 * of the secret (never the secret itself). Plain data, no I/O.
 *
 * Roles are ordered: read < write < admin; a role allows what the roles
 * below it allow. */
#ifndef ASSAY_MODEL_TOKEN_H
#define ASSAY_MODEL_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum role { ROLE_READ, ROLE_WRITE, ROLE_ADMIN, ROLE__COUNT };

const char *role_name(enum role r); /* "write" */
bool role_parse(const char *name, enum role *out);
/* Whether a token of role `have` may do what needs `need`. */
bool role_allows(enum role have, enum role need);

struct token {
	char *name;
	enum role role;
	int64_t created_at;
	int64_t revoked_at; /* 0 while the token is valid */
};

void token_release(struct token *t);
void tokens_free(struct token *t, size_t n);

#endif
