/* xml_repair — makes the bytes of a JUnit file acceptable to expat before it
 * sees them (used by junit_read; pure, streaming, no I/O).
 *
 * Real producers write files that are not well-formed XML in a few known
 * ways (../shared/reference/result-formats.md, 1.12): raw Latin-1 bytes in a
 * file with no or a UTF-8 encoding declaration, raw control characters
 * (ESC from coloured output), and references to characters XML 1.0 forbids
 * (`&#27;`), and declarations that do not say what the bytes are (Kyua's
 * ISO-8859-1 over raw UTF-8). One byte of those would cost the whole file, so:
 *   - whatever 8-bit encoding is declared, valid UTF-8 is read as UTF-8 and
 *     a byte that is not part of it as windows-1252 (0xE9 → é, 0x93 → “),
 *     which a file in ISO-8859-1 or windows-1252 also reads right;
 *   - a forbidden control character C (raw or as a reference) becomes its
 *     Unicode "control picture" U+2400+C (ESC → ␛), other forbidden
 *     references become U+FFFD;
 *   - UTF-16 files are passed through untouched.
 * Newlines are never changed, so line numbers stay right (a repaired byte
 * can move later columns of its line).
 *
 *     struct xml_repair x;
 *     xml_repair_init(&x);
 *     xml_repair_feed(&x, bytes, n, &out);   // appends repaired bytes to out
 *     if (xml_repair_decided(&x)) ... xml_repair_encoding(&x) ...  // before the first parse
 *     xml_repair_finish(&x, &out);           // end of input: flushes what was held
 *     xml_repair_release(&x);
 *
 * Until the start of the file (BOM, XML declaration) has been seen, nothing
 * is appended: the encoding must be known before expat starts. */
#ifndef ASSAY_FORMATS_XML_REPAIR_H
#define ASSAY_FORMATS_XML_REPAIR_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

enum xml_repair_mode {
	XR_SNIFF,  /* still reading the start of the file */
	XR_UTF8,   /* repair invalid UTF-8, control characters and references */
	XR_PASS,   /* UTF-16: leave alone */
};

struct xml_repair {
	enum xml_repair_mode mode;
	const char *encoding;   /* what expat must be told, or NULL */
	struct buf head;        /* bytes held while sniffing */
	unsigned char seq[4];   /* an incomplete UTF-8 sequence */
	size_t n_seq, need_seq;
	char ref[16];           /* an incomplete "&#...;" reference */
	size_t n_ref;
};

void xml_repair_init(struct xml_repair *x);
void xml_repair_feed(struct xml_repair *x, const char *p, size_t n, struct buf *out);
void xml_repair_finish(struct xml_repair *x, struct buf *out);
/* True once the mode is known (and so xml_repair_encoding). */
bool xml_repair_decided(const struct xml_repair *x);
/* The encoding to force on expat (XML_SetEncoding), or NULL for its own
 * detection. Meaningful once decided. */
const char *xml_repair_encoding(const struct xml_repair *x);
void xml_repair_release(struct xml_repair *x);

#endif
