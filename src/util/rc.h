/* rc — the project-wide status codes and the error record that carries them.
 *
 * Every function that can fail returns `int` (an `enum rc`; RC_OK is 0) and,
 * when it fails, fills the caller's `struct error` with a message that names
 * the thing at fault. Lower layers add context with err_prefix(); only cli/ and
 * http/ print errors. Library code never calls exit().
 *
 *     struct error e = ERROR_INIT;
 *     if (catalog_load(path, &cat, &e)) { fprintf(stderr, "%s\n", e.msg); ... }
 */
#ifndef ASSAY_UTIL_RC_H
#define ASSAY_UTIL_RC_H

enum rc {
#define X(name, msg) RC_##name,
#include "util/rc.def"
#undef X
	RC__COUNT
};

struct error {
	int code;      /* an enum rc; RC_OK when nothing went wrong */
	char msg[2048];
};
#define ERROR_INIT { 0, { 0 } }

const char *rc_name(int code);    /* "NOTFOUND" */
const char *rc_message(int code); /* "not found" */

/* Records `code` and a printf-style message in `e` (which may be NULL) and
 * returns `code`, so callers can write `return err_set(e, RC_IO, ...)`. */
int err_set(struct error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts "context: " before the message already in `e`; returns e->code. */
int err_prefix(struct error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Clears `e` back to RC_OK and an empty message. */
void err_clear(struct error *e);

#endif
