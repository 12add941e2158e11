#!/usr/bin/env bash
# ex-parallel-sleeps: three timers at once, continuations in timer order.
set -euo pipefail
out=$("$1/ex-parallel-sleeps" "${@:2}")
[ "$out" = "Sleeping... 100ms 200ms Done." ] || { echo "FAIL: got '$out'"; exit 1; }
echo ok
