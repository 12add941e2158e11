#!/usr/bin/env bash
# ex-incr: the captured value survives the sleep.
set -euo pipefail
out=$("$1/ex-incr" "${@:2}")
[ "$out" = "Got 4" ] || { echo "FAIL: got '$out'"; exit 1; }
echo ok
