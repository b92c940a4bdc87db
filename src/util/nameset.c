/* nameset — see nameset.h. Open addressing over the first half of the
 * hash; a slot is empty while its number is 0. */
#include "util/base.h"

#include <sodium.h>

#include "util/buf.h"
#include "util/nameset.h"

static void hash_of(const struct nameset *s, const char *name, size_t len, uint32_t out[3])
{
	unsigned char h[crypto_shorthash_siphashx24_BYTES];
	crypto_shorthash_siphashx24(h, (const unsigned char *)name, len, s->key);
	memcpy(out, h, 3 * sizeof(*out));
}

static struct nameset_slot *find(const struct nameset *s, const uint32_t hash[3])
{
	size_t mask = s->cap - 1, i = hash[0] & mask;
	while (s->slots[i].last && memcmp(s->slots[i].hash, hash, sizeof(s->slots[i].hash)))
		i = (i + 1) & mask;
	return &s->slots[i];
}

static void grow(struct nameset *s)
{
	struct nameset old = *s;
	s->cap = old.cap ? old.cap * 2 : 64;
	s->slots = xcalloc(s->cap, sizeof(*s->slots));
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].last)
			*find(s, old.slots[i].hash) = old.slots[i];
	free(old.slots);
}

/* The slot of `name` (filled or empty), with room for one more name. */
static struct nameset_slot *slot_of(struct nameset *s, const char *name, size_t len,
				    uint32_t hash[3])
{
	if (!s->cap) {
		if (sodium_init() < 0) { /* only when it cannot work at all */
			fputs("assay: libsodium could not start\n", stderr);
			abort();
		}
		randombytes_buf(s->key, sizeof(s->key));
	}
	if ((s->n + 1) * 2 > s->cap)
		grow(s);
	hash_of(s, name, len, hash);
	return find(s, hash);
}

void nameset_number(struct nameset *s, struct buf *b)
{
	uint32_t hash[3];
	struct nameset_slot *first = slot_of(s, b->data ? b->data : "", b->len, hash);
	if (!first->last) {
		*first = (struct nameset_slot){ { hash[0], hash[1], hash[2] }, 1 };
		s->n++;
		return;
	}
	size_t base = b->len;
	uint32_t k = first->last;
	while (k < UINT32_MAX) { /* four billion names would not fit in memory first */
		k++;
		buf_truncate(b, base);
		buf_addf(b, " (%lu)", (unsigned long)k);
		uint32_t h[3];
		struct nameset_slot *sl = slot_of(s, b->data, b->len, h);
		if (!sl->last) {
			*sl = (struct nameset_slot){ { h[0], h[1], h[2] }, 1 };
			s->n++;
			break;
		}
	}
	/* The table may have grown: the first name's slot is looked up again. */
	buf_truncate(b, base);
	struct nameset_slot *again = find(s, hash);
	again->last = k;
	buf_addf(b, " (%lu)", (unsigned long)k);
}

size_t nameset_count(const struct nameset *s)
{
	return s->n;
}

void nameset_release(struct nameset *s)
{
	free(s->slots);
	sodium_memzero(s->key, sizeof(s->key));
	*s = (struct nameset)NAMESET_INIT;
}
