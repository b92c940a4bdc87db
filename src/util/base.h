/* base — what every assay source file includes first: the common system
 * headers, allocation that cannot return NULL, and the banned-call list.
 *
 * Out of memory is not a recoverable condition for assay (as in git's
 * xmalloc): the x-functions print a message and abort(). */
#ifndef ASSAY_UTIL_BASE_H
#define ASSAY_UTIL_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/rc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);            /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grows *p (holding *cap elements of `size` bytes) so it holds at least `need`. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
#define GROW(p, cap, need) ((p) = xgrow((p), &(cap), (need), sizeof(*(p))))

#include "util/banned.h"
#endif
