/* export_text — the encoders the export writers share. Every one appends to
 * a struct buf and always produces valid UTF-8: a byte that is not part of a
 * valid UTF-8 sequence becomes U+FFFD, whatever a test printed. They are on
 * the hot path of exporting a million results, so they copy runs of plain
 * bytes at once and never call printf.
 *
 * The (s, n) forms read n bytes of s; s must still be NUL-terminated
 * somewhere at or after n (a UTF-8 check may look up to 3 bytes ahead). */
#ifndef ASSAY_FORMATS_EXPORT_TEXT_H
#define ASSAY_FORMATS_EXPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum export_esc {
	/* XML character data: & < > escaped, CR kept as &#13; (a parser would
	 * turn a raw CR LF into LF); characters XML 1.0 forbids (C0 controls
	 * other than TAB LF CR, U+FFFE, U+FFFF) become U+FFFD. */
	ESC_XML_TEXT,
	/* An XML attribute value in double quotes: also " and TAB LF CR as
	 * character references, so a parser gives back exactly these bytes
	 * (attribute normalisation would turn them into spaces). */
	ESC_XML_ATTR,
	/* HTML text or a double-quoted attribute: & < > " ' escaped; C0
	 * controls other than TAB LF CR become U+FFFD. */
	ESC_HTML,
	/* The inside of a JSON string: " \ and C0 controls escaped. */
	ESC_JSON,
	/* The inside of a YAML double-quoted scalar: " \ and every character
	 * YAML does not allow raw (C0, DEL, C1, U+FFFE, U+FFFF) escaped. */
	ESC_YAML,
	/* Nothing escaped: only invalid UTF-8 replaced (CSV fields, TAP text
	 * already cleaned of its special characters). */
	ESC_NONE,
	ESC__COUNT
};

void export_esc(struct buf *b, const char *s, size_t n, enum export_esc how);
void export_escs(struct buf *b, const char *s, enum export_esc how); /* s may be NULL */

/* s as a JSON string with its quotes; NULL as null. */
void export_json_str(struct buf *b, const char *s);
/* n bytes of s as one CSV field (RFC 4180): in double quotes, with quotes
 * doubled, when they hold a comma, a quote, CR or LF. */
void export_csv_field(struct buf *b, const char *s, size_t n);

/* Appends a decimal integer. */
void export_int(struct buf *b, int64_t v);
/* Appends milliseconds as seconds with 3 decimals: 1234 → "1.234" (JUnit
 * time; negative values are written as 0). */
void export_secs(struct buf *b, int64_t ms);
/* Appends "2026-11-23T10:30:00.123Z" (frac true) or "2026-11-23T10:30:00"
 * (frac false: no fraction, no zone — the JUnit XSD's timestamp form);
 * nothing for 0. */
void export_iso(struct buf *b, int64_t ms, int frac);

/* Length of s's first line (up to the first LF, not counting it). */
size_t export_first_line(const char *s);

#endif
