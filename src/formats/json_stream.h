/* json_stream — an incremental JSON tokenizer (a pull parser) with bounded
 * memory (pure: no I/O, no allocation after json_stream_new).
 *
 * Bytes are fed in chunks of any size, split anywhere (inside a string, an
 * escape, a \uXXXX surrogate pair, a UTF-8 character or a number); tokens are
 * pulled until the chunk is used up:
 *
 *     struct json_stream *s = json_stream_new();
 *     json_stream_feed(s, bytes, n);                  // ... for each chunk:
 *     while (!(rc = json_stream_next(s, &t, &e)) && t.type != JSON_NONE)
 *             ... t ...
 *     json_stream_end(s);                             // no more input
 *     while (!(rc = json_stream_next(s, &t, &e)) && t.type != JSON_END)
 *             ... t ...                               // a last number, closing tokens
 *     json_stream_free(s);
 *
 * The grammar is RFC 8259's: exactly one value (any type) and only white
 * space after it. Malformed input is refused with RC_PARSE and a message
 * "line L, column C: what is wrong" (columns count characters, from 1).
 * Errors are sticky: every later call returns the same one.
 *
 * Bounds: strings are delivered in pieces of at most about JSON_PIECE bytes,
 * so a string of any length costs no more than that; nesting deeper than
 * JSON_MAX_DEPTH is refused; a number is kept up to JSON_NUMBER_MAX
 * characters. The token sequence does not depend on how the input was split.
 *
 * Text is decoded to UTF-8: escapes are resolved, a \u escape of a lone
 * surrogate and every byte sequence that is not valid UTF-8 become U+FFFD
 * (never an error). A leading UTF-8 byte order mark is skipped. */
#ifndef ASSAY_FORMATS_JSON_STREAM_H
#define ASSAY_FORMATS_JSON_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "util/rc.h"

enum {
	JSON_MAX_DEPTH = 64,   /* containers open at once */
	JSON_PIECE = 8192,     /* string bytes delivered per token (a few more to end a character) */
	JSON_NUMBER_MAX = 64,  /* characters of a number kept */
};

enum json_type {
	JSON_NONE,       /* the fed bytes are used up: feed more, or end */
	JSON_OBJECT,     /* '{' */
	JSON_OBJECT_END, /* '}' */
	JSON_ARRAY,      /* '[' */
	JSON_ARRAY_END,  /* ']' */
	JSON_KEY,        /* a member name (one piece of it) */
	JSON_STRING,     /* a string value (one piece of it) */
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
	JSON_END,        /* after json_stream_end: the document was complete */
};

struct json_token {
	enum json_type type;
	/* KEY, STRING: a piece of the decoded UTF-8 text, which may hold NUL
	 * characters (from \u0000); NUMBER: the number as written. Always
	 * NUL-terminated; valid until the next call. "" for other tokens. */
	const char *text;
	size_t len;
	bool more;   /* KEY, STRING: further pieces of the same string follow */
	bool cut;    /* NUMBER: longer than JSON_NUMBER_MAX, text is its head only */
	int depth;   /* containers open around the token: the root value and its
		        closing token are at 0, the root's members at 1 */
	int line, column; /* where the token starts (a string's opening quote) */
};

struct json_stream *json_stream_new(void);
/* Hands the next chunk to the stream, which reads it in place: the caller
 * keeps the bytes alive and pulls until JSON_NONE before feeding again. */
void json_stream_feed(struct json_stream *s, const char *bytes, size_t n);
/* Says no input follows; json_stream_next then never returns JSON_NONE. */
void json_stream_end(struct json_stream *s);
/* The next token in *t, or JSON_NONE when the chunk is used up, or JSON_END
 * once the input has ended after a complete document (repeatedly). Returns
 * RC_OK, or RC_PARSE with e naming the place. */
int json_stream_next(struct json_stream *s, struct json_token *t, struct error *e);
void json_stream_free(struct json_stream *s);

/* The value of a JSON number as written (a NUMBER token's text), read
 * without regard to the process locale; false when it is not a JSON number
 * or overflows a double. */
bool json_number_value(const char *text, double *out);

#endif
