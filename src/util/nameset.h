/* nameset — the names a stream of results has used, to number repeats.
 *
 * A test may bring a million sub-results, so the names are not kept: each
 * is remembered by 96 bits of its SipHash (libsodium's siphashx24) under a
 * key drawn at random for the set, 16 bytes a name instead of a copy of
 * it. Two different names share those bits with probability about
 * n^2 / 2^97 (6e-18 for a million names), and with the key secret no input
 * can be made to collide on purpose.
 *
 *     struct nameset s = NAMESET_INIT;
 *     nameset_number(&s, &name);   // "x", then "x (2)", "x (3)", ...
 *     nameset_release(&s);
 */
#ifndef ASSAY_UTIL_NAMESET_H
#define ASSAY_UTIL_NAMESET_H

#include <stddef.h>
#include <stdint.h>

struct nameset_slot {
	uint32_t hash[3];
	uint32_t last; /* the last number given to the name; 0 = empty slot */
};

struct nameset {
	struct nameset_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
	unsigned char key[16]; /* drawn when the first name comes */
};

#define NAMESET_INIT { NULL, 0, 0, { 0 } }

struct buf;
/* Makes the name in `b` one the set has not seen: left alone the first
 * time, then given " (2)", " (3)", ... (a name already taken is skipped),
 * and remembers it. The n-th repeat costs a lookup or two, not n. */
void nameset_number(struct nameset *s, struct buf *b);
/* Names remembered so far. */
size_t nameset_count(const struct nameset *s);
void nameset_release(struct nameset *s);

#endif
