#!/usr/bin/env bash
# ex-fast: the continuation gets the future's value.
set -euo pipefail
out=$("$1/ex-fast" "${@:2}") || { echo "FAIL: ex-fast exited $?"; exit 1; }
[ "$out" = "Got 3" ] || { echo "FAIL: got '$out'"; exit 1; }
echo ok
