/* tap_yaml — the few scalars import reads from a TAP point's YAML block,
 * with libyaml's event parser (the block is at most TAP_DIAG_LIMIT bytes,
 * so the whole of it is at hand). */
#include "util/base.h"

#include <yaml.h>

#include "formats/tap_read.h"
#include "util/str.h"

void tap_yaml_release(struct tap_yaml *y)
{
	free(y->message);
	free(y->error);
	free(y->status);
	free(y->parent);
	*y = (struct tap_yaml){ .exit_code = -1 };
}

/* A scalar as a whole number from 0 to `max`, written in digits. */
static bool scalar_number(const char *s, int64_t max, int64_t *out)
{
	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
		return false;
	int64_t v = strtoll(s, NULL, 10);
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* Skips the value that starts with `ev` (a scalar, or a whole sequence or
 * mapping, nested to any depth); false on a parse error. */
static bool skip_value(yaml_parser_t *p, yaml_event_t *ev)
{
	int depth = 0;
	for (;;) {
		if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (ev->type == YAML_SEQUENCE_END_EVENT || ev->type == YAML_MAPPING_END_EVENT)
			depth--;
		yaml_event_delete(ev);
		if (depth <= 0)
			return true;
		if (!yaml_parser_parse(p, ev))
			return false;
	}
}

static void take(struct tap_yaml *y, const char *key, const char *value)
{
	int64_t v;
	if (!strcmp(key, "message")) {
		free(y->message);
		y->message = xstrdup(value);
	} else if (!strcmp(key, "error")) {
		free(y->error);
		y->error = xstrdup(value);
	} else if (!strcmp(key, "status")) {
		free(y->status);
		y->status = xstrdup(value);
	} else if (!strcmp(key, "parent")) {
		free(y->parent);
		y->parent = xstrdup(value);
	} else if (!strcmp(key, "exit_code") && scalar_number(value, 255, &v)) {
		y->exit_code = (int)v;
	}
}

bool tap_yaml_read(const char *yaml, struct tap_yaml *out)
{
	*out = (struct tap_yaml){ .exit_code = -1 };
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return false;
	yaml_parser_set_input_string(&p, (const unsigned char *)yaml, strlen(yaml));
	yaml_event_t ev;
	bool ok = false, in_map = false;
	char *key = NULL;
	while (yaml_parser_parse(&p, &ev)) {
		yaml_event_type_t t = ev.type;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			ok = in_map;
			break;
		}
		if (!in_map) {
			/* stream and document starts, then the mapping; else not ours */
			bool start = t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT;
			in_map = t == YAML_MAPPING_START_EVENT;
			yaml_event_delete(&ev);
			if (!start && !in_map)
				break;
			continue;
		}
		if (t == YAML_MAPPING_END_EVENT || t == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (!key) {
			if (t != YAML_SCALAR_EVENT) { /* a complex key: skip it and its value */
				if (!skip_value(&p, &ev))
					break;
				key = xstrdup("");
				continue;
			}
			key = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
			yaml_event_delete(&ev);
			continue;
		}
		if (t == YAML_SCALAR_EVENT) {
			/* a value with a NUL in it is cut there: a C string */
			take(out, key, (const char *)ev.data.scalar.value);
			yaml_event_delete(&ev);
		} else if (!skip_value(&p, &ev)) {
			break;
		}
		free(key);
		key = NULL;
	}
	free(key);
	yaml_parser_delete(&p);
	if (!ok)
		tap_yaml_release(out);
	return ok;
}

static const char *next_line(const char *l)
{
	const char *nl = strchr(l, '\n');
	return nl ? nl + 1 : NULL;
}

/* The indentation of a block's entries: that of its first line that is
 * neither blank nor a comment (node:test's sit where "---" does, some
 * producers' deeper). */
static size_t base_indent(const char *yaml)
{
	for (const char *l = yaml; l && *l; l = next_line(l)) {
		size_t n = strspn(l, " ");
		if (l[n] && l[n] != '\n' && l[n] != '\r' && l[n] != '#')
			return n;
	}
	return 0;
}

/* True when line `l` starts a top-level entry of a block mapping indented
 * `base`: text there that is not a comment nor a sequence's "- " item. */
static bool entry_start(const char *l, size_t base)
{
	if (strspn(l, " ") != base)
		return false;
	l += base;
	if (*l == '\t' || *l == '#' || *l == '\n' || *l == '\r' || !*l)
		return false;
	return !(l[0] == '-' && (l[1] == ' ' || l[1] == '\n' || !l[1]));
}

/* True when entry `l` (past its indentation) has key `key`: "key:",
 * '"key":' or "'key':", then a space or the end of the line. */
static bool entry_is(const char *l, const char *key)
{
	char quote = *l == '"' || *l == '\'' ? *l++ : 0;
	size_t n = strlen(key);
	if (strncmp(l, key, n))
		return false;
	l += n;
	if (quote && *l++ != quote)
		return false;
	return *l == ':' && (l[1] == ' ' || l[1] == '\n' || l[1] == '\r' || !l[1]);
}

bool tap_yaml_has(const char *yaml, const char *key)
{
	size_t base = base_indent(yaml);
	for (const char *l = yaml; l; l = next_line(l))
		if (entry_start(l, base) && entry_is(l + base, key))
			return true;
	return false;
}

void tap_yaml_rest(const char *yaml, const char *drop, struct buf *out)
{
	size_t base = base_indent(yaml);
	bool dropping = false;
	for (const char *l = yaml; *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) + 1 : strlen(l);
		if (entry_start(l, base))
			dropping = entry_is(l + base, "duration_ms") ||
				   (drop && entry_is(l + base, drop));
		if (!dropping) {
			size_t lead = strspn(l, " "); /* written from the entries' column */
			lead = lead < base ? lead : base;
			buf_add(out, l + lead, n - lead);
		}
		l += n;
	}
}
