#!/bin/sh
# unit.platform: needs hardware this example never has, so it always skips.
# Exit code 77 means "skipped" under protocol exit (as in Automake).
echo "skipped: needs a GPU-backed renderer, which the example never provides"
exit 77
