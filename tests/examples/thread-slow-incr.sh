#!/usr/bin/env bash
# ex-thread-slow-incr: a local variable survives the fiber's wait.
set -euo pipefail
out=$("$1/ex-thread-slow-incr" "${@:2}")
[ "$out" = "Got 4" ] || { echo "FAIL: got '$out'"; exit 1; }
echo ok
