#!/usr/bin/env bash
# ex-sleep prints "Sleeping... ", then "Done." after (at least) a second.
set -euo pipefail
start=$(date +%s%N)
out=$("$1/ex-sleep" "${@:2}") || { echo "FAIL: ex-sleep exited $?"; exit 1; }
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$out" = "Sleeping... Done." ] || { echo "FAIL: got '$out'"; exit 1; }
[ "$elapsed" -ge 1000 ] || { echo "FAIL: returned after $elapsed ms"; exit 1; }
echo ok
