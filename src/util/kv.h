/* kv — an ordered list of key=value string pairs (context properties,
 * environment additions). Setting an existing key replaces its value in place.
 * Ownership: the list owns copies of every key and value. */
#ifndef ASSAY_UTIL_KV_H
#define ASSAY_UTIL_KV_H

#include <stddef.h>

#include "util/rc.h"

struct kv {
	char *key;
	char *value;
};

struct kvlist {
	struct kv *items;
	size_t n;
	size_t cap;
};

#define KVLIST_INIT { NULL, 0, 0 }

void kv_set(struct kvlist *l, const char *key, const char *value);
const char *kv_get(const struct kvlist *l, const char *key); /* NULL if absent */
void kv_copy(struct kvlist *dst, const struct kvlist *src);  /* sets each of src in dst */
void kv_release(struct kvlist *l);
/* Parses "key=value" (key non-empty, no spaces or '=' in it) into l;
 * RC_PARSE with a message naming `where` otherwise. */
int kv_parse_assignment(struct kvlist *l, const char *text, const char *where, struct error *e);
/* Reads a file of "key=value" lines (blank lines and '#' comments ignored);
 * errors name file:line. */
int kv_load_file(struct kvlist *l, const char *path, struct error *e);

#endif
