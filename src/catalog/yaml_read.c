/* yaml_read — typed reads of libyaml document nodes for the catalog loader.
 *
 * Each read checks the node's shape (a string, a list of strings, a mapping
 * of variables, a duration) and, when it is wrong, records an error that
 * points at the node: FILE:LINE:COL plus what the loader is reading. */
#include "util/base.h"

#include <stdarg.h>

#include "catalog/catalog_int.h"
#include "util/kv.h"
#include "util/str.h"
#include "util/time.h"

yaml_node_t *yml_node(struct cat_loader *L, int id)
{
	return yaml_document_get_node(&L->doc, id);
}

/* libyaml counts lines and columns from 0; editors and compilers count from
 * 1, and users jump to the message's position with them. */
int yml_fail_at(struct cat_loader *L, yaml_mark_t mark, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	err_set(L->e, RC_PARSE, "%s:%zu:%zu: %s%s%s", L->file, mark.line + 1, mark.column + 1,
		L->where.data, L->where.len ? ": " : "", msg.data);
	buf_release(&msg);
	return RC_PARSE;
}

/* A key written with nothing after its colon reads as null; the loader
 * treats it as if the key were absent. */
bool yml_is_null(const yaml_node_t *n)
{
	if (!n)
		return true;
	if (n->type != YAML_SCALAR_NODE)
		return false;
	if (n->tag && !strcmp((const char *)n->tag, YAML_NULL_TAG))
		return true;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = yml_text(n);
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

bool yml_given(struct cat_field f)
{
	return f.key && !yml_is_null(f.val);
}

const char *yml_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a string";
	}
}

struct cat_field yml_field(struct cat_loader *L, yaml_node_t *map, const char *name)
{
	struct cat_field f = { NULL, NULL };
	if (!map || map->type != YAML_MAPPING_NODE)
		return f;
	YML_FOR_PAIRS(p, map) {
		yaml_node_t *k = yml_node(L, p->key);
		if (k->type == YAML_SCALAR_NODE && !strcmp(yml_text(k), name)) {
			f.key = k;
			f.val = yml_node(L, p->value);
			break;
		}
	}
	return f;
}

/* Close means an edit distance of at most a third of the name (at least 2),
 * or a candidate that starts with what was written ("prereq" →
 * "prerequisites"). */
void cat_hint_init(struct cat_hint *h, const char *want)
{
	h->want = want;
	h->best = NULL;
	h->cap = strlen(want) / 3 > 2 ? strlen(want) / 3 : 2;
	h->dist = h->cap + 1;
}

void cat_hint_try(struct cat_hint *h, const char *candidate)
{
	size_t d = str_distance(h->want, candidate, h->cap);
	if (d > 1 && strlen(h->want) >= 3 && str_starts(candidate, h->want))
		d = 1;
	if (d <= h->cap && d < h->dist) {
		h->best = candidate;
		h->dist = d;
	}
}

void cat_hint_add(const struct cat_hint *h, struct buf *b)
{
	if (h->best)
		buf_addf(b, "; did you mean '%s'?", h->best);
}

/* YAML lets a key repeat and keeps the last value, which would silently
 * drop a definition: duplicates are refused here, pointing at the second. */
int yml_check_keys(struct cat_loader *L, yaml_node_t *map, const char *const *known, size_t n_known,
		   const char *kind)
{
	struct strmap seen = STRMAP_INIT;
	int rc = RC_OK;
	YML_FOR_PAIRS(p, map) {
		yaml_node_t *k = yml_node(L, p->key);
		if (k->type != YAML_SCALAR_NODE) {
			rc = yml_fail(L, k, "a key must be a name, not %s", yml_kind(k));
			break;
		}
		if (yml_is_null(k)) {
			rc = yml_fail(L, k, "a key is missing before ':'");
			break;
		}
		size_t first;
		if (strmap_get(&seen, yml_text(k), &first)) {
			rc = yml_fail(L, k, "duplicate %s '%s' (first at line %zu)", kind,
				      yml_text(k), yml_node(L, (int)first)->start_mark.line + 1);
			break;
		}
		strmap_put(&seen, yml_text(k), (size_t)p->key);
		if (!known)
			continue;
		struct cat_hint h;
		cat_hint_init(&h, yml_text(k));
		bool ok = false;
		for (size_t i = 0; i < n_known && !ok; i++) {
			ok = !strcmp(known[i], yml_text(k));
			cat_hint_try(&h, known[i]);
		}
		if (!ok) {
			struct buf b = BUF_INIT;
			for (size_t i = 0; i < n_known; i++)
				buf_addf(&b, "%s%s", i ? ", " : "", known[i]);
			buf_adds(&b, ")");
			cat_hint_add(&h, &b);
			rc = yml_fail(L, k, "unknown key '%s' (expected one of %s", yml_text(k),
				      b.data);
			buf_release(&b);
			break;
		}
	}
	strmap_release(&seen);
	return rc;
}

int yml_string(struct cat_loader *L, struct cat_field f, const char *what, const char **out)
{
	if (!yml_given(f))
		return RC_OK;
	if (f.val->type != YAML_SCALAR_NODE)
		return yml_fail(L, f.val, "'%s' must be a string, not %s", what, yml_kind(f.val));
	/* a "\0" escape would cut the C string short without anyone noticing */
	if (strlen(yml_text(f.val)) != f.val->data.scalar.length)
		return yml_fail(L, f.val, "'%s' contains a NUL character", what);
	*out = yml_text(f.val);
	return RC_OK;
}

/* Lists hand back the item nodes, not strings, so that a later check (does
 * this resource exist?) can point at the item at fault. */
int yml_list(struct cat_loader *L, struct cat_field f, const char *what, yaml_node_t ***items,
	     size_t *n)
{
	*items = NULL;
	*n = 0;
	if (!yml_given(f))
		return RC_OK;
	if (f.val->type == YAML_MAPPING_NODE)
		return yml_fail(L, f.val,
				"'%s' must be a string or a list of strings, not a mapping", what);
	if (f.val->type == YAML_SCALAR_NODE) {
		*items = xmalloc(sizeof(**items));
		(*items)[(*n)++] = f.val;
	} else {
		yaml_node_item_t *it = f.val->data.sequence.items.start;
		yaml_node_item_t *end = f.val->data.sequence.items.top;
		*items = xcalloc((size_t)(end - it), sizeof(**items));
		for (; it < end; it++)
			(*items)[(*n)++] = yml_node(L, *it);
	}
	for (size_t i = 0; i < *n; i++) {
		yaml_node_t *item = (*items)[i];
		int rc = RC_OK;
		if (item->type != YAML_SCALAR_NODE)
			rc = yml_fail(L, item, "each item of '%s' must be a string, not %s", what,
				      yml_kind(item));
		else if (yml_is_null(item) || !*yml_text(item))
			rc = yml_fail(L, item, "an item of '%s' is empty", what);
		else if (strlen(yml_text(item)) != item->data.scalar.length)
			rc = yml_fail(L, item, "an item of '%s' contains a NUL character", what);
		if (rc) {
			free(*items);
			*items = NULL;
			*n = 0;
			return rc;
		}
	}
	return RC_OK;
}

/* Variable names become environment variables (context keys as
 * ASSAY_CTX_key), so they cannot be empty or hold '=' or blanks. A value
 * written as nothing is the empty string. */
int yml_vars(struct cat_loader *L, struct cat_field f, const char *what, struct kvlist *out)
{
	if (!yml_given(f))
		return RC_OK;
	if (f.val->type != YAML_MAPPING_NODE)
		return yml_fail(L, f.val, "'%s' must be a mapping of names to values, not %s", what,
				yml_kind(f.val));
	int rc = yml_check_keys(L, f.val, NULL, 0, "variable");
	if (rc)
		return rc;
	YML_FOR_PAIRS(p, f.val) {
		struct cat_field vf = { yml_node(L, p->key), yml_node(L, p->value) };
		const char *name = yml_text(vf.key);
		if (strpbrk(name, "= \t\r\n\v\f"))
			return yml_fail(L, vf.key, "%s name '%s' cannot hold '=' or whitespace",
					what, name);
		if (vf.val->type != YAML_SCALAR_NODE)
			return yml_fail(L, vf.val, "%s '%s' must be a string, not %s", what, name,
					yml_kind(vf.val));
		const char *value = "";
		if ((rc = yml_string(L, vf, name, &value)))
			return rc;
		kv_set(out, name, value);
	}
	return RC_OK;
}

int yml_duration(struct cat_loader *L, struct cat_field f, int64_t *ms)
{
	const char *s = NULL;
	int rc = yml_string(L, f, "timeout", &s);
	if (rc || !s)
		return rc;
	if (!time_parse_duration(s, ms))
		return yml_fail(L, f.val,
				"bad duration '%s' for 'timeout' (write e.g. 30s, 500ms, 2m or 1h; "
				"a plain number is seconds)",
				s);
	return RC_OK;
}
