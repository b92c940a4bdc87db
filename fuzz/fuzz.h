/* fuzz — what the libFuzzer targets in this folder share: the entry point,
 * cutting an input into chunks, and failing loudly.
 *
 * A target is fuzz/<format>_fuzz.c. It defines LLVMFuzzerTestOneInput and
 * nothing else with external linkage (everything else is static), because
 * tests/unit/fuzz_regress_test.c links every target into one binary with
 * the entry point renamed to fuzz_<format>_one (-DLLVMFuzzerTestOneInput=...)
 * and replays the seed corpus and the kept crash inputs through them under
 * the ordinary gcc + ASan build. So a target must not need libFuzzer itself.
 *
 * The readers are incremental and promise the same result however the
 * bytes are split, so a target reads each input twice — whole, and cut into
 * chunks by fuzz_split() — and calls fuzz_same() on what the two readings
 * delivered. A broken promise (or any other check) ends in fuzz_fail(),
 * which prints why and aborts: libFuzzer keeps the input as a crash. */
#ifndef ASSAY_FUZZ_FUZZ_H
#define ASSAY_FUZZ_FUZZ_H

#include "util/base.h"

#include <stdarg.h>

#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	FUZZ_MAX_CUTS = 8,        /* chunk boundaries in a cut reading */
	FUZZ_BYTEWISE_MAX = 4096, /* inputs up to this size may be fed a byte at a time */
};

/* Prints "fuzz: <why>" and aborts. */
static inline __attribute__((noreturn, format(printf, 1, 2))) void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static inline uint64_t fuzz_next(uint64_t *s)
{
	/* xorshift64*: any fixed, cheap generator will do */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Feeds data[0..size) to feed() in chunks whose boundaries are derived from
 * the bytes themselves (an FNV-1a hash), so a reproducer is always cut the
 * same way: a quarter of the small inputs go a byte at a time, the others
 * in 1 to FUZZ_MAX_CUTS + 1 pieces of random lengths (empty pieces too). */
static inline void fuzz_split(const uint8_t *data, size_t size,
			      void (*feed)(void *ctx, const char *p, size_t n), void *ctx)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ULL;
	uint64_t s = h | 1;
	if (size <= FUZZ_BYTEWISE_MAX && fuzz_next(&s) % 4 == 0) {
		for (size_t i = 0; i < size; i++)
			feed(ctx, (const char *)data + i, 1);
		return;
	}
	size_t cuts[FUZZ_MAX_CUTS + 1], n = 1 + fuzz_next(&s) % FUZZ_MAX_CUTS;
	for (size_t i = 0; i < n; i++)
		cuts[i] = (size_t)(fuzz_next(&s) % (size + 1));
	/* insertion sort: at most eight offsets */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			size_t t = cuts[j];
			cuts[j] = cuts[j - 1];
			cuts[j - 1] = t;
		}
	cuts[n] = size;
	size_t at = 0;
	for (size_t i = 0; i <= n; i++) {
		feed(ctx, (const char *)data + at, cuts[i] - at);
		at = cuts[i];
	}
}

/* Aborts, showing both, unless the whole and the cut readings' logs are
 * byte for byte the same. */
static inline void fuzz_same(const char *what, const struct buf *whole, const struct buf *cut)
{
	if (whole->len == cut->len && !memcmp(whole->data, cut->data, whole->len))
		return;
	size_t at = 0;
	while (at < whole->len && at < cut->len && whole->data[at] == cut->data[at])
		at++;
	fprintf(stderr,
		"fuzz: %s: reading the input whole and in chunks gave different results "
		"(first difference at byte %zu of the log)\n--- whole:\n%.4000s\n--- in chunks:\n%.4000s\n",
		what, at, whole->data, cut->data);
	abort();
}

#endif
