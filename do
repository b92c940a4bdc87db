#!/bin/sh
# The project's one entry point:
#   ./do example   install what is missing, build, run the bundled example
#   ./do test      install what is missing, build with sanitizers, run every test
#                  (and each fuzz target for a short while: ASSAY_FUZZ_SECONDS, default 20)
#   ./do bench     build and run the benchmarks
set -eu
cd "$(dirname "$0")"
sh scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
case ${1:-} in
example) make -j"$jobs" && sh scripts/run-example.sh build/release/assay ;;
test) make -j"$jobs" MODE=asan all unit && make -j"$jobs" fuzz &&
	ASSAY_BUILD=build/asan sh tests/run-all.sh ;;
bench) make -j"$jobs" && sh bench/run.sh ;;
*) echo "usage: ./do example|test|bench" >&2; exit 2 ;;
esac
