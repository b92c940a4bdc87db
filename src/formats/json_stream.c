/* json_stream — the incremental JSON tokenizer declared in json_stream.h.
 *
 * Two machines share the work. The grammar (`expect` and the container
 * stack) decides what may come next between tokens; the lexer states
 * (string, number, literal, byte order mark) carry a token across chunk
 * boundaries. Every state lives in the struct, so a token may stop at the end
 * of any chunk and resume with the next one; nothing is ever allocated after
 * json_stream_new.
 *
 * A string piece is handed out once the piece buffer holds JSON_PIECE bytes
 * (checked before each input byte, and always after whole characters), so
 * where pieces split depends on the text alone, never on the chunks. */
#include "util/base.h"

#include <math.h>
#include <stdarg.h>

#include "formats/json_stream.h"

/* What the grammar allows next. */
enum expect {
	X_VALUE,          /* at the start, after ':' or after ',' in an array */
	X_VALUE_OR_CLOSE, /* after '[' */
	X_KEY_OR_CLOSE,   /* after '{' */
	X_KEY,            /* after ',' in an object */
	X_COLON,          /* after a key */
	X_COMMA_OR_CLOSE, /* after a value inside a container */
	X_DONE,           /* after the root value: white space only */
};

/* The token the lexer is in the middle of. */
enum lex { L_NONE, L_BOM, L_STRING, L_NUMBER, L_LITERAL };

enum str_state {
	S_CHAR,      /* ordinary characters */
	S_ESC,       /* after '\' */
	S_HEX,       /* inside \uXXXX */
	S_HIGH,      /* after a high surrogate escape: a low one may follow */
	S_HIGH_ESC,  /* after a high surrogate and '\' */
};

enum num_state { N_START, N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP };

/* What next() does after a lexer step. */
enum step { STEP_MORE, STEP_TOKEN, STEP_AGAIN, STEP_ERROR };

struct json_stream {
	const unsigned char *in; /* the unread rest of the fed chunk */
	size_t n;
	bool ended, started;
	int rc;
	char err[256];
	int line, col;           /* of the next input byte */

	enum expect expect;
	unsigned char stack[JSON_MAX_DEPTH]; /* '{' or '[' per open container */
	int depth;

	enum lex lex;
	int tok_line, tok_col;

	bool is_key;
	enum str_state str;
	int hex_count;
	unsigned hex;            /* the \u code unit being read */
	unsigned high;           /* a pending high surrogate */
	int u8_need;             /* continuation bytes still expected */
	unsigned char u8_lo, u8_hi; /* allowed range of the next one */
	unsigned char u8[4];
	int u8_len;
	char piece[JSON_PIECE + 16];
	size_t piece_len;
	bool piece_out;          /* the piece was handed out: empty it on the next call */

	enum num_state num_state;
	char num[JSON_NUMBER_MAX + 1];
	size_t num_len;
	bool num_cut;

	const char *lit;         /* "true", "false" or "null" */
	int lit_pos;
	enum json_type lit_type;

	int bom_pos;
};

/* ---- input and errors ---- */

/* Consumes one byte, keeping line and column (characters, not bytes). */
static void advance(struct json_stream *s)
{
	unsigned char c = *s->in++;
	s->n--;
	if (c == '\n') {
		s->line++;
		s->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		s->col++;
	}
}

/* Records the sticky error "line L, column C: ..." at (line, col). */
static enum step fail_at(struct json_stream *s, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum step fail_at(struct json_stream *s, int line, int col, const char *fmt, ...)
{
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(s->err, sizeof(s->err), "line %d, column %d: %s", line, col, what);
	s->rc = RC_PARSE;
	return STEP_ERROR;
}

#define fail(s, ...) fail_at((s), (s)->line, (s)->col, __VA_ARGS__)

/* How an unexpected byte is named in a message: 'x', or its hex value. */
static const char *show(unsigned char c, char out[16])
{
	if (c > 0x20 && c < 0x7F)
		snprintf(out, 16, "'%c'", c);
	else if (c == ' ')
		snprintf(out, 16, "a space");
	else
		snprintf(out, 16, "byte 0x%02X", c);
	return out;
}

/* ---- tokens ---- */

static void token(struct json_stream *s, struct json_token *t, enum json_type type, int line,
		  int col)
{
	t->type = type;
	t->text = "";
	t->len = 0;
	t->more = false;
	t->cut = false;
	t->depth = s->depth;
	t->line = line;
	t->column = col;
}

/* A value ended: what may follow depends on where it was. */
static void value_done(struct json_stream *s)
{
	s->expect = s->depth ? X_COMMA_OR_CLOSE : X_DONE;
}

/* ---- strings ---- */

static void put_utf8(struct json_stream *s, unsigned cp)
{
	char *p = s->piece + s->piece_len;
	if (cp < 0x80) {
		p[0] = (char)cp;
		s->piece_len += 1;
	} else if (cp < 0x800) {
		p[0] = (char)(0xC0 | cp >> 6);
		p[1] = (char)(0x80 | (cp & 0x3F));
		s->piece_len += 2;
	} else if (cp < 0x10000) {
		p[0] = (char)(0xE0 | cp >> 12);
		p[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		p[2] = (char)(0x80 | (cp & 0x3F));
		s->piece_len += 3;
	} else {
		p[0] = (char)(0xF0 | cp >> 18);
		p[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		p[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		p[3] = (char)(0x80 | (cp & 0x3F));
		s->piece_len += 4;
	}
}

#define REPLACEMENT 0xFFFD

/* Hands out the piece gathered so far; `last` when the string has ended. */
static enum step string_piece(struct json_stream *s, struct json_token *t, bool last)
{
	token(s, t, s->is_key ? JSON_KEY : JSON_STRING, s->tok_line, s->tok_col);
	s->piece[s->piece_len] = '\0';
	t->text = s->piece;
	t->len = s->piece_len;
	t->more = !last;
	s->piece_out = true;
	if (last) {
		s->lex = L_NONE;
		if (s->is_key)
			s->expect = X_COLON;
		else
			value_done(s);
	}
	return STEP_TOKEN;
}

/* A complete \u code unit: pairs surrogates, replaces lone ones. */
static void code_unit(struct json_stream *s, unsigned u)
{
	if (s->high) {
		if (u >= 0xDC00 && u <= 0xDFFF) {
			put_utf8(s, 0x10000 + ((s->high - 0xD800) << 10) + (u - 0xDC00));
			s->high = 0;
			s->str = S_CHAR;
			return;
		}
		put_utf8(s, REPLACEMENT);
		s->high = 0;
	}
	if (u >= 0xD800 && u <= 0xDBFF) {
		s->high = u;
		s->str = S_HIGH;
		return;
	}
	put_utf8(s, u >= 0xDC00 && u <= 0xDFFF ? REPLACEMENT : u);
	s->str = S_CHAR;
}

/* The first byte of a multi-byte UTF-8 character: how many continuation
 * bytes follow and the range of the first one (which rules out overlong
 * forms, surrogates and code points past U+10FFFF). False if it cannot
 * start a character. */
static bool utf8_lead(struct json_stream *s, unsigned char c)
{
	s->u8_lo = 0x80;
	s->u8_hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		s->u8_need = 1;
	else if (c >= 0xE0 && c <= 0xEF)
		s->u8_need = 2;
	else if (c >= 0xF0 && c <= 0xF4)
		s->u8_need = 3;
	else
		return false;
	if (c == 0xE0)
		s->u8_lo = 0xA0;
	else if (c == 0xED)
		s->u8_hi = 0x9F;
	else if (c == 0xF0)
		s->u8_lo = 0x90;
	else if (c == 0xF4)
		s->u8_hi = 0x8F;
	s->u8[0] = c;
	s->u8_len = 1;
	return true;
}

/* Copies a run of plain printable ASCII at once (the common case). */
static void ascii_run(struct json_stream *s)
{
	size_t room = JSON_PIECE > s->piece_len ? JSON_PIECE - s->piece_len : 1;
	size_t k = 0, max = s->n < room ? s->n : room;
	while (k < max) {
		unsigned char c = s->in[k];
		if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
			break;
		k++;
	}
	memcpy(s->piece + s->piece_len, s->in, k);
	s->piece_len += k;
	s->in += k;
	s->n -= k;
	s->col += (int)k;
}

static enum step lex_string(struct json_stream *s, struct json_token *t)
{
	char shown[16];
	while (s->n) {
		if (s->piece_len >= JSON_PIECE)
			return string_piece(s, t, false);
		unsigned char c = *s->in;
		switch (s->str) {
		case S_CHAR:
			if (s->u8_need) {
				if (c >= s->u8_lo && c <= s->u8_hi) {
					s->u8[s->u8_len++] = c;
					advance(s);
					s->u8_lo = 0x80;
					s->u8_hi = 0xBF;
					if (--s->u8_need == 0) {
						memcpy(s->piece + s->piece_len, s->u8, (size_t)s->u8_len);
						s->piece_len += (size_t)s->u8_len;
					}
				} else {
					/* a cut-short character: replaced, and c read afresh */
					s->u8_need = 0;
					put_utf8(s, REPLACEMENT);
				}
				continue;
			}
			if (c == '"') {
				advance(s);
				return string_piece(s, t, true);
			}
			if (c == '\\') {
				advance(s);
				s->str = S_ESC;
			} else if (c < 0x20) {
				return fail(s, "control character U+%04X in a string (it must be escaped)", c);
			} else if (c < 0x80) {
				ascii_run(s);
			} else {
				if (!utf8_lead(s, c))
					put_utf8(s, REPLACEMENT);
				advance(s);
			}
			break;
		case S_ESC: {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
			const char *p = c ? strchr(from, c) : NULL;
			if (c == 'u') {
				s->str = S_HEX;
				s->hex_count = 0;
				s->hex = 0;
			} else if (p) {
				s->piece[s->piece_len++] = to[p - from];
				s->str = S_CHAR;
			} else {
				if (c > 0x20 && c < 0x7F)
					return fail(s, "invalid escape \\%c in a string", c);
				return fail(s, "invalid escape: '\\' followed by %s", show(c, shown));
			}
			advance(s);
			break;
		}
		case S_HEX: {
			int v = c >= '0' && c <= '9' ? c - '0'
			      : c >= 'a' && c <= 'f' ? c - 'a' + 10
			      : c >= 'A' && c <= 'F' ? c - 'A' + 10
						     : -1;
			if (v < 0)
				return fail(s, "invalid \\u escape: %s is not a hex digit", show(c, shown));
			advance(s);
			s->hex = s->hex << 4 | (unsigned)v;
			if (++s->hex_count == 4)
				code_unit(s, s->hex);
			break;
		}
		case S_HIGH:
			if (c == '\\') {
				advance(s);
				s->str = S_HIGH_ESC;
			} else {
				put_utf8(s, REPLACEMENT); /* a lone high surrogate */
				s->high = 0;
				s->str = S_CHAR;
			}
			break;
		case S_HIGH_ESC:
			if (c == 'u') {
				advance(s);
				s->str = S_HEX;
				s->hex_count = 0;
				s->hex = 0;
			} else {
				put_utf8(s, REPLACEMENT); /* another escape follows the lone surrogate */
				s->high = 0;
				s->str = S_ESC;
			}
			break;
		}
	}
	return STEP_MORE;
}

/* A '"' opens a key or a string value. */
static enum step string_begin(struct json_stream *s, bool key)
{
	s->tok_line = s->line;
	s->tok_col = s->col;
	advance(s);
	s->lex = L_STRING;
	s->is_key = key;
	s->str = S_CHAR;
	s->high = 0;
	s->u8_need = 0;
	s->piece_len = 0;
	return STEP_AGAIN;
}

/* ---- numbers and literals ---- */

static enum step number_token(struct json_stream *s, struct json_token *t)
{
	token(s, t, JSON_NUMBER, s->tok_line, s->tok_col);
	s->num[s->num_len] = '\0';
	t->text = s->num;
	t->len = s->num_len;
	t->cut = s->num_cut;
	s->lex = L_NONE;
	value_done(s);
	return STEP_TOKEN;
}

static enum step lex_number(struct json_stream *s, struct json_token *t)
{
	char shown[16];
	while (s->n) {
		unsigned char c = *s->in;
		bool digit = c >= '0' && c <= '9';
		enum num_state next;
		switch (s->num_state) {
		case N_START:
			next = c == '-' ? N_MINUS : c == '0' ? N_ZERO : N_INT;
			break;
		case N_MINUS:
			if (!digit)
				return fail(s, "expected a digit after '-' but found %s", show(c, shown));
			next = c == '0' ? N_ZERO : N_INT;
			break;
		case N_ZERO:
			if (digit)
				return fail(s, "a number must not start with 0 followed by a digit");
			/* fall through */
		case N_INT:
		case N_FRAC:
			if (digit)
				next = s->num_state;
			else if (c == '.' && s->num_state != N_FRAC)
				next = N_DOT;
			else if (c == 'e' || c == 'E')
				next = N_E;
			else
				return number_token(s, t); /* c belongs to what follows */
			break;
		case N_DOT:
			if (!digit)
				return fail(s, "expected a digit after '.' but found %s", show(c, shown));
			next = N_FRAC;
			break;
		case N_E:
			if (c == '+' || c == '-') {
				next = N_ESIGN;
				break;
			}
			/* fall through */
		case N_ESIGN:
			if (!digit)
				return fail(s, "expected a digit in the exponent but found %s", show(c, shown));
			next = N_EXP;
			break;
		case N_EXP:
		default:
			if (!digit)
				return number_token(s, t);
			next = N_EXP;
			break;
		}
		if (s->num_len < JSON_NUMBER_MAX)
			s->num[s->num_len++] = (char)c;
		else
			s->num_cut = true;
		s->num_state = next;
		advance(s);
	}
	return STEP_MORE;
}

static enum step lex_literal(struct json_stream *s, struct json_token *t)
{
	while (s->n) {
		if (*s->in != (unsigned char)s->lit[s->lit_pos])
			return fail(s, "invalid literal (expected \"%s\")", s->lit);
		advance(s);
		if (!s->lit[++s->lit_pos]) {
			token(s, t, s->lit_type, s->tok_line, s->tok_col);
			s->lex = L_NONE;
			value_done(s);
			return STEP_TOKEN;
		}
	}
	return STEP_MORE;
}

/* ---- between tokens ---- */

static enum step open_container(struct json_stream *s, struct json_token *t, unsigned char c)
{
	if (s->depth == JSON_MAX_DEPTH)
		return fail(s, "nesting deeper than %d levels", JSON_MAX_DEPTH);
	token(s, t, c == '{' ? JSON_OBJECT : JSON_ARRAY, s->line, s->col);
	advance(s);
	s->stack[s->depth++] = c;
	s->expect = c == '{' ? X_KEY_OR_CLOSE : X_VALUE_OR_CLOSE;
	return STEP_TOKEN;
}

static enum step close_container(struct json_stream *s, struct json_token *t, unsigned char c)
{
	int line = s->line, col = s->col;
	advance(s);
	s->depth--;
	token(s, t, c == '}' ? JSON_OBJECT_END : JSON_ARRAY_END, line, col);
	value_done(s);
	return STEP_TOKEN;
}

/* The first byte of a value. */
static enum step value_begin(struct json_stream *s, struct json_token *t, unsigned char c)
{
	char shown[16];
	s->tok_line = s->line;
	s->tok_col = s->col;
	switch (c) {
	case '{':
	case '[':
		return open_container(s, t, c);
	case '"':
		return string_begin(s, false);
	case 't':
	case 'f':
	case 'n':
		s->lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
		s->lit_type = c == 't' ? JSON_TRUE : c == 'f' ? JSON_FALSE : JSON_NULL;
		s->lit_pos = 0;
		s->lex = L_LITERAL;
		return STEP_AGAIN;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			s->num_state = N_START;
			s->num_len = 0;
			s->num_cut = false;
			s->lex = L_NUMBER;
			return STEP_AGAIN;
		}
		return fail(s, "expected a value but found %s", show(c, shown));
	}
}

/* Skips white space and reads the next structural byte, as the grammar
 * allows it. */
static enum step lex_between(struct json_stream *s, struct json_token *t)
{
	char shown[16];
	while (s->n) {
		unsigned char c = *s->in;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			s->started = true;
			advance(s);
			continue;
		}
		if (!s->started) {
			s->started = true;
			if (c == 0xEF) {
				s->lex = L_BOM;
				return STEP_AGAIN;
			}
		}
		unsigned char top = s->depth ? s->stack[s->depth - 1] : 0;
		switch (s->expect) {
		case X_DONE:
			return fail(s, "unexpected %s after the end of the document", show(c, shown));
		case X_COLON:
			if (c != ':')
				return fail(s, "expected ':' after the key but found %s", show(c, shown));
			advance(s);
			s->expect = X_VALUE;
			continue;
		case X_COMMA_OR_CLOSE:
			if (c == ',') {
				advance(s);
				s->expect = top == '{' ? X_KEY : X_VALUE;
				continue;
			}
			if (c == (top == '{' ? '}' : ']'))
				return close_container(s, t, c);
			return fail(s, "expected ',' or '%c' but found %s", top == '{' ? '}' : ']',
				    show(c, shown));
		case X_KEY_OR_CLOSE:
			if (c == '}')
				return close_container(s, t, c);
			/* fall through */
		case X_KEY:
			if (c == '"')
				return string_begin(s, true);
			return fail(s, "expected a key (a string in double quotes) but found %s",
				    show(c, shown));
		case X_VALUE_OR_CLOSE:
			if (c == ']')
				return close_container(s, t, c);
			/* fall through */
		case X_VALUE:
			return value_begin(s, t, c);
		}
	}
	return STEP_MORE;
}

/* A byte order mark (EF BB BF) before the document: skipped, and not
 * counted as a column. */
static enum step lex_bom(struct json_stream *s)
{
	static const unsigned char bom[] = { 0xEF, 0xBB, 0xBF };
	while (s->n) {
		if (*s->in != bom[s->bom_pos])
			return fail_at(s, 1, 1, "invalid byte order mark (the document is not UTF-8 JSON)");
		s->in++;
		s->n--;
		if (++s->bom_pos == 3) {
			s->lex = L_NONE;
			return STEP_AGAIN;
		}
	}
	return STEP_MORE;
}

/* The input has ended inside or between tokens. */
static enum step at_end(struct json_stream *s, struct json_token *t)
{
	switch (s->lex) {
	case L_NUMBER:
		if (s->num_state == N_ZERO || s->num_state == N_INT || s->num_state == N_FRAC ||
		    s->num_state == N_EXP)
			return number_token(s, t);
		return fail(s, "unexpected end of document inside a number");
	case L_STRING:
		return fail(s, "unexpected end of document inside a string");
	case L_LITERAL:
		return fail(s, "unexpected end of document inside \"%s\"", s->lit);
	case L_BOM:
		return fail_at(s, 1, 1, "invalid byte order mark (the document is not UTF-8 JSON)");
	case L_NONE:
		break;
	}
	if (s->expect == X_DONE) {
		token(s, t, JSON_END, s->line, s->col);
		return STEP_TOKEN;
	}
	if (!s->depth && s->expect == X_VALUE)
		return fail(s, "the document is empty");
	return fail(s, "unexpected end of document (%d %s still open)", s->depth,
		    s->depth == 1 ? "container" : "containers");
}

/* ---- the API ---- */

struct json_stream *json_stream_new(void)
{
	struct json_stream *s = xcalloc(1, sizeof(*s));
	s->line = 1;
	s->col = 1;
	s->expect = X_VALUE;
	return s;
}

void json_stream_feed(struct json_stream *s, const char *bytes, size_t n)
{
	s->in = (const unsigned char *)bytes;
	s->n = n;
}

void json_stream_end(struct json_stream *s)
{
	s->ended = true;
}

int json_stream_next(struct json_stream *s, struct json_token *t, struct error *e)
{
	if (s->rc)
		return err_set(e, s->rc, "%s", s->err);
	if (s->piece_out) {
		s->piece_len = 0;
		s->piece_out = false;
	}
	for (;;) {
		enum step st;
		switch (s->lex) {
		case L_STRING: st = lex_string(s, t); break;
		case L_NUMBER: st = lex_number(s, t); break;
		case L_LITERAL: st = lex_literal(s, t); break;
		case L_BOM: st = lex_bom(s); break;
		case L_NONE:
		default: st = lex_between(s, t); break;
		}
		if (st == STEP_MORE) {
			if (!s->ended) {
				token(s, t, JSON_NONE, s->line, s->col);
				return RC_OK;
			}
			st = at_end(s, t);
		}
		if (st == STEP_ERROR)
			return err_set(e, s->rc, "%s", s->err);
		if (st == STEP_TOKEN)
			return RC_OK;
	}
}

void json_stream_free(struct json_stream *s)
{
	free(s);
}

/* ---- numbers ---- */

bool json_number_value(const char *text, double *out)
{
	const char *p = text;
	bool neg = *p == '-';
	if (neg)
		p++;
	if (*p < '0' || *p > '9')
		return false;
	/* Up to 19 significant digits fit a uint64_t exactly; later ones only
	 * move the decimal exponent. */
	uint64_t mant = 0;
	int sig = 0, exp10 = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (sig < 19) {
			mant = mant * 10 + (uint64_t)(*p - '0');
			sig += mant != 0;
		} else {
			exp10++;
		}
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (sig < 19) {
				mant = mant * 10 + (uint64_t)(*p - '0');
				sig += mant != 0;
				exp10--;
			}
		}
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		int sign = *p == '-' ? -1 : 1;
		if (*p == '-' || *p == '+')
			p++;
		if (*p < '0' || *p > '9')
			return false;
		int e = 0;
		for (; *p >= '0' && *p <= '9'; p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		exp10 += sign * e;
	}
	if (*p)
		return false;
	double v = mant ? (double)mant * pow(10.0, exp10) : 0.0;
	if (!isfinite(v))
		return false;
	*out = neg ? -v : v;
	return true;
}
