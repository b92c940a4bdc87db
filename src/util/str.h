/* str — small string helpers used across layers. */
#ifndef ASSAY_UTIL_STR_H
#define ASSAY_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
/* Edit distance between a and b (Levenshtein), capped at `cap`+1 for speed. */
size_t str_distance(const char *a, const char *b, size_t cap);
/* True when `s` contains a glob metacharacter (* ? [). */
bool str_is_glob(const char *s);
/* fnmatch(3) without FNM_PATHNAME: '*' crosses '.' and '/'. */
bool str_glob_match(const char *pattern, const char *s);
/* Parses a decimal int64; false on junk, overflow or an empty string. */
bool str_to_i64(const char *s, int64_t *out);

/* A copy of s with every byte that is not part of valid UTF-8 replaced by
 * U+FFFD, so test output always fits in JSON and XML. Heap. */
char *str_utf8_clean(const char *s);
/* Length (1-4) of the valid UTF-8 sequence that starts at p, or 0 when the
 * bytes there are not one (a stray continuation byte, an overlong form, a
 * surrogate, a sequence cut by the NUL). Reads no further than a NUL. */
size_t str_utf8_seq(const char *p);
/* True when s is valid UTF-8. */
bool str_utf8_valid(const char *s);
/* Removes, in place, the terminal escape sequences a coloured message
 * carries (ANSI CSI: ESC '[' parameters, final byte: colours, cursor
 * moves), leaving its text; also when the ESC was made its picture U+241B
 * (as a JUnit reader does, XML forbidding ESC). Returns s. */
char *str_strip_ansi(char *s);

#endif
