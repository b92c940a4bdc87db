#include "util/base.h"

#include <ctype.h>
#include <errno.h>

#include "util/buf.h"
#include "util/kv.h"

void kv_set(struct kvlist *l, const char *key, const char *value)
{
	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->items[i].key, key)) {
			free(l->items[i].value);
			l->items[i].value = xstrdup(value);
			return;
		}
	}
	GROW(l->items, l->cap, l->n + 1);
	l->items[l->n].key = xstrdup(key);
	l->items[l->n].value = xstrdup(value);
	l->n++;
}

const char *kv_get(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->items[i].key, key))
			return l->items[i].value;
	return NULL;
}

void kv_copy(struct kvlist *dst, const struct kvlist *src)
{
	for (size_t i = 0; i < src->n; i++)
		kv_set(dst, src->items[i].key, src->items[i].value);
}

void kv_release(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].key);
		free(l->items[i].value);
	}
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

int kv_parse_assignment(struct kvlist *l, const char *text, const char *where, struct error *e)
{
	const char *eq = strchr(text, '=');
	if (!eq || eq == text)
		return err_set(e, RC_PARSE, "%s: expected key=value, got '%s'", where, text);
	for (const char *p = text; p < eq; p++) {
		if (isspace((unsigned char)*p))
			return err_set(e, RC_PARSE, "%s: key in '%s' contains a space", where, text);
	}
	char *key = xstrndup(text, (size_t)(eq - text));
	kv_set(l, key, eq + 1);
	free(key);
	return RC_OK;
}

int kv_load_file(struct kvlist *l, const char *path, struct error *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, RC_IO, "%s: cannot open: %s", path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, rc = RC_OK;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		const char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		char where[512];
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if ((rc = kv_parse_assignment(l, p, where, e)))
			break;
	}
	free(line);
	fclose(f);
	return rc;
}
