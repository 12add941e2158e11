#!/usr/bin/env bash
# ex-parallel-sleeps: three timers at once, continuations in timer order;
# the program ends with the longest sleep (one second), not the sum.
set -euo pipefail
start=$(date +%s%N)
out=$("$1/ex-parallel-sleeps" "${@:2}") || { echo "FAIL: ex-parallel-sleeps exited $?"; exit 1; }
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$out" = "Sleeping... 100ms 200ms Done." ] || { echo "FAIL: got '$out'"; exit 1; }
[ "$elapsed" -ge 1000 ] || { echo "FAIL: returned after $elapsed ms"; exit 1; }
echo ok
