/* detect — which result format a file is in, from its first bytes (never
 * from its name: CI artifacts are called anything).
 *
 *     enum result_format f = format_detect(head, n);   // first 4 KiB or so
 */
#ifndef ASSAY_FORMATS_DETECT_H
#define ASSAY_FORMATS_DETECT_H

#include <stdbool.h>
#include <stddef.h>

enum result_format { FMT_UNKNOWN, FMT_JUNIT, FMT_TAP, FMT_CTRF };

/* JUnit: XML whose first element is <testsuites> or <testsuite> (after an XML
 * declaration, comments, processing instructions or a DOCTYPE). TAP: the
 * first line that is not blank is a version line, a plan, a test point, a
 * "Bail out!", a pragma or a comment. CTRF: a JSON object that names
 * "results". A byte-order mark is skipped; XML in UTF-16 (with or without
 * one) is told as well. */
enum result_format format_detect(const char *head, size_t n);

const char *format_name(enum result_format f); /* "junit", "tap", "ctrf", "unknown" */
bool format_parse(const char *name, enum result_format *out);

#endif
