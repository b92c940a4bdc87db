/* cursor — the opaque `next_cursor` strings of paginated listings, and the
 * query values the API reads (limits, times). Pure, unit-tested.
 *
 * A cursor is base64url (no padding) of a small versioned text, so clients
 * treat it as opaque and the server can change what is inside:
 *   runs:    "r1:<created_at ms>:<run id>"   (keyset: newest first)
 *   results: "s1:<seq>"                      (recording order)
 *   tests:   "t1:<test id>"                  (by name, then id)
 * Decoding checks the version and every field, so a cursor of one listing
 * is refused by another, and garbage is a 400, not a crash. */
#ifndef ASSAY_HTTP_CURSOR_H
#define ASSAY_HTTP_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/uuid.h"

#define CURSOR_MAX 96 /* bytes of an encoded cursor, NUL included */

void cursor_runs_encode(int64_t created_at, const char *id, char out[CURSOR_MAX]);
bool cursor_runs_decode(const char *s, int64_t *created_at, char id[UUID_STR_LEN]);
void cursor_results_encode(int64_t seq, char out[CURSOR_MAX]);
bool cursor_results_decode(const char *s, int64_t *seq);
void cursor_tests_encode(int64_t id, char out[CURSOR_MAX]);
bool cursor_tests_decode(const char *s, int64_t *id);

/* A listing's "limit": 1..max; absent (NULL) gives `dflt`. */
bool query_limit(const char *s, int dflt, int max, int *out);
/* A time bound: ISO 8601 (2026-11-23, 2026-11-23T10:30:00Z) or ms since the
 * epoch (digits only). */
bool query_time(const char *s, int64_t *ms);
/* "true", "1", "yes" or "" (a bare ?top_level) → true; "false", "0", "no" →
 * false; anything else is refused. */
bool query_bool(const char *s, bool *out);

#endif
