#!/usr/bin/env bash
# ex-incr: the captured value survives the sleep.
set -euo pipefail
out=$("$1/ex-incr" "${@:2}") || { echo "FAIL: ex-incr exited $?"; exit 1; }
[ "$out" = "Got 4" ] || { echo "FAIL: got '$out'"; exit 1; }
echo ok
