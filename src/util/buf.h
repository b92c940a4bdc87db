/* buf — a growable byte buffer that is always NUL-terminated (like git's strbuf).
 *
 * Ownership: the caller owns the struct; buf_init() makes it empty without
 * allocating, buf_release() frees what it holds, buf_detach() hands the
 * bytes to the caller (who frees them) and leaves the buf empty.
 * `data` is never NULL after buf_init (it points at "" until the first add). */
#ifndef ASSAY_UTIL_BUF_H
#define ASSAY_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap; /* 0 while data points at the shared empty string */
};

#define BUF_INIT { (char *)buf_empty, 0, 0 }
extern const char buf_empty[1];

void buf_init(struct buf *b);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b); /* always heap memory, caller frees */
void buf_reset(struct buf *b);   /* len = 0, keeps the memory */
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_truncate(struct buf *b, size_t len);

#endif
