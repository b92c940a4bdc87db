/* catalog_int — what the files of catalog/ share while loading assay.yaml;
 * not for use outside this folder.
 *
 *   catalog.c   opens the file, parses the YAML document, runs the passes
 *   yaml_read.c typed reads of YAML nodes (string, list, variables,
 *               duration) whose errors carry FILE:LINE:COL
 *   entries.c   the definitions: names, tests, resources, suites
 *   command.c   command text → argv
 *
 * Every yml_* and catalog_read_* function returns RC_OK or RC_PARSE, having
 * put "FILE:LINE:COL: <where>: message" in loader->e. */
#ifndef ASSAY_CATALOG_CATALOG_INT_H
#define ASSAY_CATALOG_CATALOG_INT_H

#include <yaml.h>

#include "catalog/catalog.h"
#include "util/buf.h"
#include "util/strmap.h"

struct cat_loader {
	const char *file;     /* the path as the caller gave it: messages start with it */
	yaml_document_t doc;
	struct catalog *cat;  /* being filled */
	struct error *e;
	struct buf where;     /* "test 'x'": what the next messages are about, or "" */
	struct strmap tests;  /* name → index in cat->tests, once the names are read */
	struct strmap resources;
	struct strmap suites;
};

/* A key of a mapping and its value; both NULL when the key is absent. */
struct cat_field {
	yaml_node_t *key;
	yaml_node_t *val;
};

#define YML_FOR_PAIRS(p, map)                                        \
	for (yaml_node_pair_t *p = (map)->data.mapping.pairs.start; \
	     p < (map)->data.mapping.pairs.top; p++)

static inline const char *yml_text(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static inline size_t yml_map_len(const yaml_node_t *map)
{
	return (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
}

yaml_node_t *yml_node(struct cat_loader *L, int id);
/* Records "FILE:LINE:COL: where: message" at `mark`; returns RC_PARSE. */
int yml_fail_at(struct cat_loader *L, yaml_mark_t mark, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define yml_fail(L, node, ...) yml_fail_at((L), (node)->start_mark, __VA_ARGS__)

/* True for a missing node or a scalar YAML reads as null ("", ~, null). */
bool yml_is_null(const yaml_node_t *n);
/* True when the field is present with a non-null value. */
bool yml_given(struct cat_field f);
const char *yml_kind(const yaml_node_t *n); /* "a string", "a list", "a mapping" */
/* Finds key `name` in `map` (NULL or not a mapping: absent). */
struct cat_field yml_field(struct cat_loader *L, yaml_node_t *map, const char *name);

/* Checks that the keys of `map` are names, none twice, each one of `known`
 * (unless known is NULL; an unknown key gets a "did you mean"). `kind` is
 * what a key is called in the duplicate message ("test", "key"). */
int yml_check_keys(struct cat_loader *L, yaml_node_t *map, const char *const *known,
		   size_t n_known, const char *kind);
/* A single string; *out left alone when the field is absent or null. */
int yml_string(struct cat_loader *L, struct cat_field f, const char *what, const char **out);
/* One string or a list of non-empty strings; *items (caller frees) holds
 * each item's node, *n their count (0 when absent). */
int yml_list(struct cat_loader *L, struct cat_field f, const char *what, yaml_node_t ***items,
	     size_t *n);
/* A mapping of variable names to strings, added to `out`. */
int yml_vars(struct cat_loader *L, struct cat_field f, const char *what, struct kvlist *out);
/* A duration ("30s", "500ms", "2m"; a plain number is seconds). */
int yml_duration(struct cat_loader *L, struct cat_field f, int64_t *ms);

/* "Did you mean": feed candidates to cat_hint_try, then cat_hint_add
 * appends "; did you mean 'x'?" for the closest one, if any was close. */
struct cat_hint {
	const char *want;
	const char *best;
	size_t dist;
	size_t cap;
};
void cat_hint_init(struct cat_hint *h, const char *want);
void cat_hint_try(struct cat_hint *h, const char *candidate);
void cat_hint_add(const struct cat_hint *h, struct buf *b);

/* Reads the names under resources:, tests: and suites: (any may be absent)
 * into L->cat and the loader's indexes, in file order. */
int catalog_read_names(struct cat_loader *L, struct cat_field resources, struct cat_field tests,
		       struct cat_field suites);
/* Each fills one definition whose name catalog_read_names already set. */
int catalog_read_test(struct cat_loader *L, yaml_node_t *key, yaml_node_t *body,
		      struct cat_test *t);
int catalog_read_resource(struct cat_loader *L, yaml_node_t *body, struct cat_resource *r);
int catalog_read_suite(struct cat_loader *L, struct cat_field f, struct cat_suite *s);

#endif
