#include "util/base.h"

#include <stdarg.h>

#include "util/strlist.h"

void strlist_push(struct strlist *l, char *s)
{
	GROW(l->items, l->cap, l->n + 2);
	l->items[l->n++] = s;
	l->items[l->n] = NULL;
}

void strlist_add(struct strlist *l, const char *s)
{
	strlist_push(l, xstrdup(s));
}

void strlist_addf(struct strlist *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	strlist_push(l, s);
}

bool strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->items[i], s))
			return true;
	return false;
}

void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

char **strlist_detach(struct strlist *l)
{
	if (!l->items) {
		l->items = xcalloc(1, sizeof(char *));
	}
	char **v = l->items;
	l->items = NULL;
	l->n = l->cap = 0;
	return v;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **strv_dup(char *const *v)
{
	size_t n = strv_len(v);
	char **d = xmalloc((n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		d[i] = xstrdup(v[i]);
	d[n] = NULL;
	return d;
}
