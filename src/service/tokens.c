/* tokens — see tokens.h. */
#include "util/base.h"

#include <sodium.h>

#include "service/tokens.h"

#define TOKEN_PREFIX "assay_"
#define TOKEN_BYTES 32

static void token_hash(const char *secret, char hex[65])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof(h), (const unsigned char *)secret, strlen(secret), NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* `prefix` and 256 random bits in base64url (43 characters) into secret. */
static int make_secret(const char *prefix, char secret[TOKEN_SECRET_MAX], struct error *e)
{
	if (sodium_init() < 0)
		return err_set(e, RC_INTERNAL, "libsodium could not start");
	unsigned char raw[TOKEN_BYTES];
	randombytes_buf(raw, sizeof(raw));
	size_t pl = strlen(prefix);
	memcpy(secret, prefix, pl);
	sodium_bin2base64(secret + pl, TOKEN_SECRET_MAX - pl, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return RC_OK;
}

static bool good_name(const char *name)
{
	size_t n = strlen(name);
	if (!n || n > 64)
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '@' || *c == '-'))
			return false;
	return true;
}

int service_token_create(struct store *st, const char *name, enum role role,
			 char secret[TOKEN_SECRET_MAX], struct error *e)
{
	secret[0] = '\0';
	if (!good_name(name))
		return err_set(e, RC_USAGE,
			       "token name '%.80s': 1 to 64 of letters, digits, '.', '_', '@', '-'",
			       name);
	if (make_secret(TOKEN_PREFIX, secret, e))
		return e->code;
	char hash[65];
	token_hash(secret, hash);
	int rc = store_token_add(st, name, role, hash, e);
	if (rc)
		sodium_memzero(secret, TOKEN_SECRET_MAX);
	return rc;
}

int service_token_verify(struct store *st, const char *secret, struct token *out,
			 struct error *e)
{
	memset(out, 0, sizeof(*out));
	if (!secret || strlen(secret) >= TOKEN_SECRET_MAX)
		return err_set(e, RC_NOTFOUND, "no such token");
	char hash[65];
	token_hash(secret, hash);
	return store_token_find(st, hash, out, e);
}

int service_share_create(struct store *st, const char *run_id, char secret[TOKEN_SECRET_MAX],
			 struct error *e)
{
	secret[0] = '\0';
	if (make_secret("share_", secret, e))
		return e->code;
	char hash[65];
	token_hash(secret, hash);
	int rc = store_share_add(st, run_id, hash, e);
	if (rc)
		sodium_memzero(secret, TOKEN_SECRET_MAX);
	return rc;
}

int service_share_resolve(struct store *st, const char *secret, char run_id[UUID_STR_LEN],
			  struct error *e)
{
	run_id[0] = '\0';
	if (!secret || strncmp(secret, "share_", 6) || strlen(secret) >= TOKEN_SECRET_MAX)
		return err_set(e, RC_NOTFOUND, "no such share link");
	char hash[65];
	token_hash(secret, hash);
	return store_share_find(st, hash, run_id, e);
}
