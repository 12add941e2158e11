#!/usr/bin/env bash
# ex-slow: the continuation gets the future's value.
set -euo pipefail
out=$("$1/ex-slow" "${@:2}") || { echo "FAIL: ex-slow exited $?"; exit 1; }
[ "$out" = "Got 3" ] || { echo "FAIL: got '$out'"; exit 1; }
echo ok
