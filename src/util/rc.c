#include "util/rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const names[] = {
#define X(name, msg) #name,
#include "util/rc.def"
#undef X
};

static const char *const messages[] = {
#define X(name, msg) msg,
#include "util/rc.def"
#undef X
};

const char *rc_name(int code)
{
	return code >= 0 && code < RC__COUNT ? names[code] : "UNKNOWN";
}

const char *rc_message(int code)
{
	return code >= 0 && code < RC__COUNT ? messages[code] : "unknown error";
}

int err_set(struct error *e, int code, const char *fmt, ...)
{
	if (!e)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->code = code;
	return code;
}

int err_prefix(struct error *e, const char *fmt, ...)
{
	if (!e)
		return RC_INTERNAL;
	char head[512], old[sizeof(e->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* Assembled by hand: the joined text may be cut at the buffer's end. */
	size_t hl = strlen(head), ol = strlen(old), cap = sizeof(e->msg) - 1;
	if (hl > cap)
		hl = cap;
	memcpy(e->msg, head, hl);
	size_t at = hl;
	for (const char *sep = ": "; *sep && at < cap; sep++)
		e->msg[at++] = *sep;
	if (ol > cap - at)
		ol = cap - at;
	memcpy(e->msg + at, old, ol);
	e->msg[at + ol] = '\0';
	return e->code;
}

void err_clear(struct error *e)
{
	e->code = RC_OK;
	e->msg[0] = '\0';
}
