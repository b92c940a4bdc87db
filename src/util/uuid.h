/* uuid — UUIDv7 identifiers (RFC 9562): 48 bits of Unix milliseconds, then
 * random bits, so ids sort by creation time. Text form is 36 chars + NUL. */
#ifndef ASSAY_UTIL_UUID_H
#define ASSAY_UTIL_UUID_H

#include <stdint.h>

#define UUID_STR_LEN 37

/* Writes a new UUIDv7 for time `ms` (0 = now) into out[UUID_STR_LEN]. Within
 * one process, ids made in the same millisecond still increase. */
void uuid7_new(char out[UUID_STR_LEN], int64_t ms);

#endif
