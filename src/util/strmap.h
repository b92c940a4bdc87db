/* strmap — a hash map from strings to size_t (open addressing, FNV-1a).
 * Keys are copied and owned by the map; strmap_release frees them. */
#ifndef ASSAY_UTIL_STRMAP_H
#define ASSAY_UTIL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap_slot {
	char *key; /* NULL = empty */
	size_t value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

#define STRMAP_INIT { NULL, 0, 0 }

/* Sets key → value; returns true if the key was new. */
bool strmap_put(struct strmap *m, const char *key, size_t value);
/* Looks key up; returns false if absent (then *value is untouched). */
bool strmap_get(const struct strmap *m, const char *key, size_t *value);
void strmap_release(struct strmap *m);

#endif
