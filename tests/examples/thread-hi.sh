#!/usr/bin/env bash
# ex-thread-hi: "Hi." then 1, 2, 3, one interval apart (50 ms here), in order, and
# no sooner than three intervals.
set -euo pipefail
start=$(date +%s%N)
out=$("$1/ex-thread-hi" --interval-ms 50 "${@:2}")
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$out" = $'Hi.\n1\n2\n3' ] || { echo "FAIL: got:"; echo "$out"; exit 1; }
[ "$elapsed" -ge 150 ] || { echo "FAIL: done after $elapsed ms"; exit 1; }
echo ok
