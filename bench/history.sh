#!/bin/sh
# bench/history.sh — does importing get slower as a project's history grows?
# The same generated JUnit file is imported again and again into one
# database, as CI does with each build's results; each import's time, peak
# memory and the database's size are printed, then the last imports against
# the second (the first also creates every test). A measurement, not a
# test: it never fails on a slow figure.
#
#   sh bench/history.sh                        # 200,000 cases, 30 imports
#   BENCH_CASES=1000000 BENCH_IMPORTS=10 sh bench/history.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ASSAY=${ASSAY:-$top/build/release/assay}
CASES=${BENCH_CASES:-200000}
IMPORTS=${BENCH_IMPORTS:-30}
work=$top/bench/work/history
[ -x "$ASSAY" ] || { echo "no $ASSAY: run make first" >&2; exit 2; }
[ "$IMPORTS" -ge 3 ] || { echo "BENCH_IMPORTS: at least 3" >&2; exit 2; }
mkdir -p "$work"
${CC:-cc} -O2 -o "$work/gen_junit" "$top/bench/gen_junit.c"
xml=$work/cases-$CASES.xml
[ -s "$xml" ] || "$work/gen_junit" "$CASES" >"$xml"
db=$work/history.db
rm -f "$db" "$db-wal" "$db-shm"

printf 'history: %s cases (%s MB) imported %s times into one database; load %s\n' "$CASES" \
	"$(echo "$(stat -c %s "$xml") / 1000000" | bc)" "$IMPORTS" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%7s %9s %10s %9s\n' import seconds "peak RSS" "DB MB"
i=1
second=""
last=0
while [ "$i" -le "$IMPORTS" ]; do
	/usr/bin/time -f '%e %M' -o "$work/time" "$ASSAY" import -q --db "$db" "$xml" >/dev/null \
		2>"$work/stderr" || { cat "$work/stderr" >&2; exit 3; }
	read -r t kib <"$work/time"
	printf '%7d %9.2f %6d MiB %9d\n' "$i" "$t" $((kib / 1024)) $(($(stat -c %s "$db") / 1000000))
	[ "$i" -eq 2 ] && second=$t
	# the mean of the last three imports
	[ "$i" -gt $((IMPORTS - 3)) ] && last=$(echo "$last + $t / 3" | bc -l)
	i=$((i + 1))
done
printf 'imports %d-%d take %.2f s on average against %.2f s for the second: %.2fx\n' \
	$((IMPORTS - 2)) "$IMPORTS" "$last" "$second" "$(echo "$last / $second" | bc -l)"
