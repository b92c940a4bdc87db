/* time — clocks, ISO 8601 timestamps and human durations.
 * Wall-clock times in assay are int64 milliseconds since the Unix epoch, UTC;
 * 0 means "not set". */
#ifndef ASSAY_UTIL_TIME_H
#define ASSAY_UTIL_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int64_t time_now_ms(void);   /* wall clock, ms since epoch */
int64_t time_mono_ns(void);  /* monotonic clock, for measuring durations */

/* "2026-11-23T10:30:00.123Z" into out (at least 32 bytes); "" for 0. */
void time_iso(int64_t ms, char *out, size_t n);
/* Parses "2026-11-23", "2026-11-23T10:30:00Z", with optional .fff and Z or
 * ±hh:mm; false if it is none of those. */
bool time_parse_iso(const char *s, int64_t *ms);
/* Parses a duration: "30" (seconds), "30s", "500ms", "2m", "1h", "1.5s". */
bool time_parse_duration(const char *s, int64_t *ms);
/* Parses a --since value: an ISO date/time or a duration back from now ("2d",
 * "12h", "30m"). */
bool time_parse_since(const char *s, int64_t now_ms, int64_t *ms);
/* "1.234s", "2m03s", "45ms" into out. */
void time_human(int64_t ms, char *out, size_t n);

#endif
