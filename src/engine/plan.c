#include "util/base.h"

#include "engine/plan.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/strmap.h"

/* Selection state while expanding names: the chosen tests in order, and the
 * suites on the current expansion path (to report suite cycles). */
struct selection {
	const struct catalog *cat;
	struct strmap chosen;     /* test name → 1 */
	size_t *order;            /* catalog indices of chosen tests */
	size_t n, cap;
	const char *stack[64];    /* suites being expanded */
	size_t depth;
};

static size_t test_index(const struct catalog *cat, const struct cat_test *t)
{
	return (size_t)(t - cat->tests);
}

static void choose(struct selection *s, const struct cat_test *t)
{
	if (!strmap_put(&s->chosen, t->name, 1))
		return;
	GROW(s->order, s->cap, s->n + 1);
	s->order[s->n++] = test_index(s->cat, t);
}

/* Appends up to three catalog names close to `name` as a suggestion. */
static void suggest(const struct catalog *cat, const char *name, struct buf *b)
{
	size_t cap = strlen(name) / 3 + 2, found = 0;
	for (size_t d = 0; d <= cap && found < 3; d++) {
		for (size_t i = 0; i < cat->n_tests + cat->n_suites && found < 3; i++) {
			const char *cand = i < cat->n_tests ? cat->tests[i].name
							    : cat->suites[i - cat->n_tests].name;
			bool prefix = d == 0 && str_starts(cand, name) && strcmp(cand, name);
			if (prefix || (d > 0 && str_distance(name, cand, cap) == d)) {
				buf_addf(b, "%s'%s'", found ? ", " : "; did you mean ", cand);
				found++;
			}
		}
	}
	if (found)
		buf_adds(b, "?");
}

static int expand(struct selection *s, const char *name, struct error *e);

static int expand_suite(struct selection *s, const struct cat_suite *suite, struct error *e)
{
	for (size_t i = 0; i < s->depth; i++) {
		if (strcmp(s->stack[i], suite->name))
			continue;
		struct buf b = BUF_INIT;
		for (size_t j = i; j < s->depth; j++)
			buf_addf(&b, "%s -> ", s->stack[j]);
		buf_adds(&b, suite->name);
		err_set(e, RC_CYCLE, "suite cycle: %s", b.data);
		buf_release(&b);
		return RC_CYCLE;
	}
	if (s->depth == ARRAY_SIZE(s->stack))
		return err_set(e, RC_USAGE, "suites nest deeper than %zu levels at '%s'",
			       ARRAY_SIZE(s->stack), suite->name);
	s->stack[s->depth++] = suite->name;
	int rc = RC_OK;
	for (char **it = suite->items; *it && !rc; it++)
		rc = expand(s, *it, e);
	s->depth--;
	if (rc && s->depth == 0 && rc != RC_CYCLE)
		err_prefix(e, "in suite '%s'", suite->name);
	return rc;
}

/* Adds the tests `name` denotes: a test, a suite, a glob or ".". */
static int expand(struct selection *s, const char *name, struct error *e)
{
	const struct catalog *cat = s->cat;
	if (!strcmp(name, ".")) {
		for (size_t i = 0; i < cat->n_tests; i++)
			choose(s, &cat->tests[i]);
		return RC_OK;
	}
	const struct cat_test *t = catalog_test(cat, name);
	if (t) {
		choose(s, t);
		return RC_OK;
	}
	const struct cat_suite *suite = catalog_suite(cat, name);
	if (suite)
		return expand_suite(s, suite, e);
	if (str_is_glob(name)) {
		for (size_t i = 0; i < cat->n_tests; i++)
			if (str_glob_match(name, cat->tests[i].name))
				choose(s, &cat->tests[i]);
		return RC_OK;
	}
	struct buf b = BUF_INIT;
	suggest(cat, name, &b);
	err_set(e, RC_NOTFOUND, "no test or suite named '%s'%s", name, b.data);
	buf_release(&b);
	return RC_NOTFOUND;
}

static bool has_label(const struct cat_test *t, char *const *labels, size_t n)
{
	for (char **l = t->labels; l && *l; l++)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(*l, labels[i]))
				return true;
	return false;
}

static size_t *append_index(size_t *v, size_t *n, size_t x)
{
	v = xrealloc(v, (*n + 1) * sizeof(*v));
	v[(*n)++] = x;
	return v;
}

/* Reports a prerequisite cycle, if any, by depth-first search; colour 0 =
 * unvisited, 1 = on the path, 2 = done. */
static int find_cycle(struct plan *p, size_t at, char *colour, size_t *path, size_t depth,
		      struct error *e)
{
	colour[at] = 1;
	path[depth] = at;
	struct plan_item *it = &p->items[at];
	for (size_t i = 0; i < it->n_deps; i++) {
		size_t d = it->deps[i];
		if (colour[d] == 1) {
			struct buf b = BUF_INIT;
			size_t from = 0;
			while (path[from] != d)
				from++;
			for (size_t j = depth + 1; j-- > from;)
				buf_addf(&b, "%s -> ", p->items[path[j]].test->name);
			buf_adds(&b, p->items[at].test->name);
			err_set(e, RC_CYCLE, "prerequisite cycle: %s", b.data);
			buf_release(&b);
			return RC_CYCLE;
		}
		if (colour[d] == 0 && find_cycle(p, d, colour, path, depth + 1, e))
			return RC_CYCLE;
	}
	colour[at] = 2;
	return RC_OK;
}

/* Connects the chosen tests: prerequisite edges inside the plan and the
 * resources each test needs. */
static void link_items(struct plan *p, const struct strmap *index)
{
	struct strmap res_index = STRMAP_INIT;
	for (size_t i = 0; i < p->n; i++) {
		struct plan_item *it = &p->items[i];
		const struct cat_test *t = it->test;
		for (size_t k = 0; k < t->n_prereqs; k++) {
			size_t d;
			if (!strmap_get(index, t->prereqs[k].test, &d) || d == i)
				continue; /* not in the run: ignored (QMTest) */
			it->expect = xrealloc(it->expect, (it->n_deps + 1) * sizeof(*it->expect));
			it->expect[it->n_deps] = t->prereqs[k].expect;
			it->deps = append_index(it->deps, &it->n_deps, d);
			struct plan_item *dep = &p->items[d];
			dep->dependents = append_index(dep->dependents, &dep->n_dependents, i);
		}
		for (char **r = t->resources; r && *r; r++) {
			size_t ri;
			if (!strmap_get(&res_index, *r, &ri)) {
				ri = p->n_resources;
				strmap_put(&res_index, *r, ri);
				p->resources = xrealloc(p->resources,
							(ri + 1) * sizeof(*p->resources));
				p->resources[ri].res = catalog_resource(p->cat, *r);
				p->resources[ri].n_users = 0;
				p->n_resources++;
			}
			p->resources[ri].n_users++;
			it->resources = append_index(it->resources, &it->n_resources, ri);
		}
	}
	strmap_release(&res_index);
}

int plan_build(const struct catalog *cat, const struct plan_request *req, struct plan **out,
	       struct error *e)
{
	struct selection sel = { .cat = cat };
	struct selection excl = { .cat = cat };
	int rc = RC_OK;
	if (req->n_names == 0)
		rc = expand(&sel, ".", e);
	for (size_t i = 0; i < req->n_names && !rc; i++)
		rc = expand(&sel, req->names[i], e);
	for (size_t i = 0; i < req->n_excludes && !rc; i++) {
		rc = expand(&excl, req->excludes[i], e);
		if (rc)
			err_prefix(e, "--exclude");
	}
	if (rc)
		goto out;

	struct plan *p = xcalloc(1, sizeof(*p));
	p->cat = cat;
	p->items = xcalloc(sel.n ? sel.n : 1, sizeof(*p->items));
	p->n_named = sel.n;
	for (size_t i = 0; i < sel.n; i++) {
		const struct cat_test *t = &cat->tests[sel.order[i]];
		size_t dummy;
		if (strmap_get(&excl.chosen, t->name, &dummy)) {
			p->n_excluded++;
			continue;
		}
		if (req->n_labels && !has_label(t, req->labels, req->n_labels))
			continue;
		strmap_put(&p->index, t->name, p->n);
		p->items[p->n].test = t;
		p->items[p->n].expected_ms = -1;
		p->n++;
	}
	link_items(p, &p->index);

	char *colour = xcalloc(p->n ? p->n : 1, 1);
	size_t *path = xmalloc((p->n ? p->n : 1) * sizeof(size_t));
	for (size_t i = 0; i < p->n && !rc; i++)
		if (!colour[i])
			rc = find_cycle(p, i, colour, path, 0, e);
	free(colour);
	free(path);
	if (rc) {
		plan_free(p);
		goto out;
	}
	plan_prioritize(p);
	*out = p;
out:
	strmap_release(&sel.chosen);
	strmap_release(&excl.chosen);
	free(sel.order);
	free(excl.order);
	return rc;
}

void plan_set_expected(struct plan *p, const char *name, int64_t ms)
{
	size_t i;
	if (strmap_get(&p->index, name, &i))
		p->items[i].expected_ms = ms;
}

static int64_t average_known(const struct plan *p)
{
	int64_t sum = 0, n = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->items[i].expected_ms >= 0) {
			sum += p->items[i].expected_ms;
			n++;
		}
	}
	return n ? sum / n : 0;
}

static int64_t expected_or(const struct plan_item *it, int64_t fallback)
{
	return it->expected_ms >= 0 ? it->expected_ms : fallback;
}

void plan_prioritize(struct plan *p)
{
	int64_t avg = average_known(p);
	/* Priorities flow from dependents to prerequisites; visit in reverse
	 * topological order (Kahn's algorithm over dependents). */
	size_t *pending = xcalloc(p->n ? p->n : 1, sizeof(size_t));
	size_t *queue = xmalloc((p->n ? p->n : 1) * sizeof(size_t));
	size_t head = 0, tail = 0;
	for (size_t i = 0; i < p->n; i++) {
		pending[i] = p->items[i].n_dependents;
		if (!pending[i])
			queue[tail++] = i;
	}
	while (head < tail) {
		struct plan_item *it = &p->items[queue[head++]];
		int64_t best = 0;
		for (size_t k = 0; k < it->n_dependents; k++)
			if (p->items[it->dependents[k]].priority > best)
				best = p->items[it->dependents[k]].priority;
		it->priority = expected_or(it, avg) + best;
		for (size_t k = 0; k < it->n_deps; k++)
			if (--pending[it->deps[k]] == 0)
				queue[tail++] = it->deps[k];
	}
	free(pending);
	free(queue);
}

int64_t plan_expected_total(const struct plan *p)
{
	int64_t avg = average_known(p), sum = 0;
	for (size_t i = 0; i < p->n; i++)
		sum += expected_or(&p->items[i], avg);
	return sum;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].deps);
		free(p->items[i].expect);
		free(p->items[i].dependents);
		free(p->items[i].resources);
	}
	free(p->items);
	free(p->resources);
	strmap_release(&p->index);
	free(p);
}
