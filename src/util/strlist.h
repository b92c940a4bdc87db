/* strlist — a growable array of owned C strings, NULL-terminated so that
 * `items` can be passed as an argv or envp.
 *
 * Ownership: the list owns its strings; strlist_add() copies, strlist_push()
 * takes over a heap string. strlist_release() frees them all. */
#ifndef ASSAY_UTIL_STRLIST_H
#define ASSAY_UTIL_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char **items; /* items[n] == NULL once anything was added */
	size_t n;
	size_t cap;
};

#define STRLIST_INIT { NULL, 0, 0 }

void strlist_add(struct strlist *l, const char *s);
void strlist_push(struct strlist *l, char *s); /* takes ownership */
void strlist_addf(struct strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool strlist_has(const struct strlist *l, const char *s);
void strlist_release(struct strlist *l);
/* Returns items (NULL-terminated, possibly an empty list) and forgets them. */
char **strlist_detach(struct strlist *l);
/* Frees a NULL-terminated array of strings and the array itself. */
void strv_free(char **v);
size_t strv_len(char *const *v);
char **strv_dup(char *const *v);

#endif
