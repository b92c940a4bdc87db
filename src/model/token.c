#include "util/base.h"

#include <strings.h>

#include "model/token.h"

static const char *const role_names[ROLE__COUNT] = { "read", "write", "admin" };

const char *role_name(enum role r)
{
	return (unsigned)r < ROLE__COUNT ? role_names[r] : "unknown";
}

bool role_parse(const char *name, enum role *out)
{
	for (int i = 0; i < ROLE__COUNT; i++) {
		if (!strcasecmp(name, role_names[i])) {
			*out = (enum role)i;
			return true;
		}
	}
	return false;
}

bool role_allows(enum role have, enum role need)
{
	return (unsigned)have < ROLE__COUNT && have >= need;
}

void token_release(struct token *t)
{
	free(t->name);
	memset(t, 0, sizeof(*t));
}

void tokens_free(struct token *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		token_release(&t[i]);
	free(t);
}
