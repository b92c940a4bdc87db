#!/bin/sh
# unit.fails_on_purpose: THE EXAMPLE'S INTENTIONAL FAILURE. It shows how assay
# records and reports a failing test (exit code, stderr kept in the result).
echo "comparing expected 42 with actual 41"
echo "unit.fails_on_purpose: this failure is intentional; the assay example includes one failing test to show how failures are reported (expected 42, got 41)" >&2
exit 1
