/* uuid — UUIDv7 identifiers (RFC 9562): 48 bits of Unix milliseconds, then
 * random bits, so ids sort by creation time. Text form is 36 chars + NUL. */
#ifndef ASSAY_UTIL_UUID_H
#define ASSAY_UTIL_UUID_H

#include <stdbool.h>
#include <stdint.h>

#define UUID_STR_LEN 37

/* Writes a new UUIDv7 for time `ms` (0 = now) into out[UUID_STR_LEN]. Within
 * one process, ids made in the same millisecond still increase. */
void uuid7_new(char out[UUID_STR_LEN], int64_t ms);
/* The same id as its 16 bytes (what the store keeps). */
void uuid7_new_bytes(unsigned char b[16], int64_t ms);

/* The 16 bytes of text UUID `s` ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", hex
 * in either case) into b; false, b untouched, when `s` is not one. */
bool uuid_to_bytes(const char *s, unsigned char b[16]);

/* Writes the text form (lower-case hex) of the 16 bytes `b` into out. */
void uuid_from_bytes(const unsigned char b[16], char out[UUID_STR_LEN]);

#endif
