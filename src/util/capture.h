/* capture — keeps a bounded view of an unbounded byte stream: the first
 * `limit` bytes (head) and the last `limit` bytes (tail), counting what falls
 * between. A test printing gigabytes costs at most 2 × limit bytes.
 *
 *     struct capture c;
 *     capture_init(&c, 64 * 1024);
 *     capture_add(&c, bytes, n);  ... repeatedly ...
 *     char *text = capture_text(&c, &dropped);   // caller frees
 *     capture_release(&c);
 */
#ifndef ASSAY_UTIL_CAPTURE_H
#define ASSAY_UTIL_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct capture {
	size_t limit;
	char *head;       /* up to limit bytes, allocated as needed */
	size_t head_len;
	char *tail;       /* ring of limit bytes, allocated once head is full */
	size_t tail_len;  /* bytes in the ring (≤ limit) */
	size_t tail_pos;  /* where the next byte goes */
	uint64_t total;   /* every byte ever added */
};

void capture_init(struct capture *c, size_t limit);
void capture_add(struct capture *c, const char *p, size_t n);
/* The kept text: head, then (when bytes were dropped) a line
 * "\n[... N bytes dropped ...]\n", then tail. NUL-terminated, heap, so a NUL
 * byte kept is given as U+FFFD (a test printing binary data does not lose
 * the rest of its output). The number of dropped bytes goes to *dropped
 * (may be NULL). */
char *capture_text(const struct capture *c, int64_t *dropped);
/* The same for a capture of UTF-8 text: when bytes were dropped, the pieces
 * of the characters that the two cuts went through are dropped (and
 * counted) too, so valid UTF-8 in gives valid UTF-8 out. */
char *capture_text_utf8(const struct capture *c, int64_t *dropped);
void capture_release(struct capture *c);

#endif
